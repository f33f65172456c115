"""Each step of the screening job alone (monitoring.screening.job lists them): match,
stage, fold, score, raise alerts; and the job as their one caller."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from households.idnumbers import id_hash
from monitoring import feeds
from monitoring.models import (
    Alert,
    Assessment,
    BatchStatus,
    DataItem,
    Department,
    FeedValue,
    Stage,
)
from monitoring.screening import alerts, fold, match, score, stage
from monitoring.tests.conftest import csv_bytes
from tests.factories import HouseholdFactory, ResidentFactory, make_id_number

HEADER = ["id_number", "item_code", "value", "period"]
SCREENING = Path(match.__file__).parent


def _batch(county, department: str, rows: list[list[object]]):
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code=department),
        period="2026-10",
        name=f"{department}.csv",
        data=csv_bytes([HEADER, *rows]),
    )
    return batch


def test_match_indexes_the_countys_residents_by_their_keyed_hash(county, people, sibling_village):
    (a, a_id), *_rest = people
    elsewhere = ResidentFactory(
        household=HouseholdFactory(village=sibling_village), id_number=make_id_number()
    )
    index = match.county_residents(county.code)
    assert match.unpack(index[bytes.fromhex(id_hash(a_id))]) == (a.pk, a.household_id)
    assert len(index) == 4 + 1  # the county's people, the sibling township's too
    assert bytes.fromhex(elsewhere.id_hash) in index
    assert len(match.county_residents(county.code + "999")) == 0  # a code with nobody below


def test_stage_writes_what_it_matches_and_rejects_what_it_does_not(county, people):
    (a, a_id), (_b, b_id), *_rest = people
    batch = _batch(county, "YB", [[a_id, "YB02", "300", "2026-10"], [b_id, "YB02", "5", "2026-10"]])
    only_a = {bytes.fromhex(id_hash(a_id)): a.pk * match.SPAN + a.household_id}
    staged = stage.load_batch(batch.pk, lambda: only_a)
    assert (staged.status, staged.loaded, staged.rejected) == (BatchStatus.LOADED, 1, 1)
    assert list(FeedValue.objects.values_list("resident_id", "value")) == [(a.pk, Decimal(300))]
    # a batch already staged is left as it is: the county's index is not even made
    asked = []
    stage.load_batch(batch.pk, lambda: asked.append(1) or only_a)
    assert asked == []


def _folded() -> list[tuple[int, int, Decimal]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT household_id, item_id, value FROM {fold.FOLDED} ORDER BY 1, 2")  # noqa: S608
        return [(h, i, Decimal(v)) for h, i, v in cursor.fetchall()]


def test_fold_sums_amounts_over_members_and_keeps_the_highest_flag(county, people):
    (a, a_id), (_b, b_id), (c, c_id), _d = people
    amounts = _batch(
        county, "YB", [[a_id, "YB02", "300", "2026-10"], [b_id, "YB02", "5", "2026-10"]]
    )
    flags = _batch(county, "WJ", [[c_id, "WJ01", "1", "2026-10"]])
    for batch in (amounts, flags):
        stage.load_batch(batch.pk, lambda: match.county_residents(county.code))
    yb02, wj01 = (DataItem.objects.get(code=code).pk for code in ("YB02", "WJ01"))
    with transaction.atomic():
        assert fold.fold(county, "2026-10") == 2
        assert _folded() == sorted(
            [(a.household_id, yb02, Decimal("305.00")), (c.household_id, wj01, Decimal("1.00"))]
        )
        assert fold.fold(county, "2026-09") == 0  # another period: the table starts empty
        assert _folded() == []


def test_score_reads_the_folded_values_and_writes_assessments(county, people):
    (a, _a_id), *_rest = people
    yb02 = DataItem.objects.get(code="YB02").pk
    with transaction.atomic():
        fold.fold(county, "2026-10")  # the table, empty
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {fold.FOLDED} VALUES (%s, %s, %s)",  # noqa: S608
                [a.household_id, yb02, "48200"],
            )
        figures = score.score(county, "2026-10")
    assert figures == {
        "households_scored": 1,
        "assessments_written": 1,
        "assessments_removed": 0,
    }
    assessment = Assessment.objects.get()
    assert (assessment.household_id, assessment.period) == (a.household_id, "2026-10")
    assert assessment.score > 0


def test_raise_alerts_turns_an_assessment_at_the_alert_level_into_an_alert(county, people):
    (a, _a_id), (_b, _), (c, _c_id), _d = people
    Assessment.objects.create(
        household=a.household, period="2026-10", score=60, level="high", computed_at=timezone.now()
    )
    Assessment.objects.create(
        household=c.household, period="2026-10", score=5, level="none", computed_at=timezone.now()
    )
    assert alerts.raise_alerts(county, "2026-10") == 1
    alert = Alert.objects.get()
    assert (alert.household_id, alert.stage) == (a.household_id, Stage.VERIFY)
    assert alerts.raise_alerts(county, "2026-10") == 0  # once a household and period


def test_the_job_is_the_steps_one_caller():
    """Outside its own module, no code of the portal runs a step: a new reader finds the
    order in job.run_county, not spread over the apps."""
    steps = {
        ("match", "county_residents"),
        ("stage", "load_batch"),
        ("fold", "fold"),
        ("score", "score"),
        ("alerts", "raise_alerts"),
    }
    callers = set()
    root = SCREENING.parent.parent
    for path in root.glob("*/**/*.py"):
        if "tests" in path.parts or ".venv" in path.parts or path.parent == SCREENING / "stage":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in steps
            ):
                callers.add(str(path.relative_to(root)))
    # the screening benchmark times the match step alone, as a reader of the job would
    assert callers == {
        "monitoring/screening/job.py",
        "monitoring/management/commands/bench_screening.py",
    }
