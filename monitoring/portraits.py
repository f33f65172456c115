"""Area and work portraits (DESIGN §1.2): how each township and village works its alerts,
coloured by rules the page states, and how timely each village and cadre is.

Every figure is a grouped count (a handful of queries whatever the number of alerts).
A year's window: alerts raised in the year; overdue and monitored households are as of
today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import Alert, AlertEvent, Monitored, Stage
from villages.models import Level, Region

# The colour rules, stated on the page as they are applied here.
RED_OVERDUE = 3  # open alerts past their due date
RED_MIN_PUSHED = 10  # many alerts …
RED_MAX_CONVERSION = 5  # … but fewer than 5 % enrolled
YELLOW_MIN_ON_TIME = 80  # % of verifications on time


def rules() -> list[str]:
    """The colour rules in the reader's language, as applied by Row.colour."""
    return [
        _(
            "Red: %(n)d or more overdue alerts, or %(pushed)d or more alerts of which fewer "
            "than %(rate)d %% were enrolled."
        )
        % {"n": RED_OVERDUE, "pushed": RED_MIN_PUSHED, "rate": RED_MAX_CONVERSION},
        _(
            "Yellow: any overdue alert, no monitored household, or fewer than %(rate)d %% of "
            "verifications on time."
        )
        % {"rate": YELLOW_MIN_ON_TIME},
        _("Green: none of these."),
    ]


@dataclass
class Row:
    region: Region
    pushed: int = 0
    verified: int = 0
    verified_on_time: int = 0
    enrolled: int = 0
    monitored: int = 0
    monitored_people: int = 0
    overdue: int = 0
    villages: list[Row] = field(default_factory=list)

    def add(self, other: Row) -> None:
        for name in (
            "pushed",
            "verified",
            "verified_on_time",
            "enrolled",
            "monitored",
            "monitored_people",
            "overdue",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def conversion(self) -> int:
        return round(self.enrolled * 100 / self.pushed) if self.pushed else 0

    @property
    def on_time_rate(self) -> int | None:
        return round(self.verified_on_time * 100 / self.verified) if self.verified else None

    @property
    def colour(self) -> str:
        if self.overdue >= RED_OVERDUE or (
            self.pushed >= RED_MIN_PUSHED and self.conversion < RED_MAX_CONVERSION
        ):
            return "red"
        rate = self.on_time_rate
        if self.overdue or not self.monitored or (rate is not None and rate < YELLOW_MIN_ON_TIME):
            return "yellow"
        return "green"


def year_window(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def area_portrait(villages, year: int) -> list[Row]:
    """Townships with their villages' rows, for the villages given (already scoped)."""
    start, end = year_window(year)
    today = timezone.localdate()
    village_list = list(villages.select_related("parent").order_by("code"))
    ids = [v.pk for v in village_list]
    rows = {v.pk: Row(region=v) for v in village_list}
    in_year = Q(opened_at__gte=start, opened_at__lt=end)
    for vid, pushed, enrolled in (
        Alert.objects.filter(village_id__in=ids)
        .values_list("village_id")
        .annotate(
            pushed=Count("pk", filter=in_year),
            enrolled=Count("pk", filter=in_year & Q(stage=Stage.ENROLLED)),
        )
    ):
        rows[vid].pushed, rows[vid].enrolled = pushed, enrolled
    for vid, overdue in (
        Alert.objects.filter(village_id__in=ids, closed_at__isnull=True, due_date__lt=today)
        .values_list("village_id")
        .annotate(n=Count("pk"))
    ):
        rows[vid].overdue = overdue
    for vid, verified, on_time in (
        AlertEvent.objects.filter(
            action="verified", alert__village_id__in=ids, at__gte=start, at__lt=end
        )
        .values_list("alert__village_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(data__on_time=True)))
    ):
        rows[vid].verified, rows[vid].verified_on_time = verified, on_time
    for vid, monitored, people in (
        Monitored.objects.current()
        .filter(household__village_id__in=ids)
        .values_list("household__village_id")
        .annotate(n=Count("pk", distinct=True), people=Count("members", distinct=True))
    ):
        rows[vid].monitored, rows[vid].monitored_people = monitored, people
    townships: dict[int, Row] = {}
    for village in village_list:
        township = village.parent
        if township is None or township.level != Level.TOWNSHIP:
            continue
        row = townships.setdefault(township.pk, Row(region=township))
        row.villages.append(rows[village.pk])
        row.add(rows[village.pk])
    return sorted(townships.values(), key=lambda r: r.region.code)


@dataclass
class WorkRow:
    name: str
    village: Region
    steps: int = 0
    on_time: int = 0
    assigned_open: int = 0
    assigned_overdue: int = 0

    @property
    def on_time_rate(self) -> int | None:
        return round(self.on_time * 100 / self.steps) if self.steps else None


def work_portrait(villages, year: int) -> list[WorkRow]:
    """Per cadre and village: steps taken in the year and how many by their due date, and
    the alerts assigned to them now open or overdue."""
    start, end = year_window(year)
    today = timezone.localdate()
    ids = list(villages.values_list("pk", flat=True))
    regions = {r.pk: r for r in Region.objects.filter(pk__in=ids)}
    rows: dict[tuple[int, int], WorkRow] = {}

    def row(user_id, first, last, username, village_id) -> WorkRow:
        key = (user_id, village_id)
        if key not in rows:
            name = f"{last}{first}".strip() or username
            rows[key] = WorkRow(name=name, village=regions[village_id])
        return rows[key]

    for uid, first, last, username, vid, steps, on_time in (
        AlertEvent.objects.filter(
            alert__village_id__in=ids,
            user__isnull=False,
            at__gte=start,
            at__lt=end,
            data__has_key="on_time",
        )
        .values_list(
            "user_id", "user__first_name", "user__last_name", "user__username", "alert__village_id"
        )
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(data__on_time=True)))
    ):
        entry = row(uid, first, last, username, vid)
        entry.steps, entry.on_time = steps, on_time
    for uid, first, last, username, vid, open_, overdue in (
        Alert.objects.filter(village_id__in=ids, assignee__isnull=False, closed_at__isnull=True)
        .values_list(
            "assignee_id",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            "village_id",
        )
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_date__lt=today)))
    ):
        entry = row(uid, first, last, username, vid)
        entry.assigned_open, entry.assigned_overdue = open_, overdue
    return sorted(rows.values(), key=lambda r: (r.village.code, r.name))
