"""The points bank's staff pages (issue 9): what a cadre and a co-op clerk do with them,
the messages they read when something is refused, the totals export, and query counts
that do not grow with the rows."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from points.models import Category, EntryStatus, Good, Honour, PointEntry, PointRule
from points.services import entry_approve, entry_record
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(village):
    return PointRule.objects.create(
        village=village, category=Category.FILIAL, name="照顾老人", points=6
    )


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village, number="0007")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def test_a_cadre_records_points_from_the_household_page_and_another_approves(
    client, home, rule, village_cadre, plain_cadre
):
    client.force_login(village_cadre)
    detail = client.get(reverse("households:detail", args=[home.pk])).content.decode()
    assert reverse("points:entry_new", args=[home.pk]) in detail
    member = home.residents.get()
    form = client.get(reverse("points:entry_new", args=[home.pk])).content.decode()
    assert 'type="date"' in form
    assert 'value="2026-11-23"' in form  # today, in the one format the date picker takes
    response = client.post(
        reverse("points:entry_new", args=[home.pk]),
        {
            "rule": rule.pk,
            "resident": member.pk,
            "occurred_on": "2026-11-20",
            "place": "家中",
            "description": "照顾卧病的母亲",
        },
    )
    assert response.status_code == 302
    entry = PointEntry.objects.get()
    assert (entry.resident, entry.points, entry.status) == (member, 6, EntryStatus.PENDING)
    listing = client.get(reverse("points:entries")).content.decode()
    assert "照顾卧病的母亲" in listing
    assert "审核通过" not in listing  # not for what one recorded oneself
    client.force_login(plain_cadre)
    response = client.post(
        reverse("points:entry_action", args=[entry.pk]), {"action": "approve"}, follow=True
    )
    assert "积分已审核" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


def test_a_future_date_is_refused_with_a_sentence(client, home, rule, village_cadre):
    client.force_login(village_cadre)
    response = client.post(
        reverse("points:entry_new", args=[home.pk]),
        {"rule": rule.pk, "occurred_on": "2026-12-31", "place": "村里", "description": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "日期不能晚于今天" in page
    assert 'value="2026-12-31"' in page  # the date typed is still in the form
    assert not PointEntry.objects.exists()


def test_bulk_entry_names_the_unknown_numbers_and_keeps_the_form(
    client, village, home, rule, village_cadre
):
    client.force_login(village_cadre)
    data = {
        "village": village.pk,
        "rule": rule.pk,
        "occurred_on": "2026-11-20",
        "place": "村广场",
        "description": "重阳节敬老",
        "numbers": "0007, 0404",
    }
    page = client.post(reverse("points:entry_bulk"), data).content.decode()
    assert "0404" in page
    assert "全部未登记" in page
    assert "重阳节敬老" in page  # what was typed is still there
    assert not PointEntry.objects.exists()
    data["numbers"] = "0007"
    assert client.post(reverse("points:entry_bulk"), data).status_code == 302
    assert PointEntry.objects.count() == 1


def test_a_clerk_redeems_and_a_second_redemption_beyond_the_balance_is_refused(
    client, village, home, rule, village_cadre, plain_cadre, coop_clerk
):
    entry = entry_record(
        household=home,
        rule=rule,
        occurred_on=datetime.date(2026, 11, 1),
        place="家中",
        description="照顾老人",
        user=village_cadre,
    )
    entry_approve(entry=entry, user=plain_cadre)  # 6 points
    soap = Good.objects.create(village=village, name="肥皂", price=4, stock=3)
    client.force_login(coop_clerk)
    page = client.get(reverse("points:coop"), {"number": "0007"}).content.decode()
    assert "可用积分 6" in page
    data = {
        "form": "redeem",
        "village": village.pk,
        "number": "0007",
        "good": soap.pk,
        "quantity": 1,
    }
    response = client.post(reverse("points:coop"), data, follow=True)
    assert "剩余 2 分" in response.content.decode()
    page = client.post(reverse("points:coop"), data).content.decode()
    assert "积分不足" in page
    soap.refresh_from_db()
    assert soap.stock == 2
    # the clerk's menu: the co-op, not the ledger
    assert client.get(reverse("points:entries")).status_code == 403


def test_honours_with_stars_and_their_refusals(client, village, home, village_cadre):
    client.force_login(village_cadre)
    data = {"village": village.pk, "number": "0007", "kind": "star_family", "year": 2026}
    page = client.post(reverse("points:honours"), data).content.decode()
    assert "1 至 5 星" in page
    data["stars"] = 5
    assert client.post(reverse("points:honours"), data).status_code == 302
    assert Honour.objects.get().stars == 5
    page = client.post(reverse("points:honours"), data).content.decode()
    assert "已获得此项荣誉" in page


def test_the_totals_export_writes_the_approved_points_of_the_period(
    client, village, home, rule, village_cadre, plain_cadre
):
    for day in (datetime.date(2026, 11, 1), datetime.date(2026, 10, 1)):
        entry = entry_record(
            household=home,
            rule=rule,
            occurred_on=day,
            place="家中",
            description="照顾老人",
            user=village_cadre,
        )
        entry_approve(entry=entry, user=plain_cadre)
    client.force_login(village_cadre)
    response = client.get(reverse("points:report"), {"period": "2026-11", "format": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = rows.to_python()
    assert rows[0] == ["村", "户编号", "积分", "余额"]
    assert rows[1][1:] == ["0007", 6, 12]
    year = client.get(reverse("points:report"), {"period": "2026"}).content.decode()
    assert ">12<" in year


def test_the_ledger_runs_the_same_queries_for_5_and_60_entries(
    client, village, rule, village_cadre, django_assert_max_num_queries
):
    client.force_login(village_cadre)
    for count in (5, 60):
        for _ in range(count):
            household = HouseholdFactory(village=village)
            entry_record(
                household=household,
                rule=rule,
                occurred_on=datetime.date(2026, 11, 1),
                place="村里",
                description="好事",
                user=village_cadre,
            )
        with django_assert_max_num_queries(12):
            assert client.get(reverse("points:entries")).status_code == 200


def test_empty_pages_say_what_is_missing(client, village_cadre, coop_clerk):
    client.force_login(village_cadre)
    assert "暂无积分记录" in client.get(reverse("points:entries")).content.decode()
    assert "请先建立本村积分细则" in client.get(reverse("points:rules")).content.decode()
    assert "尚无荣誉记录" in client.get(reverse("points:honours")).content.decode()
    assert "没有已审核的积分" in client.get(reverse("points:report")).content.decode()
    client.force_login(coop_clerk)
    assert "暂无可兑换商品" in client.get(reverse("points:coop")).content.decode()


def test_the_clerk_restocks_goods(client, village, coop_clerk):
    soap = Good.objects.create(village=village, name="肥皂", price=4, stock=0)
    client.force_login(coop_clerk)
    url = reverse("points:good_edit", args=[soap.pk])
    data = {"village": village.pk, "name": "肥皂", "price": 5, "stock": 40, "active": "on"}
    assert client.post(url, data).status_code == 302
    soap.refresh_from_db()
    assert (soap.price, soap.stock) == (5, 40)
    assert client.post(url, {**data, "stock": -1}).status_code == 200  # refused, kept
    soap.refresh_from_db()
    assert soap.stock == 40
