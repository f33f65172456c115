"""Notices on the public pages (issue 11): a village's board shows its own, its
township's and its county's published notices and no other village's; drafts, archived
ones, those not yet due and expired ones show nowhere public; a financial disclosure is a
table with its totals; the board's queries do not grow with the notices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notices import services
from notices.models import Category, Direction, Notice
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def make(region, user, title, *, category=Category.ANNOUNCEMENT, publish=True, **fields):
    notice = services.notice_save(
        Notice(region=region, category=category, title=title, body=f"{title}的内容", **fields),
        user=user,
    )
    return services.notice_publish(notice, user=user) if publish else notice


def board(client, village, **params) -> str:
    response = client.get(reverse("notices:board", args=[village.code]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_board_shows_its_own_its_townships_and_its_countys_notices_only(
    client,
    county,
    township,
    other_township,
    village,
    sibling_village,
    other_village,
    county_officer,
):
    # the county officer keeps every region's notices (a cadre only its village's)
    make(county, county_officer, "县里的通知")
    make(township, county_officer, "镇里的通知")
    make(village, county_officer, "本村的通知")
    make(sibling_village, county_officer, "邻村的通知")
    make(other_township, county_officer, "别的镇的通知")
    make(other_village, county_officer, "别的镇的村的通知")
    make(village, county_officer, "草稿", publish=False)

    page = board(client, village)
    for shown in ["县里的通知", "镇里的通知", "本村的通知"]:
        assert shown in page
    for hidden in ["邻村的通知", "别的镇的通知", "别的镇的村的通知", "草稿"]:
        assert hidden not in page
    # the sibling village's board: the county's and township's, not this village's
    sibling = board(client, sibling_village)
    assert "邻村的通知" in sibling
    assert "镇里的通知" in sibling
    assert "本村的通知" not in sibling


def test_expired_archived_and_future_notices_vanish_from_public_pages(
    client, village, village_cadre, group
):
    today = timezone.localdate()
    gone = make(
        village,
        village_cadre,
        "已过期",
        publish_on=today - datetime.timedelta(days=9),
        expires_on=today - datetime.timedelta(days=1),
    )
    last_day = make(village, village_cadre, "今天最后一天", expires_on=today)
    later = make(
        village, village_cadre, "下周才公布", publish_on=today + datetime.timedelta(days=7)
    )
    archived = services.notice_archive(make(village, village_cadre, "已撤下"), user=village_cadre)
    household = HouseholdFactory(village=village, group=group)

    page = board(client, village)
    home = client.get(reverse("households:public", args=[household.public_token])).content.decode()
    assert "今天最后一天" in page
    assert "今天最后一天" in home
    for hidden in ["已过期", "下周才公布", "已撤下"]:
        assert hidden not in page
        assert hidden not in home
    for notice in (gone, later, archived):
        url = reverse("notices:public_notice", args=[village.code, notice.pk])
        assert client.get(url).status_code == 404
    assert (
        client.get(reverse("notices:public_notice", args=[village.code, last_day.pk])).status_code
        == 200
    )


def test_a_notice_vanishes_from_a_kept_board_the_day_after_it_expires(
    client, village, village_cadre
):
    today = timezone.localdate()
    make(village, village_cadre, "只到今天", expires_on=today)
    assert "只到今天" in board(client, village)  # kept now
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False):
        assert "只到今天" not in board(client, village)


def test_a_published_notice_shows_at_once_on_a_kept_board(
    client, village, village_cadre, django_capture_on_commit_callbacks
):
    draft = make(village, village_cadre, "新通知", publish=False)
    assert "新通知" not in board(client, village)  # the board is kept now
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_publish(draft, user=village_cadre)
    assert "新通知" in board(client, village)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_archive(draft, user=village_cadre)
    assert "新通知" not in board(client, village)


def test_pinned_notices_come_first(client, village, village_cadre):
    today = timezone.localdate()
    make(village, village_cadre, "新的普通通知")
    make(
        village,
        village_cadre,
        "旧的置顶通知",
        pinned=True,
        publish_on=today - datetime.timedelta(days=30),
    )
    page = board(client, village)
    assert page.index("旧的置顶通知") < page.index("新的普通通知")


def test_categories_filter_the_board(client, village, village_cadre):
    make(village, village_cadre, "村规民约全文", category=Category.RULES)
    make(village, village_cadre, "春耕通知")
    page = board(client, village, category="rules")
    assert "村规民约全文" in page
    assert "春耕通知" not in page
    assert "春耕通知" in board(client, village, category="nonsense")  # unknown: all


def test_a_financial_disclosure_is_a_table_with_its_totals(client, village, village_cadre):
    notice = make(
        village, village_cadre, "第三季度财务公开", category=Category.FINANCE, publish=False
    )
    lines = [
        (datetime.date(2026, 7, 1), Direction.INCOME, "转移支付", "52000.00"),
        (datetime.date(2026, 7, 15), Direction.EXPENSE, "道路维修", "12800.50"),
        (datetime.date(2026, 8, 1), Direction.INCOME, "租金", "1860.00"),
        (datetime.date(2026, 8, 1), Direction.EXPENSE, "办公费", "185.25"),
    ]
    for month, direction, item, amount in lines:
        services.finance_line_add(
            notice, month=month, direction=direction, item=item, amount=Decimal(amount), by=None
        )
    services.notice_publish(notice, user=village_cadre)
    table = services.finance_table(notice.lines.all())
    assert [m["month"] for m in table["months"]] == [
        datetime.date(2026, 7, 1),
        datetime.date(2026, 8, 1),
    ]
    assert table["income"] == Decimal("53860.00")
    assert table["expense"] == Decimal("12985.75")
    assert table["balance"] == Decimal("40874.25")
    assert table["months"][0]["balance"] == Decimal("39199.50")
    page = client.get(reverse("notices:public_notice", args=[village.code, notice.pk]))
    html = page.content.decode()
    assert '<table class="finance">' in html
    assert 'id="income-total">53,860.00<' in html
    assert 'id="expense-total">12,985.75<' in html
    assert "道路维修" in html


def test_a_published_disclosures_lines_are_fixed(village, village_cadre):
    notice = make(village, village_cadre, "财务公开", category=Category.FINANCE, publish=False)
    with pytest.raises(ValidationError):  # no line yet
        services.notice_publish(notice, user=village_cadre)
    line = services.finance_line_add(
        notice,
        month=datetime.date(2026, 9, 1),
        direction=Direction.INCOME,
        item="租金",
        amount=Decimal(100),
        by=None,
    )
    services.notice_publish(notice, user=village_cadre)
    with pytest.raises(ValidationError):
        services.finance_line_add(
            notice,
            month=datetime.date(2026, 9, 1),
            direction=Direction.EXPENSE,
            item="改账",
            amount=Decimal(1),
            by=None,
        )
    with pytest.raises(ValidationError):
        services.finance_line_delete(line, by=None)
    notice.title = "改标题"
    with pytest.raises(ValidationError):
        services.notice_save(notice, user=village_cadre)
    assert notice.lines.count() == 1


def test_the_household_page_shows_the_villages_latest_notices(
    client, village, village_cadre, group
):
    for n in range(7):
        make(village, village_cadre, f"通知{n}号")
    household = HouseholdFactory(village=village, group=group)
    page = client.get(reverse("households:public", args=[household.public_token])).content.decode()
    section = page[page.index('id="notices"') : page.index('id="produce"')]
    assert section.count("通知") >= 5
    assert reverse("notices:board", args=[village.code]) in section


def test_the_board_shows_the_other_apps_village_panels(client, village):
    """The board (notices) names no app below it: the market and the leaderboard are the
    village panels households and points registered, each under its title, in order; the
    market links back to the board through the registry's village page."""
    page = client.get(reverse("notices:board", args=[village.code])).content.decode()
    leaderboard, market = page.index('id="leaderboard"'), page.index('id="market"')
    assert leaderboard < market
    assert reverse("points:leaderboard", args=[village.code]) in page[leaderboard:market]
    assert reverse("households:market", args=[village.code]) in page[market:]
    assert "我家有农货" in page[market:]
    market_page = client.get(reverse("households:market", args=[village.code])).content.decode()
    assert f'href="{reverse("notices:board", args=[village.code])}"' in market_page


def test_the_boards_queries_do_not_grow_with_its_notices(
    client, village, township, county, county_officer, django_assert_max_num_queries
):
    for n in range(40):
        make([village, township, county][n % 3], county_officer, f"通知{n}")
    # village, notices' count and page, the work team panel's team, the daily log's
    # published summaries and the broadcasts showing (issue 25; kept afterwards)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("notices:board", args=[village.code])).status_code == 200
    with django_assert_max_num_queries(1):
        client.get(reverse("notices:board", args=[village.code]))  # the kept page


def test_an_unknown_village_or_a_township_code_has_no_board(client, township):
    assert client.get(reverse("notices:board", args=[township.code])).status_code == 404
    assert client.get(reverse("notices:board", args=["999999999999"])).status_code == 404
