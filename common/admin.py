"""Admin base for audit records (access log, account changes): read-only for everyone,
superusers included. An audit trail that its readers can edit or delete proves nothing."""

from django.contrib import admin


class AuditAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
