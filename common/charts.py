"""Charts as inline SVG, drawn by templates/includes/bar_chart.html: no JavaScript, no
chart library, prints well (the home overview, monitoring's portraits)."""

from __future__ import annotations

from dataclasses import dataclass

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
    total: int

    @property
    def height(self) -> int:
        return len(self.bars) * CHART_ROW


def bar_chart(title, pairs: list[tuple[str, int]], total: int | None = None) -> Chart:
    top = max((c for _l, c in pairs), default=0) or 1
    return Chart(
        title=str(title),
        bars=[
            Bar(str(label), count, i * CHART_ROW, round(count / top * CHART_BAR_MAX))
            for i, (label, count) in enumerate(pairs)
        ],
        total=total if total is not None else sum(c for _l, c in pairs),
    )
