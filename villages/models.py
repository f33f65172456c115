"""The administrative tree and who works where.

Region codes are the statistical division codes and nest by prefix: 6 digits a county,
9 a township, 12 a village, 15 a villager group. That prefix property is what the one
scoping mechanism (villages.scoping) relies on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from villages.registry import portal
from villages.scoping import ScopedQuerySet


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    GROUP = "group", _("Villager group")


LEVEL_BY_LENGTH = {6: Level.COUNTY, 9: Level.TOWNSHIP, 12: Level.VILLAGE, 15: Level.GROUP}


def normalize_code(raw: str) -> str:
    """Return the short form of a division code.

    NBS tables also print county and township codes padded to 12 digits
    (360121000000, 360121101000). Village codes never end in 000 (村 and 居委会 are
    numbered from 001), so stripping zero triplets down to a known length is safe.
    """
    code = raw.strip()
    if len(code) == 12:
        if code.endswith("000000"):
            return code[:6]
        if code.endswith("000"):
            return code[:9]
    return code


class RegionQuerySet(ScopedQuerySet):
    scope_path = "code"

    def villages(self) -> RegionQuerySet:
        return self.filter(level=Level.VILLAGE)


class Region(models.Model):
    code = models.CharField(
        _("division code"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12}|\d{15})$")],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="county", code__regex=r"^\d{6}$")
                | models.Q(level="township", code__regex=r"^\d{9}$")
                | models.Q(level="village", code__regex=r"^\d{12}$")
                | models.Q(level="group", code__regex=r"^\d{15}$"),
                name="region_level_matches_code_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)


class Role(models.TextChoices):
    COUNTY_OFFICER = "county_officer", _("County officer")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COOP_CLERK = "coop_clerk", _("Co-op clerk")
    # 驻村第一书记 and 驻村工作队: sent to the village, they work it with its cadres
    FIRST_SECRETARY = "first_secretary", _("First secretary stationed in the village")
    WORK_TEAM = "work_team", _("Village work team member")


# Who manages staff accounts (DESIGN §2: the county officer).
STAFF_MANAGERS = portal.declare_roles(
    "villages",
    "staff managers",
    {Role.COUNTY_OFFICER},
    _("manage the staff accounts and assignments of their county"),
)

# The level of region each role is assigned at.
LEVEL_OF_ROLE = {
    Role.COUNTY_OFFICER: Level.COUNTY,
    Role.TOWNSHIP_OFFICER: Level.TOWNSHIP,
    Role.VILLAGE_CADRE: Level.VILLAGE,
    Role.GRID_WORKER: Level.VILLAGE,
    Role.COOP_CLERK: Level.VILLAGE,
    Role.FIRST_SECRETARY: Level.VILLAGE,
    Role.WORK_TEAM: Level.VILLAGE,
}

#: the village work team (驻村工作队), its first secretary first
WORK_TEAM_ROLES = (Role.FIRST_SECRETARY, Role.WORK_TEAM)
#: every role that reads the records of its region: all but the co-op clerk, who sees
#: points balances only (the apps' reader role sets start from it)
REGION_READERS = frozenset(set(Role) - {Role.COOP_CLERK})


class StaffAssignmentQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = STAFF_MANAGERS


class StaffAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # The right to see full ID and phone numbers (with a reason, recorded) within this
    # assignment's region only: an account working in two counties may hold it in one.
    sees_identity = models.BooleanField(
        _("may see full ID and phone numbers"),
        default=False,
        help_text=_("Within this region only, with a reason each time; every look is recorded."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StaffAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"], name="unique_assignment_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"

    def clean(self) -> None:
        if self.region_id and self.role and self.region.level != LEVEL_OF_ROLE.get(Role(self.role)):
            raise ValidationError(
                {
                    "region": _("A %(role)s is assigned to a %(level)s.")
                    % {
                        "role": self.get_role_display(),
                        "level": LEVEL_OF_ROLE[Role(self.role)].label,
                    }
                }
            )


class StaffAction(models.TextChoices):
    CREATED = "created", _("Account created")
    RENAMED = "renamed", _("Name changed")
    ACTIVATED = "activated", _("Account activated")
    DEACTIVATED = "deactivated", _("Account deactivated")
    ASSIGNED = "assigned", _("Assignment added")
    UNASSIGNED = "unassigned", _("Assignment removed")
    IDENTITY_GRANTED = "identity_granted", _("Full-identity viewing granted")
    IDENTITY_REVOKED = "identity_revoked", _("Full-identity viewing revoked")
    PASSWORD_SET = "password_set", _("Password reset")
    PASSWORD_CHANGED = "password_changed", _("Password changed by its holder")
    UNLOCKED = "unlocked", _("Login lockout lifted")


class StaffAuditEventQuerySet(ScopedQuerySet):
    scope_path = "region__code"
    scope_roles = STAFF_MANAGERS


class StaffAuditEvent(models.Model):
    """Who changed whose account, when: grants, revocations, password resets, lockouts.

    Written in the same transaction as the change; never edited (the admin is read-only).
    The region is the one the change concerns: the assignment's, or for a change to the
    whole account the narrowest region holding all of the account's assignments."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="staff_audit_events",
    )
    action = models.CharField(_("action"), max_length=20, choices=StaffAction.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = StaffAuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("staff account change")
        verbose_name_plural = _("staff account changes")

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.target}"
