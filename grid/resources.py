"""Grids and their people in and out of the admin (common.reference), saved by the grid
services (the village's cadres only; one chief a grid)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from common.reference import ChoiceWidget, CodeWidget, ServiceResource
from common.tables import cell_text
from grid import services
from grid.models import Grid, GridMember, GridRole
from villages.models import Region


class GridResource(ServiceResource):
    village = fields.Field(
        attribute="village", column_name="村代码", widget=CodeWidget(Region, "code")
    )
    name = fields.Field(attribute="name", column_name="网格名称")

    class Meta:
        model = Grid
        fields = ["village", "name"]
        import_id_fields = ["village", "name"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        # a grid is its village and name (both the row's key): a new one is made, a
        # known one has nothing else to change
        if instance.pk is None:
            instance.pk = services.grid_create(
                village=instance.village, name=instance.name, by=user
            ).pk


class GridWidget(widgets.Widget):
    """A grid as "village code/grid name" (360121104201/一组网格)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Grid:
        code, _sep, name = cell_text(value).partition("/")
        grid = Grid.objects.filter(village__code=code.strip(), name=name.strip()).first()
        if grid is None:
            raise ValueError(_("No grid %(grid)s.") % {"grid": value})
        return grid

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return f"{value.village.code}/{value.name}" if value else ""


class GridMemberResource(ServiceResource):
    grid = fields.Field(attribute="grid", column_name="网格（村代码/名称）", widget=GridWidget())
    role = fields.Field(attribute="role", column_name="职责", widget=ChoiceWidget(GridRole))
    name = fields.Field(attribute="name", column_name="姓名")
    phone = fields.Field(attribute="phone", column_name="电话")
    user = fields.Field(
        attribute="user",
        column_name="账号",
        widget=widgets.ForeignKeyWidget(get_user_model(), "username"),
    )

    class Meta:
        model = GridMember
        fields = ["grid", "role", "name", "phone", "user"]
        import_id_fields = ["grid", "role", "name"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        if instance.pk is None:
            instance.pk = services.grid_member_add(
                grid=instance.grid,
                role=instance.role,
                name=instance.name,
                phone=instance.phone,
                user=instance.user,
                by=user,
            ).pk
        else:
            raise ValidationError(
                _("A member's details change on the grid's page: remove them and add again.")
            )
