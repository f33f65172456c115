"""A daily-log entry's hardship report (issue 25, item 5) reaches monitoring: an alert of
source "visit" for the household, as a visit that suspects hardship raises."""

from __future__ import annotations

import datetime

import pytest

from grid import services as grid
from monitoring.models import Alert, Source
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_a_log_entrys_hardship_report_raises_an_alert(village, village_cadre):
    home = HouseholdFactory(village=village)
    entry = grid.log_write(
        village=village,
        user=village_cadre,
        on=datetime.date(2026, 11, 22),
        place="村委会",
        people="李大妈",
        raised="老伴住院，家里开支大",
        household=home,
    )
    grid.log_to_hardship(entry=entry, user=village_cadre)
    alert = Alert.objects.get(household=home)
    assert alert.source == Source.VISIT
    assert "老伴住院" in alert.reasons[0]["label"]
