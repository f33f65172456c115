"""The wall screen of a township or county hall (issue 24, item 9): counts and charts of
the user's area, no household named, refreshing itself."""

from __future__ import annotations

import datetime

from django.urls import reverse

from conftest import _staff
from monitoring import services
from monitoring.models import Source
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role


def test_the_wall_counts_the_areas_work_and_names_no_household(
    client, village, sibling_village, township_officer
):
    for place in (village, village, sibling_village):
        home = HouseholdFactory(village=place)
        ResidentFactory(household=home, relation="head", name="欧阳建国")
        alert, _ = services.alert_raise(household=home, source=Source.SELF_REPORT, level="high")
    services.verify(
        alert=alert,
        user=_staff(Role.VILLAGE_CADRE, sibling_village),
        visit_date=datetime.date(2026, 11, 10),
        findings="属实",
        income_estimate=None,
        recommendation="enrol",
    )
    client.force_login(township_officer)
    page = client.get(reverse("monitoring:wall")).content.decode()
    figures = page[page.index('class="wall-figures"') :]
    assert '<div class="value">3</div><div class="label">推送预警</div>' in figures
    assert '<div class="value">1</div><div class="label">入户核实</div>' in figures
    assert "欧阳" not in page  # no household is named on a wall
    assert '<meta http-equiv="refresh" content="300">' in page
    assert "<script" not in page
