"""The county's reference data in the admin: the feed catalogue, risk rules and monitoring
lines, each with django-import-export's import (dry run, then confirm) and export. A
record saved here, one by one or by import, goes through monitoring's services, as on
the county's pages (common.reference)."""

from django.contrib import admin

from common.reference import ReferenceAdmin
from monitoring import services
from monitoring.models import DataItem, MonitoringLine, RiskRule
from monitoring.resources import DataItemResource, MonitoringLineResource, RiskRuleResource


@admin.register(DataItem)
class DataItemAdmin(ReferenceAdmin):
    resource_classes = [DataItemResource]
    list_display = ["code", "name", "department", "type", "unit", "active"]
    list_filter = ["department", "type", "active"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        services.item_save(obj, user=request.user)


@admin.register(RiskRule)
class RiskRuleAdmin(ReferenceAdmin):
    resource_classes = [RiskRuleResource]
    list_display = ["pk", "kind", "item", "comparison", "threshold", "weight", "cause", "active"]
    list_filter = ["kind", "cause", "active"]

    def save_model(self, request, obj, form, change):
        services.rule_save(obj, user=request.user)


@admin.register(MonitoringLine)
class MonitoringLineAdmin(ReferenceAdmin):
    resource_classes = [MonitoringLineResource]
    list_display = ["year", "amount"]

    def save_model(self, request, obj, form, change):
        saved = services.line_save(year=obj.year, amount=obj.amount, user=request.user)
        obj.pk = saved.pk
