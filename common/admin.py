"""Read-only admin pieces. The registry's admin is read-only because its forms would
bypass the services; audit records (access log, account changes) are read-only for
everyone, superusers included, since an audit trail its readers can edit proves nothing."""

from django.contrib import admin


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
