"""The points bank's rules (issues 9 and 21): approval by a second cadre, an append-only
ledger (a revocation is an equal and opposite entry), the balance the sum of approved
entries less redemptions, and no redemption past it — not even with two clerks redeeming
at once on PostgreSQL."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from points import selectors, services
from points.models import Category, EntryStatus, Good, PointAccount, PointEntry, PointRule
from tests.factories import HouseholdFactory, ResidentFactory

DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def rules(village):
    return {
        "help": PointRule.objects.create(
            village=village, category=Category.GOOD_DEEDS, name="扶老人过马路", points=5
        ),
        "clean": PointRule.objects.create(
            village=village, category=Category.ENVIRONMENT, name="庭院整洁", points=10
        ),
        "litter": PointRule.objects.create(
            village=village, category=Category.DEDUCTION, name="乱倒垃圾", points=8
        ),
    }


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village, number="0007")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def _approved(home, rule, recorder, approver, day=DAY):
    entry = services.entry_record(
        household=home,
        rule=rule,
        occurred_on=day,
        place="村委会",
        description="好事",
        user=recorder,
    )
    return services.entry_approve(entry=entry, user=approver)


@pytest.mark.django_db
def test_an_entry_counts_once_a_second_cadre_approves_it(home, rules, village_cadre, plain_cadre):
    entry = services.entry_record(
        household=home,
        rule=rules["clean"],
        occurred_on=DAY,
        place="家中",
        description="庭院整洁",
        user=village_cadre,
    )
    assert entry.status == EntryStatus.PENDING
    assert services.balance_of(home.pk) == 0
    with pytest.raises(services.PointsRefused, match="另一名村干部"):
        services.entry_approve(entry=entry, user=village_cadre)
    services.entry_approve(entry=entry, user=plain_cadre)
    assert services.balance_of(home.pk) == 10
    assert selectors.household_totals(home.pk, DAY) == {"month": 10, "year": 10}
    with pytest.raises(services.PointsRefused):
        services.entry_approve(entry=entry, user=plain_cadre)  # not twice


@pytest.mark.django_db
def test_an_approved_entry_is_revoked_by_an_equal_and_opposite_entry(
    home, rules, village_cadre, plain_cadre
):
    entry = _approved(home, rules["clean"], village_cadre, plain_cadre)
    with pytest.raises(services.PointsRefused):
        services.entry_revoke(entry=entry, user=plain_cadre, reason="  ")
    reversal = services.entry_revoke(entry=entry, user=plain_cadre, reason="重复登记")
    assert (reversal.points, reversal.reverses, reversal.status) == (
        -10,
        entry,
        EntryStatus.PENDING,
    )
    assert services.balance_of(home.pk) == 10  # counts once a second cadre approves it
    with pytest.raises(services.PointsRefused):
        services.entry_approve(entry=reversal, user=plain_cadre)  # not its own maker
    services.entry_approve(entry=reversal, user=village_cadre)
    entry.refresh_from_db()
    assert (entry.status, entry.points) == (EntryStatus.APPROVED, 10)  # never rewritten
    assert services.balance_of(home.pk) == 0
    assert selectors.household_totals(home.pk, DAY)["year"] == 0
    with pytest.raises(services.PointsRefused):
        services.entry_revoke(entry=entry, user=plain_cadre, reason="再撤一次")


@pytest.mark.django_db
def test_a_pending_entry_is_refused_and_never_counts(home, rules, village_cadre, plain_cadre):
    entry = services.entry_record(
        household=home,
        rule=rules["clean"],
        occurred_on=DAY,
        place="家中",
        description="庭院",
        user=village_cadre,
    )
    refused = services.entry_revoke(entry=entry, user=plain_cadre, reason="不属实")
    assert (refused.pk, refused.status, refused.revoked_by) == (
        entry.pk,
        EntryStatus.REVOKED,
        plain_cadre,
    )
    assert services.balance_of(home.pk) == 0


@pytest.mark.django_db
def test_revoking_a_deduction_at_zero_makes_no_points_from_nothing(
    home, rules, village_cadre, plain_cadre
):
    """Issue 21: the deduction floored the balance at zero, then its revocation added
    the full 8 back: 8 points from nothing."""
    deduction = _approved(home, rules["litter"], village_cadre, plain_cadre)  # -8 at 0
    assert services.balance_of(home.pk) == -8
    reversal = services.entry_revoke(entry=deduction, user=plain_cadre, reason="误扣")
    services.entry_approve(entry=reversal, user=village_cadre)
    assert services.balance_of(home.pk) == 0


@pytest.mark.django_db
def test_a_deduction_below_zero_waits_for_points_before_a_redemption(
    village, home, rules, village_cadre, plain_cadre, coop_clerk
):
    _approved(home, rules["help"], village_cadre, plain_cadre)  # +5
    _approved(home, rules["litter"], village_cadre, plain_cadre)  # -8
    assert services.balance_of(home.pk) == -3
    assert selectors.household_totals(home.pk, DAY)["year"] == -3
    soap = Good.objects.create(village=village, name="肥皂", price=1, stock=5)
    with pytest.raises(services.PointsRefused):
        services.redeem(household=home, good=soap, quantity=1, clerk=coop_clerk)


@pytest.mark.django_db
def test_a_refused_revocation_leaves_the_entry_revocable(home, rules, village_cadre, plain_cadre):
    entry = _approved(home, rules["clean"], village_cadre, plain_cadre)
    first = services.entry_revoke(entry=entry, user=plain_cadre, reason="重复")
    services.entry_revoke(entry=first, user=village_cadre, reason="并不重复")  # refused
    second = services.entry_revoke(entry=entry, user=plain_cadre, reason="确实重复")
    services.entry_approve(entry=second, user=village_cadre)
    assert services.balance_of(home.pk) == 0


@pytest.mark.django_db
def test_bulk_entry_is_all_or_nothing_and_names_unknown_numbers(
    village, home, rules, village_cadre
):
    other = HouseholdFactory(village=village, number="0008")
    with pytest.raises(services.PointsRefused, match="9999"):
        services.entries_record_bulk(
            village_id=village.pk,
            numbers=["0007", "9999", "0008"],
            rule=rules["help"],
            occurred_on=DAY,
            place="村广场",
            description="义务劳动",
            user=village_cadre,
        )
    assert not PointEntry.objects.exists()
    result = services.entries_record_bulk(
        village_id=village.pk,
        numbers=["0007", " 0008 ", "0007", ""],
        rule=rules["help"],
        occurred_on=DAY,
        place="村广场",
        description="义务劳动",
        user=village_cadre,
    )
    assert sorted(e.household_id for e in result.entries) == sorted([home.pk, other.pk])
    assert {e.event for e in result.entries} == {result.event}


@pytest.mark.django_db
def test_a_redemption_never_takes_more_than_the_balance_or_the_stock(
    village, home, rules, village_cadre, plain_cadre, coop_clerk
):
    _approved(home, rules["clean"], village_cadre, plain_cadre)  # 10
    soap = Good.objects.create(village=village, name="肥皂", price=4, stock=5)
    services.redeem(household=home, good=soap, quantity=2, clerk=coop_clerk)
    assert services.balance_of(home.pk) == 2
    with pytest.raises(services.PointsRefused, match="2"):
        services.redeem(household=home, good=soap, quantity=1, clerk=coop_clerk)
    soap.refresh_from_db()
    assert soap.stock == 3
    oil = Good.objects.create(village=village, name="食用油", price=1, stock=0)
    with pytest.raises(services.PointsRefused):
        services.redeem(household=home, good=oil, quantity=1, clerk=coop_clerk)
    assert services.balance_of(home.pk) == 2  # the refused redemption took nothing


@pytest.mark.django_db
def test_the_leaderboard_ranks_by_this_years_points_with_masked_names(
    village, home, rules, village_cadre, plain_cadre
):
    second = HouseholdFactory(village=village, number="0003")
    ResidentFactory(household=second, relation="head", name="李四梅")
    _approved(home, rules["clean"], village_cadre, plain_cadre)
    _approved(second, rules["help"], village_cadre, plain_cadre)
    _approved(second, rules["clean"], village_cadre, plain_cadre, day=datetime.date(2025, 5, 1))
    board = selectors.leaderboard(village.pk, 2026)
    assert [(s.rank, s.masked_name, s.points) for s in board] == [(1, "张*力", 10), (2, "李*梅", 5)]
    assert selectors.place(village.pk, 2026, 5) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_two_clerks_redeeming_at_once_cannot_overdraw(
    village, home, rules, village_cadre, plain_cadre, coop_clerk
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks of concurrent transactions: the PostgreSQL pass runs this")
    _approved(home, rules["clean"], village_cadre, plain_cadre)  # 10 points
    soap = Good.objects.create(village=village, name="肥皂", price=6, stock=10)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        try:
            barrier.wait(timeout=10)
            services.redeem(household=home, good=soap, quantity=1, clerk=coop_clerk)
            outcomes.append("redeemed")
        except services.PointsRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["redeemed", "refused"]
    assert PointAccount.objects.get(household=home).balance == 4
