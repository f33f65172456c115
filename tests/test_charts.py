"""Charts that add up (issue 22, item 5): a chart's caption is the sum of its bars, and
where a table stands beside it, the table's total; a chart of one category says so in
words; a township's portrait is drawn by village. The SVG is never drawn wider than its
text was set for (CSS), so text keeps its size on a wide card."""

from __future__ import annotations

import datetime
import re

import pytest

from grid.services import grid_create, households_assign, visit_record
from monitoring.services import alert_raise
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'<figure class="card chart flush">(.*?)</figure>', re.S)


def _figures(html: str) -> list[dict]:
    figures = []
    for body in FIGURE.findall(html):
        counts = [int(n) for n in re.findall(r"<title>[^<]*: (\d+)</title>", body)]
        caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", body, re.S)[1]
        numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", caption)]
        title = re.search(r"<h2>(.*?)</h2>", body)[1]
        figures.append(
            {"title": title, "bars": counts, "caption": caption, "numbers": numbers, "body": body}
        )
    return figures


def test_the_coverage_chart_adds_up_to_its_tables_visited(client, village_cadre, village):
    first = grid_create(village=village, name="一网格", by=None)
    second = grid_create(village=village, name="二网格", by=None)
    households = [HouseholdFactory(village=village) for _ in range(7)]
    households_assign(grid=first, households=households[:4], by=None)
    households_assign(grid=second, households=households[4:], by=None)
    for household in households[:3] + households[4:5]:
        visit_record(
            household=household,
            user=village_cadre,
            kind="routine",
            visited_on=datetime.date(2026, 11, 2),
            findings="走访",
        )
    client.force_login(village_cadre)
    page = client.get("/grids/coverage/?month=2026-11").content.decode()
    totals = re.search(r'<p id="coverage-totals">(.*?)</p>', page, re.S)[1]
    due, visited = (int(n) for n in re.findall(r"\d+", totals)[:2])  # "应走访 7 户，已走访 4 户"
    assert (visited, due) == (4, 7)
    (chart,) = _figures(page)
    assert sum(chart["bars"]) == visited
    assert chart["numbers"][:2] == [visited, due]  # "合计 4（共 7）": not the due count alone


def test_every_home_chart_adds_up(client, village_cadre, village, group):
    for i in range(5):
        household = HouseholdFactory(village=village, group=group, number=f"{i:04d}")
        ResidentFactory(
            household=household,
            relation="head",
            disability_grade=i % 3,
            disability_kind="physical" if i % 3 else "",
        )
        ResidentFactory(household=household, relation="spouse")
    client.force_login(village_cadre)
    figures = _figures(client.get("/").content.decode())
    assert len(figures) >= 6
    for figure in figures:
        if 'class="chart-single"' in figure["body"]:  # one category, said in words
            said = re.search(r'<p class="chart-single">(.*?)</p>', figure["body"], re.S)[1]
            assert int(re.findall(r"[\d,]+", said)[-1].replace(",", "")) == figure["numbers"][0]
            continue
        if "可计入多项" in figure["caption"]:  # one in several bars: out of all of them
            # skills are counted out of the 10 residents, the rest out of the 5 households
            assert figure["numbers"] == ([10] if figure["title"] == "技能" else [5]), figure[
                "title"
            ]
            continue
        assert figure["numbers"][0] == sum(figure["bars"]), figure["title"]
    ages = next(f for f in figures if f["title"] == "年龄结构")
    assert sum(ages["bars"]) == 10


def test_a_townships_portrait_is_drawn_by_village(client, township_officer, village, group):
    from villages.models import Level, Region

    other = Region.objects.create(
        code=village.code[:9] + "299", name="西岭村", level=Level.VILLAGE, parent=village.parent
    )
    for v, n in ((village, 3), (other, 2)):
        for _ in range(n):
            alert_raise(household=HouseholdFactory(village=v), source="visit", level="high")
    client.force_login(township_officer)
    page = client.get("/monitoring/portrait/").content.decode()
    (chart,) = _figures(page)
    labels = re.findall(r"<title>([^<:]*) \(\d+\):", chart["body"])
    assert labels == [village.name, "西岭村"]
    assert chart["bars"] == [3, 2]
    assert chart["numbers"][0] == 5


def test_a_chart_of_one_category_says_so_in_words(client, township_officer, village):
    alert_raise(household=HouseholdFactory(village=village), source="visit", level="high")
    client.force_login(township_officer)
    page = client.get("/monitoring/portrait/").content.decode()
    (chart,) = _figures(page)
    assert "<svg" not in chart["body"]
    assert f"只有一个类别：{village.name} (0)，1。" in chart["body"]
