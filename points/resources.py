"""A village's points catalogue in and out of the admin (common.reference), saved by the
points service (its village's cadres only, the model's limits)."""

from __future__ import annotations

from typing import Any

from import_export import fields, widgets

from common.reference import ChoiceWidget, CodeWidget, ServiceResource, YesNoWidget
from points import services
from points.models import Category, PointRule
from villages.models import Region


class PointRuleResource(ServiceResource):
    village = fields.Field(
        attribute="village", column_name="村代码", widget=CodeWidget(Region, "code")
    )
    category = fields.Field(attribute="category", column_name="类别", widget=ChoiceWidget(Category))
    name = fields.Field(attribute="name", column_name="积分事项")
    points = fields.Field(attribute="points", column_name="分值", widget=widgets.IntegerWidget())
    active = fields.Field(attribute="active", column_name="启用", widget=YesNoWidget())

    class Meta:
        model = PointRule
        fields = ["village", "category", "name", "points", "active"]
        import_id_fields = ["village", "name"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        services.rule_save(instance, user=user)
