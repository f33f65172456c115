"""Admin for superusers only, and read-only for the registry: every way in goes through
the services (ID validation, encryption, history), which the admin's forms would bypass.
Residents are listed by masked name; cipher and hash fields are never shown."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import AuditAdmin, ReadOnlyMixin
from households.models import AccessEvent, Household, ImportJob, Resident


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    pass


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "group", "poverty_status", "is_dibao", "is_tekun"]
    list_filter = ["poverty_status", "is_dibao", "is_tekun"]
    search_fields = ["number", "village__name"]
    raw_id_fields = ["village", "group"]


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "household", "relation", "status"]
    list_filter = ["status", "labour_ability"]
    raw_id_fields = ["household"]
    exclude = [
        "name",
        "religion",
        "id_hash",
        "id_cipher",
        "phone_cipher",
        "id_masked",
        "phone_masked",
    ]


@admin.register(AccessEvent)
class AccessEventAdmin(AuditAdmin):
    list_display = ["created_at", "user", "kind", "region", "reason", "detail"]
    list_filter = ["kind"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "original_name", "village", "created_by", "status"]
    exclude = ["file"]
