"""Reading grids: the monthly visit coverage (DESIGN §1.3: every household is due a visit
each month)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from grid.models import Grid, GridHousehold, Visit


@dataclass(frozen=True)
class Coverage:
    grid: Grid
    due: int  # the grid's households
    visited: int  # of them, visited in the month
    overdue: int  # not visited in a month that has ended

    @property
    def not_yet(self) -> int:
        return self.due - self.visited - self.overdue

    @property
    def percent(self) -> int:
        return round(100 * self.visited / self.due) if self.due else 0


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(
        year, month, calendar.monthrange(year, month)[1]
    )


def coverage(grids: QuerySet[Grid], year: int, month: int, today: datetime.date) -> list[Coverage]:
    """Each grid's households due, visited and overdue in the month: one query."""
    first, last = month_bounds(year, month)
    visited = Visit.objects.filter(
        household_id=OuterRef("household_id"), visited_on__range=(first, last)
    )
    rows = (
        GridHousehold.objects.filter(grid__in=grids)
        .annotate(seen=Exists(visited))
        .values("grid_id")
        .annotate(due=Count("pk"), visited=Count("pk", filter=Q(seen=True)))
    )
    figures = {r["grid_id"]: (r["due"], r["visited"]) for r in rows}
    ended = last < today
    out = []
    for grid in grids:
        due, seen = figures.get(grid.pk, (0, 0))
        out.append(Coverage(grid, due, seen, due - seen if ended else 0))
    return out
