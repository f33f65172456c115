"""A village's points catalogue in the admin, with import (dry run, then confirm) and
export; saved by the points service, as on the catalogue page (common.reference)."""

from django.contrib import admin

from common.reference import ReferenceAdmin
from points import services
from points.models import PointRule
from points.resources import PointRuleResource


@admin.register(PointRule)
class PointRuleAdmin(ReferenceAdmin):
    resource_classes = [PointRuleResource]
    list_display = ["name", "village", "category", "points", "active"]
    list_filter = ["category", "active"]
    search_fields = ["name", "village__name", "village__code"]
    raw_id_fields = ["village"]

    def save_model(self, request, obj, form, change):
        services.rule_save(obj, user=request.user)
