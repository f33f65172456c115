"""The ledger, driven by random sequences of operations (issue 21): whatever cadres and
clerks do, in whatever order, the balance equals the sum of the approved entries less
the redemptions, a booked entry never changes, and no redemption takes a balance below
zero. hypothesis's stateful testing finds the sequence that breaks one, if any."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from points import services
from points.models import (
    Category,
    CoopTerms,
    Discount,
    EntryStatus,
    Good,
    PointEntry,
    PointRule,
    Redemption,
)
from tests.factories import HouseholdFactory

DAY = datetime.date(2026, 11, 20)


@pytest.mark.django_db
def test_the_balance_is_always_the_sum_of_the_ledger(
    village, village_cadre, plain_cadre, coop_clerk
):
    rules = [
        PointRule.objects.create(
            village=village, category=Category.GOOD_DEEDS, name="好事", points=5
        ),
        PointRule.objects.create(
            village=village, category=Category.ENVIRONMENT, name="整洁", points=2
        ),
        PointRule.objects.create(
            village=village, category=Category.DEDUCTION, name="乱倒垃圾", points=8
        ),
    ]
    cadres = [village_cadre, plain_cadre]
    good = Good.objects.create(village=village, name="肥皂", price=3, stock=10_000)
    CoopTerms.objects.create(village=village, discount_share=50, yuan_per_point=Decimal("1"))

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.home = HouseholdFactory(village=village)  # each run its own household
            self.booked: dict[int, int] = {}  # approved entry → its points, for ever

        def _entries(self):
            return list(PointEntry.objects.filter(household=self.home).order_by("pk"))

        @rule(which=st.integers(0, 2), maker=st.integers(0, 1), approve=st.booleans())
        def record(self, which, maker, approve):
            entry = services.entry_record(
                household=self.home,
                rule=rules[which],
                occurred_on=DAY,
                place="村里",
                description="记录",
                user=cadres[maker],
            )
            if approve:
                services.entry_approve(entry=entry, user=cadres[1 - maker])

        @rule(pick=st.integers(0, 50), who=st.integers(0, 1))
        def approve(self, pick, who):
            entries = self._entries()
            if entries:
                # its own maker, or not pending: refused, nothing moved
                with contextlib.suppress(services.PointsRefused):
                    services.entry_approve(entry=entries[pick % len(entries)], user=cadres[who])

        @rule(pick=st.integers(0, 50), who=st.integers(0, 1))
        def revoke(self, pick, who):
            entries = self._entries()
            if entries:
                with contextlib.suppress(services.PointsRefused):
                    services.entry_revoke(
                        entry=entries[pick % len(entries)], user=cadres[who], reason="核实有误"
                    )

        @rule(quantity=st.integers(1, 4))
        def redeem(self, quantity):
            before = services.balance_of(self.home.pk)
            try:
                services.redeem(household=self.home, good=good, quantity=quantity, clerk=coop_clerk)
            except services.PointsRefused:
                assert before < good.price * quantity
            else:
                assert before >= good.price * quantity
                assert services.balance_of(self.home.pk) >= 0

        @rule(points=st.integers(1, 12))
        def discount(self, points):
            """A purchase of 20 yuan: points cover half of it at most (10 points)."""
            before = services.balance_of(self.home.pk)
            try:
                services.discount(
                    household=self.home, amount=Decimal("20"), points=points, clerk=coop_clerk
                )
            except services.PointsRefused:
                assert before < points or points > 10
            else:
                assert points <= 10
                assert services.balance_of(self.home.pk) == before - points >= 0

        @invariant()
        def balance_is_the_sum_of_the_ledger(self):
            approved = PointEntry.objects.filter(household=self.home, status=EntryStatus.APPROVED)
            earned = approved.aggregate(n=Sum("points"))["n"] or 0
            spent = Redemption.objects.filter(household=self.home).aggregate(n=Sum("points"))
            used = Discount.objects.filter(household=self.home).aggregate(n=Sum("points"))
            assert services.balance_of(self.home.pk) == earned - (spent["n"] or 0) - (
                used["n"] or 0
            )

        @invariant()
        def booked_entries_never_change(self):
            for pk, points in PointEntry.objects.filter(
                household=self.home, status=EntryStatus.APPROVED
            ).values_list("pk", "points"):
                assert self.booked.setdefault(pk, points) == points
            still = set(
                PointEntry.objects.filter(
                    pk__in=self.booked, status=EntryStatus.APPROVED
                ).values_list("pk", flat=True)
            )
            assert still == set(self.booked)  # an approved entry stays approved

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
