"""Staff assignments in and out of the admin (common.reference): username, region code,
role and the full-identity right, saved by the staff services (the same rules as the
staff pages: nobody assigns themselves, only inside one's own area; audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from import_export import fields, widgets

from common.reference import ChoiceWidget, CodeWidget, ServiceResource, YesNoWidget
from villages import services
from villages.models import Region, Role, StaffAssignment


class StaffAssignmentResource(ServiceResource):
    user = fields.Field(
        attribute="user",
        column_name="账号",
        widget=widgets.ForeignKeyWidget(get_user_model(), "username"),
    )
    region = fields.Field(
        attribute="region", column_name="区划代码", widget=CodeWidget(Region, "code")
    )
    role = fields.Field(attribute="role", column_name="角色", widget=ChoiceWidget(Role))
    sees_identity = fields.Field(
        attribute="sees_identity", column_name="可看完整身份", widget=YesNoWidget()
    )

    class Meta:
        model = StaffAssignment
        fields = ["user", "region", "role", "sees_identity"]
        import_id_fields = ["user", "region", "role"]

    def save_row(self, instance: Any, *, user: Any) -> None:
        if instance.pk is None:
            made = services.assignment_create(
                actor=user,
                user=instance.user,
                region=instance.region,
                role=instance.role,
                sees_identity=instance.sees_identity,
            )
            instance.pk = made.pk
        else:
            services.identity_set(
                actor=user,
                assignment=StaffAssignment.objects.get(pk=instance.pk),
                sees_identity=instance.sees_identity,
            )
