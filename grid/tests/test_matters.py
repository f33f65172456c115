"""Residents' matters with deadlines and escalation (issue 10): with frozen time, an
urgent matter left 6 h 1 min goes to the township exactly once, and to the county after
the township's deadline; the periodic task run twice changes nothing more."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from grid import services
from grid.models import MatterEvent, MatterLevel
from grid.tasks import escalate_overdue_task
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)


def _command() -> str:
    out = io.StringIO()
    call_command("escalate_overdue", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_an_urgent_matter_climbs_a_level_each_time_its_deadline_passes(village, grid_worker):
    with time_machine.travel(START, tick=False):
        matter = services.matter_create(
            village=village,
            user=grid_worker,
            source="visit",
            category="problem",
            urgency="urgent",
            title="村道塌方",
            household=HouseholdFactory(village=village),
        )
        assert matter.due_at == START + datetime.timedelta(hours=6)
    with time_machine.travel(START + datetime.timedelta(hours=6, minutes=1), tick=False):
        assert _command() == "escalated_to_township=1 escalated_to_county=0"
        assert escalate_overdue_task() == {"to_township": 0, "to_county": 0}  # once only
        assert _command() == "escalated_to_township=0 escalated_to_county=0"
        matter.refresh_from_db()
        assert matter.level == MatterLevel.TOWNSHIP
    with time_machine.travel(START + datetime.timedelta(hours=12, minutes=1), tick=False):
        assert (
            _command() == "escalated_to_township=0 escalated_to_county=0"
        )  # 6 h at the township: not yet
    with time_machine.travel(START + datetime.timedelta(hours=12, minutes=2), tick=False):
        assert _command() == "escalated_to_township=0 escalated_to_county=1"
        assert _command() == "escalated_to_township=0 escalated_to_county=0"
        matter.refresh_from_db()
        assert matter.level == MatterLevel.COUNTY
    with time_machine.travel(START + datetime.timedelta(days=3), tick=False):
        assert _command() == "escalated_to_township=0 escalated_to_county=0"  # the last level
    steps = list(MatterEvent.objects.filter(matter=matter).values_list("action", "level"))
    assert steps == [
        ("created", "village"),
        ("escalated_overdue", "township"),
        ("escalated_overdue", "county"),
    ]


def test_a_matter_resolved_in_time_is_not_escalated_and_counts_on_time(village, village_cadre):
    with time_machine.travel(START, tick=False):
        matter = services.matter_create(
            village=village,
            user=village_cadre,
            source="walk_in",
            category="pension",
            urgency="normal",
            title="养老金资格认证",
        )
    with time_machine.travel(START + datetime.timedelta(hours=5), tick=False):
        services.matter_resolve(matter=matter, user=village_cadre, reply="已代办认证")
        with pytest.raises(ValidationError):
            services.matter_resolve(matter=matter, user=village_cadre, reply="again")
    with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
        assert _command() == "escalated_to_township=0 escalated_to_county=0"
    matter.refresh_from_db()
    assert matter.resolved_on_time is True
    assert matter.is_proxy


def test_by_hand_a_matter_goes_up_one_level_at_a_time(
    village, village_cadre, township_officer, county_officer
):
    matter = services.matter_create(
        village=village,
        user=village_cadre,
        source="phone",
        category="dispute",
        urgency="routine",
        title="邻里宅基地纠纷",
    )
    services.matter_escalate(matter=matter, user=village_cadre, note="村里调解不成")
    assert matter.level == MatterLevel.TOWNSHIP
    # once sent up, it is the township's: the village cadre no longer moves it
    with pytest.raises(PermissionDenied):
        services.matter_escalate(matter=matter, user=village_cadre)
    services.matter_escalate(matter=matter, user=township_officer)
    with pytest.raises(ValidationError):
        services.matter_escalate(matter=matter, user=county_officer)
