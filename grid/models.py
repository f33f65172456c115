"""Grids (网格) of a village and their people (一长多员, DESIGN §1.3).

A village is cut into grids of 30-50 households. Each grid has one chief (网格长),
instructor (指导员), administrator (管理员) and supervisor (监督员), any number of
informants (信息员) and party-member central household heads (党员中心户长): portal users or
named people with a phone. A household belongs to one grid at most (GridHousehold).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grid.roles import GRID_READERS, LOG_READERS
from households.models import Household
from villages.models import Region
from villages.scoping import ScopedQuerySet


class GridRole(models.TextChoices):
    CHIEF = "chief", _("Grid chief (网格长)")
    INSTRUCTOR = "instructor", _("Instructor (指导员)")
    ADMINISTRATOR = "administrator", _("Administrator (管理员)")
    SUPERVISOR = "supervisor", _("Supervisor (监督员)")
    INFORMANT = "informant", _("Informant (信息员)")
    PARTY_HEAD = "party_head", _("Party-member central household head (党员中心户长)")


#: roles a grid has one of (a red grid has one party-member central household head, issue 25)
SINGLE_ROLES = (
    GridRole.CHIEF,
    GridRole.INSTRUCTOR,
    GridRole.ADMINISTRATOR,
    GridRole.SUPERVISOR,
    GridRole.PARTY_HEAD,
)


class GridQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = GRID_READERS


class Grid(models.Model):
    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("grid"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        ordering = ["village__code", "name"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="grid_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.name}"


class GridMember(models.Model):
    """A person of a grid in one role: a portal user, or a named person with a phone."""

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("role"), max_length=16, choices=GridRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["grid", "role", "name"]
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "role"],
                condition=models.Q(role__in=[r.value for r in SINGLE_ROLES]),
                name="grid_one_of_each_single_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class GridHousehold(models.Model):
    """A household's grid (one at most)."""

    household = models.OneToOneField(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="+",
        primary_key=True,
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="households"
    )

    class Meta:
        verbose_name = _("household of a grid")
        verbose_name_plural = _("households of grids")

    def __str__(self) -> str:
        return f"{self.grid_id}: {self.household_id}"


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("Monthly visit (走访)")
    SAFETY = "safety", _("Safety patrol (安全隐患排查)")
    FOLLOW_UP = "follow_up", _("Follow-up")


class VisitQuerySet(ScopedQuerySet):
    scope_path = "household__village__code"
    scope_roles = GRID_READERS


class Visit(models.Model):
    """A grid worker's or cadre's visit to a household: every household is due one each
    month (DESIGN §1.3)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    # the household's grid when it was visited (the coverage report counts by it)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    visited_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices)
    findings = models.TextField(_("findings"), max_length=1000)
    hardship_suspected = models.BooleanField(_("hardship suspected"), default=False)
    matter_to_raise = models.BooleanField(_("a matter to raise"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["grid", "visited_on"], name="visit_grid_month"),
            models.Index(fields=["household", "-visited_on"], name="visit_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class MatterSource(models.TextChoices):
    VISIT = "visit", _("A visit")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat group")
    FEEDBACK = "feedback", _("Public feedback")
    LOG = "log", _("Daily log (民情日志)")


class MatterCategory(models.TextChoices):
    PENSION = "pension", _("Proxy: pension certification")
    INSURANCE = "insurance", _("Proxy: social-security and medical-insurance payments")
    UTILITIES = "utilities", _("Proxy: utility bills")
    CERTIFICATE = "certificate", _("Proxy: certificates")
    PROBLEM = "problem", _("Problem report")
    DISPUTE = "dispute", _("Dispute")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")


PROXY_CATEGORIES = (
    MatterCategory.PENSION,
    MatterCategory.INSURANCE,
    MatterCategory.UTILITIES,
    MatterCategory.CERTIFICATE,
)


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    ROUTINE = "routine", _("Routine")


class MatterLevel(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")


class MatterQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = GRID_READERS

    def open(self) -> MatterQuerySet:
        return self.filter(resolved_at__isnull=True)


class Matter(models.Model):
    """A resident's matter (诉求) or a proxy service (代办): handled in the village, or
    escalated to the township and then the county when its deadline passes (by hand or by
    the periodic task); each step is a MatterEvent."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("taken in from"), max_length=10, choices=MatterSource.choices)
    category = models.CharField(_("kind of matter"), max_length=16, choices=MatterCategory.choices)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("matter"), max_length=100)
    description = models.TextField(_("details"), max_length=2000, blank=True)
    notify_resident = models.BooleanField(_("the resident asked to be told"), default=False)
    level = models.CharField(
        _("handled at"), max_length=10, choices=MatterLevel.choices, default=MatterLevel.VILLAGE
    )
    # the deadline runs from the report (its urgency's hours): sending the matter up does
    # not restart it (issue 25); `escalate_at` is when the deadline task next sends it up,
    # the urgency's hours after it reached its level
    due_at = models.DateTimeField(_("due"))
    escalate_at = models.DateTimeField(_("sent up if still open at"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reply = models.TextField(_("reply"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken in by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("taken in at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("resolved on time"), null=True, blank=True)

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        indexes = [
            # the periodic task's question: open matters past their deadline
            models.Index(
                fields=["escalate_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="matter_open_escalate",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_proxy(self) -> bool:
        return self.category in PROXY_CATEGORIES


MATTER_STEPS = {
    "created": _("taken in"),
    "assigned": _("assigned"),
    "escalated": _("sent up by hand"),
    "escalated_overdue": _("sent up: the deadline passed"),
    "taken": _("taken on"),
    "noted": _("noted"),
    "resolved": _("resolved"),
    "reopened": _("reopened by the supervisor"),
}


class MatterEvent(models.Model):
    matter = models.ForeignKey(
        Matter, verbose_name=_("matter"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("step"), max_length=20)
    level = models.CharField(_("handled at"), max_length=10, choices=MatterLevel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("matter step")
        verbose_name_plural = _("matter steps")

    def __str__(self) -> str:
        return f"{self.matter_id} {self.action}"

    @property
    def step(self) -> str:
        return str(MATTER_STEPS.get(self.action, self.action))


class HazardKind(models.TextChoices):
    FIRE = "fire", _("Fire")
    HOUSING = "housing", pgettext_lazy("hazard", "Housing")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    WATER = "water", _("Water")
    GEOLOGICAL = "geological", _("Geological")
    ROAD = "road", _("Road")
    # the places a village-wide patrol looks at (issue 25)
    SLOPE = "slope", _("Landslide-prone slope")
    WATER_SOURCE = "water_source", _("Drinking-water source")
    RIVER = "river", _("River environment")
    BRIDGE = "bridge", _("Bridge")
    PUBLIC_BUILDING = "public", _("Public building")


def hazard_path(instance, filename: str) -> str:
    return f"hazards/{instance.village_id}/{secrets.token_hex(16)}.jpg"


class HazardQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = GRID_READERS

    def open(self) -> HazardQuerySet:
        return self.filter(closed_at__isnull=True)


class Hazard(models.Model):
    """A hazard found on a safety patrol (安全隐患排查): at a household, on its visit, or
    at a place of the village (a road, a slope, a drinking-water source, a river, a
    bridge, a public building) with its name and, if known, its coordinates; its photo
    and its closing photo (EXIF stripped, stored outside the web root like the registry's
    documents), a deadline to put it right, and its closure with a note."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.CASCADE,
        related_name="hazards",
        null=True,
        blank=True,
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    found_on = models.DateField(_("found on"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
    )
    kind = models.CharField(_("hazard"), max_length=12, choices=HazardKind.choices)
    description = models.CharField(_("what was found"), max_length=300)
    photo = models.FileField(_("photo"), upload_to=hazard_path, blank=True)
    deadline = models.DateField(_("put right by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_note = models.CharField(_("how it was put right"), max_length=300, blank=True)
    closing_photo = models.FileField(_("photo when put right"), upload_to=hazard_path, blank=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    @property
    def where(self) -> str:
        """The household's number or the place's name."""
        return self.household.number if self.household is not None else self.place


# --- 民情日志: the cadres' daily log (issue 25, item 5) ----------------------------------------


class DailyLogQuerySet(ScopedQuerySet):
    scope_path = "village__code"
    scope_roles = LOG_READERS


class DailyLog(models.Model):
    """One entry of the village's 民情日志: a day, a place, the people met, what they
    raised and what follows. It can become a matter, a visit or a hardship self-report
    (the links say which); its summary, written to be public (no name, no private
    situation), goes on the village board once published."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    people = models.CharField(_("people met"), max_length=200)
    raised = models.TextField(_("what they raised"), max_length=1000)
    follow_up = models.CharField(_("follow-up"), max_length=500, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    summary = models.CharField(_("public summary"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("summary published at"), null=True, blank=True)
    matter = models.ForeignKey(
        Matter,
        verbose_name=_("matter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    flagged_at = models.DateTimeField(_("hardship reported at"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = DailyLogQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("daily log entry")
        verbose_name_plural = _("daily log")

    def __str__(self) -> str:
        return f"{self.village} {self.on} {self.place}"
