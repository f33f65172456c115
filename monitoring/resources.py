"""The county's feed catalogue, risk rules and monitoring lines in and out of the admin
(common.reference), saved by monitoring's services (the catalogue keepers' rule, the
models' validation), with the headers a county's staff read."""

from __future__ import annotations

from typing import Any

from import_export import fields, widgets

from common.reference import ChoiceWidget, CodeWidget, ServiceResource, YesNoWidget
from monitoring import services
from monitoring.models import (
    Cause,
    Comparison,
    DataItem,
    Department,
    ItemType,
    MonitoringLine,
    RiskRule,
    RuleKind,
)


class DataItemResource(ServiceResource):
    code = fields.Field(attribute="code", column_name="代码")
    department = fields.Field(
        attribute="department", column_name="部门代码", widget=CodeWidget(Department, "code")
    )
    name = fields.Field(attribute="name", column_name="名称")
    type = fields.Field(attribute="type", column_name="类型", widget=ChoiceWidget(ItemType))
    unit = fields.Field(attribute="unit", column_name="单位")
    meaning_zh = fields.Field(attribute="meaning_zh", column_name="含义")
    active = fields.Field(attribute="active", column_name="启用", widget=YesNoWidget())

    class Meta:
        model = DataItem
        fields = ["code", "department", "name", "type", "unit", "meaning_zh", "active"]
        import_id_fields = ["code"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        services.item_save(instance, user=user)


class RiskRuleResource(ServiceResource):
    id = fields.Field(attribute="id", column_name="编号", widget=widgets.IntegerWidget())
    kind = fields.Field(attribute="kind", column_name="种类", widget=ChoiceWidget(RuleKind))
    item = fields.Field(
        attribute="item", column_name="数据项代码", widget=CodeWidget(DataItem, "code")
    )
    comparison = fields.Field(
        attribute="comparison", column_name="比较", widget=ChoiceWidget(Comparison)
    )
    threshold = fields.Field(
        attribute="threshold", column_name="阈值", widget=widgets.DecimalWidget()
    )
    weight = fields.Field(attribute="weight", column_name="权重", widget=widgets.IntegerWidget())
    cause = fields.Field(attribute="cause", column_name="致贫风险", widget=ChoiceWidget(Cause))
    label = fields.Field(attribute="label", column_name="说明")
    active = fields.Field(attribute="active", column_name="启用", widget=YesNoWidget())

    class Meta:
        model = RiskRule
        fields = ["id", "kind", "item", "comparison", "threshold", "weight", "cause", "label"]
        fields += ["active"]
        import_id_fields = ["id"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        services.rule_save(instance, user=user)


class MonitoringLineResource(ServiceResource):
    year = fields.Field(attribute="year", column_name="年度", widget=widgets.IntegerWidget())
    amount = fields.Field(
        attribute="amount", column_name="监测线（元/人/年）", widget=widgets.DecimalWidget()
    )

    class Meta:
        model = MonitoringLine
        fields = ["year", "amount"]
        import_id_fields = ["year"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        saved = services.line_save(year=instance.year, amount=instance.amount, user=user)
        instance.pk = saved.pk
