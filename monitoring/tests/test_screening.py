"""Scoring and alerts: set-based, one assessment per household and period with reasons
and figures, one open alert a household, and a second run that changes nothing."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring.models import (
    Alert,
    AlertEvent,
    Assessment,
    FeedBatch,
    FeedValue,
    HouseholdIncome,
    Stage,
)
from monitoring.reasons import reasons_text
from monitoring.screening import fold, score
from monitoring.tests.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "item_code", "value", "period"]


def _ingest(tmp_path, name, rows, department, period="2026-10"):
    path = tmp_path / name
    path.write_bytes(csv_bytes([HEADER, *rows]))
    call_command(
        "ingest_feed", str(path), department=department, period=period, stdout=io.StringIO()
    )


def _screen(period="2026-10") -> dict[str, int]:
    out = io.StringIO()
    call_command("run_screening", period=period, stdout=out)
    line = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(
        r"counties=\d+ failed=0 batches=\d+ households_scored=\d+ alerts_new=\d+ alerts_open=\d+",
        line,
    )
    return {k: int(v) for k, v in (part.split("=") for part in line.split())}


@pytest.fixture
def feeds_of_october(tmp_path, county, people):
    """Household 0001: two members' out-of-pocket costs (30,000 + 18,200) and a major
    disease; household 0002: an accident only (20, under the alert level)."""
    (a, a_id), (_b, b_id), (c, c_id), _d = people
    _ingest(
        tmp_path,
        "yb.csv",
        [[a_id, "YB02", "30000", "2026-10"], [b_id, "YB02", "18200", "2026-10"]],
        "YB",
    )
    _ingest(tmp_path, "wj.csv", [[b_id, "WJ01", "1", "2026-10"]], "WJ")
    _ingest(tmp_path, "yj.csv", [[c_id, "YJ03", "1", "2026-10"]], "YJ")
    return a.household, c.household


def test_a_run_scores_each_household_once_with_reasons_and_figures(feeds_of_october):
    sick, accident = feeds_of_october
    totals = _screen()
    assert totals == {
        "counties": 1,
        "failed": 0,
        "batches": 3,
        "households_scored": 2,
        "alerts_new": 1,
        "alerts_open": 1,
    }
    assessment = Assessment.objects.get(household=sick)
    assert (assessment.score, assessment.level) == (60, "high")
    assert reasons_text(assessment.reasons) == ["近12个月住院自付 48,200 元", "确诊重大疾病"]
    low = Assessment.objects.get(household=accident)
    assert (low.score, low.level) == (20, "low")
    alert = Alert.objects.get()
    assert (alert.household, alert.stage, alert.village) == (sick, Stage.VERIFY, sick.village)
    assert alert.due_date == timezone.localdate() + datetime.timedelta(days=15)
    assert list(AlertEvent.objects.values_list("action", flat=True)) == ["raised"]


def test_a_second_run_on_the_same_files_adds_no_batch_and_no_alert(feeds_of_october):
    first = _screen()
    stamps = list(Assessment.objects.values_list("pk", "computed_at"))
    again = _screen()
    assert again == {**first, "alerts_new": 0}
    assert list(Assessment.objects.values_list("pk", "computed_at")) == stamps  # nothing written
    assert Alert.objects.count() == 1


def test_the_database_holds_one_open_alert_a_household(feeds_of_october):
    _screen()
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            household=alert.household,
            village=alert.village,
            source="visit",
            level="high",
            due_date=alert.due_date,
            opened_at=timezone.now(),
        )


def test_a_household_dismissed_after_verification_returns_only_on_worse_evidence(
    tmp_path, feeds_of_october, people
):
    (_a, a_id), *_rest = people
    _screen()
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(
        stage=Stage.DISMISSED, closed_at=timezone.now(), dismissed_at_verification=True
    )
    # November: the same evidence (score 60) raises nothing
    _ingest(tmp_path, "yb11.csv", [[a_id, "YB02", "48200", "2026-11"]], "YB", "2026-11")
    _ingest(tmp_path, "wj11.csv", [[a_id, "WJ01", "1", "2026-11"]], "WJ", "2026-11")
    assert _screen("2026-11")["alerts_new"] == 0
    # December: worse (a disaster on top) raises a new alert
    _ingest(tmp_path, "yb12.csv", [[a_id, "YB02", "48200", "2026-12"]], "YB", "2026-12")
    _ingest(tmp_path, "wj12.csv", [[a_id, "WJ01", "1", "2026-12"]], "WJ", "2026-12")
    _ingest(tmp_path, "yj12.csv", [[a_id, "YJ02", "1", "2026-12"]], "YJ", "2026-12")
    assert _screen("2026-12")["alerts_new"] == 1
    assert Alert.objects.open().get().score == 90


def test_income_below_the_monitoring_line_is_a_reason(county, people):
    (a, _a_id), *_rest = people
    HouseholdIncome.objects.create(
        household=a.household,
        year=2026,
        wages=Decimal("6000"),
        transfers=Decimal("4200"),
        medical=Decimal("2000"),
        members=2,
    )
    assert _screen()["households_scored"] == 1
    assessment = Assessment.objects.get()
    assert assessment.score == 50  # below the line (40) and below 1.5 times it (10)
    assert "人均纯收入 4,100 元，标准 7,800 元" in " ".join(reasons_text(assessment.reasons))
    assert Alert.objects.get().level == "medium"


def test_the_nightly_job_collects_the_feeds_inbox(tmp_path, settings, county, people):
    """Files dropped in FEEDS_INBOX, named <DEPARTMENT>_<YYYY-MM>, become batches and are
    removed (the batch keeps them encrypted); a name it cannot place stays, logged."""
    (_a, a_id), *_rest = people
    settings.FEEDS_INBOX = tmp_path
    (tmp_path / "YB_2026-10.csv").write_bytes(
        csv_bytes([HEADER, [a_id, "YB02", "48200", "2026-10"]])
    )
    (tmp_path / "notes.txt").write_text("不是数据")
    (tmp_path / "QQ_2026-10.csv").write_text("x")
    totals = _screen()
    assert totals["batches"] == 1
    assert totals["alerts_new"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["QQ_2026-10.csv", "notes.txt"]


def test_the_screening_tells_each_village_with_new_alerts_once(feeds_of_october, village_cadre):
    from notices.models import Kind, Notification

    _screen()
    told = Notification.objects.get(recipient=village_cadre, kind=Kind.ALERT)
    assert "1" in told.title  # one new alert in the village
    _screen()  # a rerun raises nothing and tells nobody again
    assert Notification.objects.filter(kind=Kind.ALERT).count() == 1


def test_scoring_says_what_it_wrote_and_removed(feeds_of_october, county):
    """The scoring step's own figures: both households' assessments written once, nothing
    on an unchanged re-run, and one removed when its household no longer matches a rule."""

    def fold_and_score() -> dict[str, int]:
        with transaction.atomic():
            fold.fold(county, "2026-10")
            return score.score(county, "2026-10")

    first = fold_and_score()
    assert (first["assessments_written"], first["assessments_removed"]) == (2, 0)
    again = fold_and_score()
    assert (again["assessments_written"], again["assessments_removed"]) == (0, 0)
    _sick, accident = feeds_of_october
    FeedValue.objects.filter(household=accident).delete()
    for batch in FeedBatch.objects.all():
        fold.keep(batch.pk)  # each batch folded again from the values it holds now
    last = fold_and_score()
    assert (last["assessments_written"], last["assessments_removed"]) == (0, 1)
