"""Charts as inline SVG, drawn by templates/includes/bar_chart.html: no JavaScript, no
chart library, prints well (the home overview, monitoring's portraits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise

CHART_ROW = 24  # px per bar in the SVG's coordinate system
CHART_BAR_MAX = 190


@dataclass
class Bar:
    label: str
    count: int
    y: int  # top of the row
    width: int  # bar length, the largest bar of the chart being CHART_BAR_MAX


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    #: the sum of the bars: what the caption says the chart adds up to
    total: int
    #: what the bars are counted out of (households due a visit, all residents), if shown
    of: int | None = None
    #: False when one thing may count in several bars (the bars do not add up)
    exclusive: bool = True

    @property
    def height(self) -> int:
        return len(self.bars) * CHART_ROW

    @property
    def single(self) -> Bar | None:
        """The one bar of a one-category chart: said in words, not drawn."""
        return self.bars[0] if len(self.bars) == 1 else None


def bar_chart(
    title,
    pairs: Sequence[tuple[str | Promise, int]],
    *,
    of: int | None = None,
    exclusive: bool = True,
) -> Chart:
    """A chart whose caption is its own sum (issue 22: a caption said 437, the sum of
    another column, where the bars added up to 305); `of` is what they are counted out
    of, shown beside it."""
    top = max((c for _l, c in pairs), default=0) or 1
    return Chart(
        title=str(title),
        bars=[
            Bar(str(label), count, i * CHART_ROW, round(count / top * CHART_BAR_MAX))
            for i, (label, count) in enumerate(pairs)
        ],
        total=sum(c for _l, c in pairs),
        of=of,
        exclusive=exclusive,
    )
