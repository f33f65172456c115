"""Each comparison of the screening on both sides of its line (issue 21: an item's
threshold `>=` turned into `>`, the income line `<` into `<=`, the disaster deduction
dropped and a re-run re-raising a closed alert all passed the suite)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from monitoring.forms import IncomeForm
from monitoring.models import (
    Alert,
    Assessment,
    DataItem,
    HouseholdIncome,
    MonitoringLine,
    RiskRule,
    Stage,
)
from monitoring.tests.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "item_code", "value", "period"]


def _ingest(tmp_path, rows, department="YB"):
    path = tmp_path / f"{department}.csv"
    path.write_bytes(csv_bytes([HEADER, *rows]))
    call_command(
        "ingest_feed", str(path), department=department, period="2026-10", stdout=io.StringIO()
    )


def _screen() -> None:
    call_command("run_screening", period="2026-10", stdout=io.StringIO())


def _only_rule(**fields) -> RiskRule:
    RiskRule.objects.update(active=False)
    return RiskRule.objects.create(weight=40, cause="illness", active=True, **fields)


def _score(household) -> int:
    found = Assessment.objects.filter(household=household, period="2026-10").first()
    return found.score if found else 0


@pytest.mark.parametrize(
    ("comparison", "value", "hit"),
    [
        ("gte", "30000", True),
        ("gte", "29999.99", False),
        ("gt", "30000", False),
        ("gt", "30000.01", True),
        ("lte", "30000", True),
        ("lte", "30000.01", False),
        ("lt", "30000", False),
        ("lt", "29999.99", True),
        ("eq", "30000", True),
        ("eq", "30000.01", False),
    ],
)
def test_an_item_rule_on_each_side_of_its_threshold(tmp_path, people, comparison, value, hit):
    (a, a_id), *_rest = people
    _only_rule(
        kind="item",
        item=DataItem.objects.get(code="YB02"),
        comparison=comparison,
        threshold=Decimal("30000"),
    )
    _ingest(tmp_path, [[a_id, "YB02", value, "2026-10"]])
    _screen()
    assert _score(a.household) == (40 if hit else 0)


def _income(household, *, wages: str, disaster: str = "0", members: int = 1) -> None:
    HouseholdIncome.objects.create(
        household=household,
        year=2026,
        wages=Decimal(wages),
        disaster=Decimal(disaster),
        members=members,
    )


@pytest.mark.parametrize(
    ("comparison", "wages", "hit"),
    [
        ("lt", "7800", False),
        ("lt", "7799.99", True),
        ("lte", "7800", True),
        ("lte", "7800.01", False),
    ],
)
def test_the_income_rule_honours_its_comparison_at_the_line(people, comparison, wages, hit):
    """The rule form offered "≤" while scoring always used "<" (issue 21)."""
    (a, _a_id), *_rest = people
    assert MonitoringLine.objects.get(year=2026).amount == Decimal("7800")
    _only_rule(kind="income", comparison=comparison, threshold=Decimal("1.00"))
    _income(a.household, wages=wages)
    _screen()
    assert _score(a.household) == (40 if hit else 0)


def test_disaster_losses_come_off_the_income(people):
    """Wages above the line, a disaster's losses taking the net below it."""
    (a, _a_id), _spouse, (b, _b_id), _other = people  # two households
    _only_rule(kind="income", comparison="lt", threshold=Decimal("1.00"))
    _income(a.household, wages="9000", disaster="1500", members=1)  # net 7,500: below
    _income(b.household, wages="9000", disaster="1000", members=1)  # net 8,000: above
    _screen()
    assert (_score(a.household), _score(b.household)) == (40, 0)


@pytest.mark.parametrize("ending", ["enrolled", "dismissed_by_township"])
def test_a_re_run_does_not_raise_again_an_alert_closed_since(tmp_path, people, ending):
    (_a, a_id), *_rest = people
    _only_rule(
        kind="item",
        item=DataItem.objects.get(code="YB02"),
        comparison="gte",
        threshold=Decimal("30000"),
    )
    _ingest(tmp_path, [[a_id, "YB02", "48200", "2026-10"]])
    _screen()
    alert = Alert.objects.get()
    stage = Stage.ENROLLED if ending == "enrolled" else Stage.DISMISSED
    Alert.objects.filter(pk=alert.pk).update(stage=stage, closed_at=timezone.now())
    _screen()  # the same period's data again
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(("wages", "valid"), [("0", True), ("-0.01", False)])
def test_an_income_line_is_never_negative(wages, valid):
    """A household's income figures start at nought: a negative amount (a typing slip of
    the minus key) is refused with a sentence, not scored as a loss."""
    data = {
        "year": "2026",
        "members": "3",
        "wages": wages,
        **dict.fromkeys(
            ("business", "property_income", "transfers", "medical", "education", "disaster"), "0"
        ),
    }
    form = IncomeForm(data)
    assert form.is_valid() is valid, form.errors
    if not valid:
        assert form.errors["wages"] == ["确保该值大于或等于0。"]
