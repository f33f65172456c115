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
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import (
    Alert,
    AlertEvent,
    Cause,
    HouseholdIncome,
    Monitored,
    PortraitRule,
    Revisit,
    Stage,
)
from villages.models import Level, Region

RANK = {"green": 0, "yellow": 1, "red": 2}


def load_rules() -> list[PortraitRule]:
    """The county's active colour rules (PortraitRule), red first."""
    return list(PortraitRule.objects.filter(active=True))


def rules(loaded: list[PortraitRule]) -> list[str]:
    """The colour rules in the reader's language, as `paint` applies them."""
    lines = []
    for colour, label in (("red", _("Red")), ("yellow", _("Yellow"))):
        said = "；".join(r.describe() for r in loaded if r.colour == colour)
        if said:
            lines.append(_("%(colour)s: %(rules)s.") % {"colour": label, "rules": said})
    lines.append(_("Green: none of these."))
    return lines


def _colour(row: Row, loaded: list[PortraitRule]) -> tuple[str, list[PortraitRule]]:
    met = [rule for rule in loaded if rule.matches(row)]
    colour = max((rule.colour for rule in met), key=RANK.__getitem__, default="green")
    return colour, met


def paint(rows: list[Row], loaded: list[PortraitRule]) -> None:
    """Colour each row on the area portrait (its area rules), the work portrait (its work
    rules) and overall (the worse of the two)."""
    area = [r for r in loaded if r.area]
    work = [r for r in loaded if not r.area]
    for row in rows:
        row.area_colour, met_area = _colour(row, area)
        row.work_colour, met_work = _colour(row, work)
        row.colour = max(row.area_colour, row.work_colour, key=RANK.__getitem__)
        row.met_area, row.met_work = met_area, met_work
        row.met = met_area + met_work


@dataclass
class Row:
    region: Region
    pushed: int = 0
    decided: int = 0  # alerts of the year closed: enrolled or dismissed
    verified: int = 0
    verified_on_time: int = 0
    enrolled: int = 0
    monitored: int = 0
    monitored_people: int = 0
    overdue: int = 0
    measures_late: int = 0
    revisits: int = 0
    revisited: int = 0
    villages: list[Row] = field(default_factory=list)
    # set by paint()
    area_colour: str = "green"
    work_colour: str = "green"
    colour: str = "green"
    met: list = field(default_factory=list)
    met_area: list = field(default_factory=list)
    met_work: list = field(default_factory=list)

    def add(self, other: Row) -> None:
        for name in (
            "pushed",
            "decided",
            "verified",
            "verified_on_time",
            "enrolled",
            "monitored",
            "monitored_people",
            "overdue",
            "measures_late",
            "revisits",
            "revisited",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def conversion(self) -> int:
        return round(self.enrolled * 100 / self.pushed) if self.pushed else 0

    @property
    def on_time_rate(self) -> int | None:
        return round(self.verified_on_time * 100 / self.verified) if self.verified else None

    @property
    def decided_enrolled(self) -> int | None:
        """The share of the year's decided alerts that were enrolled (%)."""
        return round(self.enrolled * 100 / self.decided) if self.decided else None


def year_window(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def area_portrait(villages, year: int, loaded: list[PortraitRule] | None = None) -> list[Row]:
    """Townships with their villages' rows, for the villages given (already scoped),
    coloured by the county's rules (loaded here unless given)."""
    start, end = year_window(year)
    today = timezone.localdate()
    village_list = list(villages.select_related("parent").order_by("code"))
    ids = [v.pk for v in village_list]
    rows = {v.pk: Row(region=v) for v in village_list}
    in_year = Q(opened_at__gte=start, opened_at__lt=end)
    for vid, pushed, decided, enrolled in (
        Alert.objects.filter(village_id__in=ids)
        .values_list("village_id")
        .annotate(
            pushed=Count("pk", filter=in_year),
            decided=Count("pk", filter=in_year & Q(closed_at__isnull=False)),
            enrolled=Count("pk", filter=in_year & Q(stage=Stage.ENROLLED)),
        )
    ):
        rows[vid].pushed, rows[vid].decided, rows[vid].enrolled = pushed, decided, enrolled
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
    for vid, late in (
        Alert.objects.filter(village_id__in=ids)
        .measures_overdue(today)
        .values_list("village_id")
        .annotate(n=Count("pk"))
    ):
        rows[vid].measures_late = late
    for vid, total, done in (
        Revisit.objects.filter(reminder__village_id__in=ids, reminder__month__startswith=str(year))
        .values_list("reminder__village_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(visited_on__isnull=False)))
    ):
        rows[vid].revisits, rows[vid].revisited = total, done
    townships: dict[int, Row] = {}
    for village in village_list:
        township = village.parent
        if township is None or township.level != Level.TOWNSHIP:
            continue
        row = townships.setdefault(township.pk, Row(region=township))
        row.villages.append(rows[village.pk])
        row.add(rows[village.pk])
    loaded = load_rules() if loaded is None else loaded
    paint([*rows.values(), *townships.values()], loaded)
    return sorted(townships.values(), key=lambda r: r.region.code)


def villages_of(townships: list[Row]) -> list[Row]:
    return [v for t in townships for v in t.villages]


# --- Cause and income structure of monitored households ---------------------------------


@dataclass
class Structure:
    region: Region
    households: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    cells: list[int] = field(default_factory=list)  # the table's cells, in its columns' order

    def share(self, key: str) -> int:
        total = sum(self.counts.values())
        return round(self.counts.get(key, 0) * 100 / total) if total else 0


def _region_key(by_village: bool) -> str:
    return "household__village" if by_village else "household__village__parent"


def cause_structure(villages, by_village=False) -> tuple[list[Structure], list[tuple[str, str]]]:
    """Current monitored households by cause (a household of two causes counts under
    each), per township (or per village), with the causes that occur (value, label)."""
    by_township: dict[int, Structure] = {}
    for township, causes in (
        Monitored.objects.current()
        .filter(household__village__in=villages)
        .values_list(_region_key(by_village), "causes")
    ):
        row = by_township.setdefault(township, Structure(region=None))  # type: ignore[arg-type]
        row.households += 1
        for cause in causes or [Cause.OTHER]:
            row.counts[cause] = row.counts.get(cause, 0) + 1
    regions = Region.objects.in_bulk(list(by_township))
    rows = []
    for pk, row in by_township.items():
        row.region = regions[pk]
        rows.append(row)
    seen = {c for row in rows for c in row.counts}
    columns = [(c.value, str(c.label)) for c in Cause if c.value in seen]
    for row in rows:
        row.cells = [row.counts.get(value, 0) for value, _label in columns]
    return sorted(rows, key=lambda r: r.region.code), columns


INCOME_SOURCES = ("wages", "business", "property_income", "transfers")


def income_structure(villages, by_village=False) -> tuple[list[Structure], int | None]:
    """Income of current monitored households by source (wages, business, property,
    transfers) in the latest year recorded, summed per township (or per village);
    (rows, year)."""
    key = _region_key(by_village)
    monitored = Monitored.objects.current().filter(household__village__in=villages)
    incomes = HouseholdIncome.objects.filter(household__in=monitored.values("household"))
    year = incomes.aggregate(year=Max("year"))["year"]
    if year is None:
        return [], None
    by_township = (
        incomes.filter(year=year)
        .values(key)
        .annotate(n=Count("pk"), **{s: Sum(s) for s in INCOME_SOURCES})
    )
    regions = Region.objects.in_bulk([r[key] for r in by_township])
    rows = [
        Structure(
            region=regions[r[key]],
            households=r["n"],
            counts={s: int(r[s] or 0) for s in INCOME_SOURCES},
        )
        for r in by_township
    ]
    for row in rows:
        row.cells = [row.share(source) for source in INCOME_SOURCES]
    return sorted(rows, key=lambda r: r.region.code), year


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
