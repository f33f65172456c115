"""Eligibility and people at enrolment (issue 24, item 3): each category's condition is
checked on each side of its boundary, a failing choice is a sentence, the enrolment
names its members and the counts of monitored households give their people too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from monitoring import services
from monitoring.models import (
    Alert,
    HouseholdIncome,
    Monitored,
    MonitoringLine,
    ScreeningSettings,
    Source,
    Stage,
)
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def at_county(village):
    """An alert at the county's step, of a household of three living members and one
    who moved out."""

    def make(**household):
        home = HouseholdFactory(village=village, **household)
        for relation in ("head", "spouse", "son"):
            ResidentFactory(household=home, relation=relation)
        ResidentFactory(household=home, relation="daughter", status="moved")
        alert, _ = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
        Alert.objects.filter(pk=alert.pk).update(stage=Stage.COUNTY)
        alert.refresh_from_db()
        return alert

    return make


def _enrol(alert, user, category, **extra):
    return services.decide(
        alert=alert,
        user=user,
        decision="enrol",
        category=category,
        causes=extra.pop("causes", ["illness"]),
        **extra,
    )


@pytest.mark.parametrize(("poverty_status", "ok"), [("lifted", True), ("none", False)])
def test_an_unstable_household_is_one_lifted_out_of_poverty(
    at_county, county_officer, poverty_status, ok
):
    alert = at_county(poverty_status=poverty_status)
    if ok:
        _enrol(alert, county_officer, "unstable")
        assert Monitored.objects.get().category == "unstable"
    else:
        with pytest.raises(ValidationError, match="脱贫户"):
            _enrol(alert, county_officer, "unstable")


@pytest.mark.parametrize(("net", "ok"), [("9000.00", True), ("9000.01", False)])
def test_a_marginal_household_is_at_most_the_factor_times_the_line(
    at_county, county_officer, net, ok
):
    """Line 6,000 yuan, factor 1.5: 9,000.00 a person is in, 9,000.01 is out."""
    MonitoringLine.objects.update_or_create(year=2026, defaults={"amount": Decimal("6000")})
    alert = at_county()
    HouseholdIncome.objects.create(
        household=alert.household, year=2026, wages=Decimal(net) * 2, members=2
    )
    if ok:
        _enrol(alert, county_officer, "marginal")
    else:
        with pytest.raises(ValidationError) as refused:
            _enrol(alert, county_officer, "marginal")
        assert "9000.00" in str(refused.value)
    assert Monitored.objects.exists() is ok


def test_the_county_sets_the_marginal_factor_and_no_income_is_a_sentence(at_county, county_officer):
    alert = at_county()
    with pytest.raises(ValidationError, match="明白卡"):
        _enrol(alert, county_officer, "marginal")
    MonitoringLine.objects.update_or_create(year=2026, defaults={"amount": Decimal("6000")})
    HouseholdIncome.objects.create(household=alert.household, year=2026, wages=8000, members=1)
    settings = ScreeningSettings.current()
    settings.marginal_factor = Decimal("1.2")  # 7,200: 8,000 is above it now
    settings.save()
    with pytest.raises(ValidationError):
        _enrol(alert, county_officer, "marginal")


@pytest.mark.parametrize(
    ("causes", "amount", "ok"),
    [
        (["accident"], Decimal("0.01"), True),
        (["accident"], Decimal("0"), False),
        (["accident"], None, False),
        (["income"], Decimal("20000"), False),  # a slow decline is no sudden event
    ],
)
def test_a_sudden_hardship_needs_a_sudden_cause_and_its_amount(
    at_county, county_officer, causes, amount, ok
):
    alert = at_county()
    if ok:
        _enrol(alert, county_officer, "sudden", causes=causes, sudden_amount=amount)
        assert Monitored.objects.get().sudden_amount == amount
    else:
        with pytest.raises(ValidationError):
            _enrol(alert, county_officer, "sudden", causes=causes, sudden_amount=amount)


def test_the_enrolment_names_its_members_the_living_ones_by_default(at_county, county_officer):
    alert = at_county(poverty_status="lifted")
    _enrol(alert, county_officer, "unstable")
    members = Monitored.objects.get().members.all()
    assert sorted(m.relation for m in members) == ["head", "son", "spouse"]  # not the moved one
    other = at_county(poverty_status="lifted")
    head = other.household.residents.get(relation="head")
    _enrol(other, county_officer, "unstable", members=[head])
    assert list(Monitored.objects.get(alert=other).members.all()) == [head]
    third = at_county(poverty_status="lifted")
    with pytest.raises(ValidationError):
        _enrol(third, county_officer, "unstable", members=[])


def test_the_counts_of_monitored_households_give_their_people(
    client, at_county, county_officer, village_cadre
):
    for _n in range(2):
        _enrol(at_county(poverty_status="lifted"), county_officer, "unstable")
    client.force_login(village_cadre)
    home = client.get("/").content.decode()
    assert "2户 6人" in home
    listing = client.get(reverse("monitoring:monitored_list")).content.decode()
    assert "2户 6人" in listing


def test_the_county_names_the_members_on_the_alert_page(client, at_county, county_officer):
    alert = at_county(poverty_status="lifted")
    client.force_login(county_officer)
    url = reverse("monitoring:alert", args=[alert.pk])
    page = client.get(url).content.decode()
    assert page.count('name="decide-members"') + page.count('name="members"') == 3
    head = alert.household.residents.get(relation="head")
    client.post(
        url,
        {
            "action": "decide",
            "decision": "enrol",
            "category": "unstable",
            "causes": ["illness"],
            "members": [head.pk],
        },
    )
    assert list(Monitored.objects.get().members.all()) == [head]
