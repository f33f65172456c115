from django.contrib import admin

from villages.models import Region, StaffAssignment


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "region__name", "region__code"]
    raw_id_fields = ["region"]
