from django.contrib import admin

from common.admin import AuditAdmin
from villages.models import Region, StaffAssignment, StaffAuditEvent


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "sees_identity", "created_at"]
    list_filter = ["role", "sees_identity"]
    search_fields = ["user__username", "region__name", "region__code"]
    raw_id_fields = ["region"]


@admin.register(StaffAuditEvent)
class StaffAuditEventAdmin(AuditAdmin):
    list_display = ["created_at", "actor", "action", "target", "region", "detail"]
    list_filter = ["action"]
