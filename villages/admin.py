from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from common.admin import AuditAdmin
from common.reference import ReferenceAdmin
from villages import services
from villages.models import Region, StaffAssignment, StaffAuditEvent
from villages.resources import StaffAssignmentResource


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReferenceAdmin):
    """Assignments changed here go through the same services as the staff pages: the
    same rules (nobody changes their own) and the same audit records. An assignment's
    user, role and region are fixed once made (remove it and add another); only its
    full-identity right changes in place."""

    list_display = ["user", "role", "region", "sees_identity", "created_at"]
    list_filter = ["role", "sees_identity"]
    search_fields = ["user__username", "region__name", "region__code"]
    raw_id_fields = ["region"]
    resource_classes = [StaffAssignmentResource]
    exports_allowed = False  # people's accounts: the staff pages list them
    actions: list = []  # no bulk delete: each removal is a recorded service call

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "region"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        try:
            if change:
                # the stored assignment, not the form's object (which already holds the
                # new value, so the service would see nothing to change)
                services.identity_set(
                    actor=request.user,
                    assignment=StaffAssignment.objects.get(pk=obj.pk),
                    sees_identity=obj.sees_identity,
                )
                return
            created = services.assignment_create(
                actor=request.user,
                user=obj.user,
                region=obj.region,
                role=obj.role,
                sees_identity=obj.sees_identity,
            )
        except (PermissionDenied, ValidationError) as exc:
            raise PermissionDenied(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        obj.pk = created.pk

    def delete_model(self, request, obj):
        try:
            services.assignment_remove(actor=request.user, assignment=obj)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc


@admin.register(StaffAuditEvent)
class StaffAuditEventAdmin(AuditAdmin):
    list_display = ["created_at", "actor", "action", "target", "region", "detail"]
    list_filter = ["action"]
