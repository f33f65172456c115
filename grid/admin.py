"""Grids and their people in the admin, with import (dry run, then confirm) and export;
saved by the grid services, as on the grid pages (common.reference). Both are made here
or by import; changing or removing them is the grid page's work (its own services)."""

from django.contrib import admin

from common.reference import ReferenceAdmin
from grid.models import Grid, GridMember
from grid.resources import GridMemberResource, GridResource


class AddOnlyMixin:
    """Rows come in by import; each change is a service call of the grid pages."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Grid)
class GridAdmin(AddOnlyMixin, ReferenceAdmin):
    resource_classes = [GridResource]
    list_display = ["name", "village"]
    search_fields = ["name", "village__name", "village__code"]


@admin.register(GridMember)
class GridMemberAdmin(AddOnlyMixin, ReferenceAdmin):
    resource_classes = [GridMemberResource]
    exports_allowed = False  # names and phones
    list_display = ["name", "role", "grid", "user"]
    list_filter = ["role"]
