"""Reading the points bank: totals, the leaderboard, a household's place on it. Every
function runs a fixed number of queries, whatever the number of entries (the public
page's query count is tested with 1 and 1,000 entries)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from households.masking import mask
from households.models import Household, Relation, Resident, ResidentStatus
from households.public import TOKEN_SHAPE
from points.models import EntryStatus, PointEntry

APPROVED = Q(status=EntryStatus.APPROVED)


def _periods(today: datetime.date) -> tuple[Q, Q]:
    year = Q(occurred_on__year=today.year)
    month = year & Q(occurred_on__month=today.month)
    return month, year


def household_totals(household_id: int, today: datetime.date) -> dict[str, int]:
    """This month's and this year's approved points of a household."""
    month, year = _periods(today)
    return PointEntry.objects.filter(APPROVED, household_id=household_id).aggregate(
        month=Coalesce(Sum("points", filter=month), 0),
        year=Coalesce(Sum("points", filter=year), 0),
    )


@dataclass(frozen=True)
class MemberTotal:
    masked_name: str
    month: int
    year: int


def member_totals(household_id: int, today: datetime.date) -> list[MemberTotal]:
    """Each living member's approved points this month and year (masked names; entries
    for the whole family count for no member)."""
    year = Q(
        point_entries__status=EntryStatus.APPROVED, point_entries__occurred_on__year=today.year
    )
    month = year & Q(point_entries__occurred_on__month=today.month)
    rows = (
        Resident.objects.filter(household_id=household_id, status=ResidentStatus.LIVING)
        .annotate(
            month=Coalesce(Sum("point_entries__points", filter=month), 0),
            year=Coalesce(Sum("point_entries__points", filter=year), 0),
        )
        .order_by("pk")
        .values_list("name", "month", "year")
    )
    return [MemberTotal(mask(name, "name"), m, y) for name, m, y in rows]


@dataclass(frozen=True)
class Standing:
    rank: int
    masked_name: str
    number: str
    points: int
    household_id: int


BOARD_PAGE = 50  # households a page of the leaderboard


def _year_totals(village_id: int, year: int):
    return (
        PointEntry.objects.filter(
            APPROVED, household__village_id=village_id, occurred_on__year=year
        )
        .values("household_id", "household__number")
        .annotate(total=Sum("points"))
    )


def board_size(village_id: int, year: int) -> int:
    """How many households the leaderboard ranks (those with points this year)."""
    return _year_totals(village_id, year).count()


def leaderboard(village_id: int, year: int, page: int = 1) -> list[Standing]:
    """比一比: the village's households by this year's approved points (masked names), a
    page of BOARD_PAGE; equal points share a rank, across pages too."""
    head = Resident.objects.filter(
        household=OuterRef("household_id"), relation=Relation.HEAD, status=ResidentStatus.LIVING
    ).values("name")[:1]
    start = (page - 1) * BOARD_PAGE
    rows = (
        _year_totals(village_id, year)
        .annotate(head=Subquery(head))
        .order_by("-total", "household__number")[start : start + BOARD_PAGE]
    )
    rows = list(rows)
    if not rows:
        return []
    # the first row's rank: one more than the households with more points
    rank = _year_totals(village_id, year).filter(total__gt=rows[0]["total"]).count() + 1
    standings = []
    previous = rows[0]["total"]
    for position, row in enumerate(rows, start + 1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        standings.append(
            Standing(
                rank,
                mask(row["head"] or "", "name"),
                row["household__number"],
                row["total"],
                row["household_id"],
            )
        )
    return standings


def board_page_of(village_id: int, year: int, number: str) -> int | None:
    """The leaderboard page a household (by its number) is on; None when it has no
    points this year."""
    totals = _year_totals(village_id, year)
    mine = totals.filter(household__number=number).order_by("household_id").first()
    if mine is None:
        return None
    ahead = totals.filter(
        Q(total__gt=mine["total"]) | Q(total=mine["total"], household__number__lt=number)
    ).count()
    return ahead // BOARD_PAGE + 1


def place(village_id: int, year: int, points: int) -> tuple[int, int]:
    """(rank, households ranked) of a household with `points` this year in its village:
    one more than the households ahead of it."""
    totals = (
        PointEntry.objects.filter(
            APPROVED, household__village_id=village_id, occurred_on__year=year
        )
        .values("household_id")
        .annotate(total=Sum("points"))
    )
    return totals.filter(total__gt=points).count() + 1, totals.count()


PLAQUE_CODE = re.compile(r"/h/([A-Za-z0-9_-]{20,43})")


def find_household(villages, text: str):
    """The household a co-op clerk means: its number, or its plaque's code (the address
    the plaque's QR code opens, pasted or scanned, or the code alone); in these villages
    only. None when it is no household of theirs."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    households = Household.objects.filter(village__in=villages).select_related("village")
    if found := PLAQUE_CODE.search(text):
        return households.filter(public_token=found[1]).first()
    if TOKEN_SHAPE.fullmatch(text):
        return households.filter(public_token=text).first()
    return households.filter(number=text).first()
