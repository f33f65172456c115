"""make_feeds writes a month of department files the ingestion takes as they are: one
per department, named for ingest_feed, 民政's in GB18030 with Chinese headers, and one
bad row of each kind."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from monitoring import services
from monitoring.models import (
    Alert,
    AssistanceMeasure,
    FeedBatch,
    FeedRejection,
    MeasureStatus,
    Pairing,
    Source,
)
from tests.factories import HouseholdFactory, UserFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


def test_the_demo_files_ingest_with_exactly_their_bad_rows(tmp_path, county, people):
    call_command("make_feeds", period="2026-10", out=str(tmp_path), stdout=io.StringIO())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert all(re.fullmatch(r"[A-Z]{2}_2026-10\.csv", n) for n in names)
    assert {"MZ_2026-10.csv", "YB_2026-10.csv", "JR_2026-10.csv"} <= set(names)
    header = (tmp_path / "MZ_2026-10.csv").read_bytes().split(b"\r\n")[0]
    assert header.decode("gb18030").startswith("乡镇（街道）,村（社区）")
    for path in sorted(tmp_path.iterdir()):
        call_command(
            "ingest_feed",
            str(path),
            department=path.name[:2],
            period="2026-10",
            stdout=io.StringIO(),
        )
    assert FeedBatch.objects.filter(status="loaded").count() == len(names)
    reasons = list(FeedRejection.objects.values_list("batch__department__code", "reason"))
    assert sorted(code for code, _r in reasons) == ["JR", "RS", "WJ", "YB", "YJ"]
    assert any("校验码" in r for _c, r in reasons)
    assert any("台账" in r for _c, r in reasons)


def test_the_demo_screening_fills_the_queue_once(county, people):
    out = io.StringIO()
    call_command("demo_screening", "--if-empty", period="2026-10", stdout=out)
    assert re.search(r"batches=\d+ households_scored=\d+ alerts_new=\d+", out.getvalue())
    again = io.StringIO()
    call_command("demo_screening", "--if-empty", stdout=again)
    assert "exists already" in again.getvalue()


def test_the_demo_cadre_has_verified_alerts_with_measures_one_overdue(county, people, village):
    """make run's village cadre finds the method at work (issue 24): an alert verified
    eight days ago with no measure (flagged), others with measures, one under way."""
    cadre = UserFactory(username="cadre")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    township = UserFactory(username="township")
    StaffAssignment.objects.create(user=township, region=village.parent, role=Role.TOWNSHIP_OFFICER)
    for _n in range(3):  # at least three alerts in the village, whatever the screening finds
        services.alert_raise(
            household=HouseholdFactory(village=village), source=Source.SELF_REPORT, level="high"
        )
    call_command("demo_screening", period="2026-10", stdout=io.StringIO())
    verified = Alert.objects.filter(village=village, measures_due__isnull=False)
    assert verified.count() == 3
    assert verified.measures_overdue(timezone.localdate()).count() == 1
    assert AssistanceMeasure.objects.count() == 3
    assert AssistanceMeasure.objects.filter(status=MeasureStatus.ONGOING).count() == 1
    assert Pairing.objects.filter(cadre=cadre).current().count() == 3
