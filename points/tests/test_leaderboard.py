"""The leaderboard pages through every household and a resident finds their own (issue
22: it stopped at 50, with no way to find one's household)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from points.models import EntryStatus, PointEntry, PointRule
from points.selectors import BOARD_PAGE
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(village, village_cadre):
    """120 households, household i with 200 - i points; 0050 and 0051 tie (the tie
    falls across the first page's end)."""
    rule = PointRule.objects.create(
        village=village, category="volunteering", name="志愿服务", points=1
    )
    entries = []
    for i in range(1, 121):
        household = HouseholdFactory(village=village, number=f"{i:04d}")
        ResidentFactory(household=household, relation="head", name=f"王{i}")
        points = 150 if i in (50, 51) else 200 - i
        entries.append(
            PointEntry(
                household=household,
                rule=rule,
                points=points,
                occurred_on=datetime.date(2026, 3, 1),
                place="村广场",
                description="义务劳动",
                status=EntryStatus.APPROVED,
                recorded_by=village_cadre,
            )
        )
    PointEntry.objects.bulk_create(entries)
    return reverse("points:leaderboard", args=[village.code])


def _numbers(page: str) -> list[str]:
    import re

    return re.findall(r'<li id="h-(\d{4})"', page)


def test_the_board_pages_through_every_household(client, board):
    first = client.get(board).content.decode()
    assert _numbers(first) == [f"{i:04d}" for i in range(1, BOARD_PAGE + 1)]
    assert "120 户参与排名" in first
    assert "第 1/3 页" in first
    last = client.get(board, {"page": 3}).content.decode()
    assert _numbers(last) == [f"{i:04d}" for i in range(101, 121)]
    assert client.get(board, {"page": 99}).content.decode() == last  # past the end: the last


def test_equal_points_share_a_rank_across_a_page_boundary(client, board):
    import re

    second = client.get(board, {"page": 2}).content.decode()
    first_row = re.search(r'<li id="h-0051"[^>]*><span class="pub-rank">(\d+)</span>', second)
    assert first_row[1] == "50"  # 0050 and 0051 tie at rank 50, 0050 on page one


def test_a_resident_finds_their_household(client, board):
    response = client.get(board, {"number": "0077"})
    assert response.status_code == 302
    assert response["Location"] == f"{board}?page=2&mine=0077#h-0077"
    page = client.get(response["Location"]).content.decode()
    assert '<li id="h-0077" class="pub-mine" aria-current="true">' in page


def test_a_household_without_points_is_told_so(client, board, village):
    HouseholdFactory(village=village, number="0999")
    page = client.get(board, {"number": "0999"}).content.decode()
    assert "0999 号户今年还没有积分" in page
