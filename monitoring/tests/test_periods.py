"""The tables that grow with counties × months, by period (issue 27, item 2; decision 111):
on PostgreSQL the feed values, folds and assessments are partitioned by month, a feed's
values land in their month's partition, and a month past retention is dropped as a
partition; on SQLite the same retention deletes the rows."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from common import partitions
from common.partitions import months_back
from monitoring.feeds import drop_past_retention
from monitoring.forms import FeedUploadForm, ScreeningRunForm
from monitoring.models import (
    Assessment,
    DataItem,
    FeedBatch,
    FeedFold,
    FeedValue,
    first_kept_period,
)
from monitoring.tests.conftest import csv_bytes

pytestmark = pytest.mark.django_db

TABLES = [
    "households_accessevent",  # (tests/test_retention.py: the records of people's months)
    "monitoring_assessment",
    "monitoring_feedfold",
    "monitoring_feedvalue",
    "notices_notification",
]
TODAY = datetime.date(2026, 12, 8)
NOW = datetime.datetime(2026, 12, 8, 2, 0, tzinfo=datetime.UTC)


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's (the PostgreSQL pass runs this)")


def _rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (the test's own names)
        return cursor.fetchone()[0]


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        return cursor.fetchone()[0] is not None


def _months_before(table: str, period: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass AND c.relname < %s ORDER BY 1",
            [table, partitions.partition_name(table, period)],
        )
        return [row[0] for row in cursor.fetchall() if row[0] != f"{table}_default"]


def _values(people, county, period: str, count: int = 1) -> FeedBatch:
    """A batch of the period with `count` values (one a resident), written as the loader
    writes them (the ORM, on whichever backend)."""
    item = DataItem.objects.get(code="YB02")
    batch = FeedBatch.objects.create(
        county=county,
        department=item.department,
        period=period,
        sha256=period.replace("-", "") * 8,
        original_name="yb.csv",
        expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        status="loaded",
    )
    folded = set()
    for line, (person, _number) in enumerate(people[:count], start=2):
        FeedValue.objects.create(
            batch=batch,
            period=period,
            line=line,
            item=item,
            value=10,
            resident=person,
            household=person.household,
        )
        if person.household_id not in folded:
            folded.add(person.household_id)
            FeedFold.objects.create(
                batch=batch, period=period, household=person.household, item=item, value=10
            )
    return batch


def test_the_growing_tables_are_partitioned_by_period_with_a_default():
    _postgresql()
    with connection.cursor() as cursor:
        assert partitions.partitioned_tables(cursor) == TABLES
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_partitioned_table p ON p.partrelid = i.inhparent"
            " WHERE p.partdefid = i.inhrelid ORDER BY 1"
        )
        assert [row[0] for row in cursor.fetchall()] == [f"{t}_default" for t in TABLES]


def test_a_screened_feed_lands_in_its_months_partitions(tmp_path, county, people):
    _postgresql()
    (_a, a_id), (_b, b_id), *_rest = people
    path = tmp_path / "yb.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["id_number", "item_code", "value", "period"],
                [a_id, "YB02", "30000", "2026-10"],
                [b_id, "YB02", "18200", "2026-10"],
            ]
        )
    )
    call_command("ingest_feed", str(path), department="YB", period="2026-10", stdout=io.StringIO())
    call_command("run_screening", period="2026-10", stdout=io.StringIO())
    assert FeedValue.objects.filter(period="2026-10").count() == 2
    assert _rows_in("monitoring_feedvalue_p2026_10") == 2
    assert _rows_in("monitoring_feedfold_p2026_10") == 1  # one household
    assert _rows_in("monitoring_assessment_p2026_10") == Assessment.objects.count() == 1
    for table in TABLES:
        assert _rows_in(f"{table}_default") == 0


def test_the_nights_schedule_makes_the_months_partitions_before_any_county_runs(county):
    _postgresql()
    from monitoring.screening import job

    period, runs = job.schedule("2025-07")
    assert period == "2025-07"
    assert len(runs) == 1
    for table in TABLES:
        assert _exists(f"{table}_p2025_07")


def test_rows_that_went_to_the_default_partition_move_into_their_month(county, people):
    _postgresql()
    _values(people, county, "2025-03", count=2)
    assert _rows_in("monitoring_feedvalue_default") == 2
    made = partitions.ensure("2025-03")
    assert made == [f"{t}_p2025_03" for t in TABLES]
    assert _rows_in("monitoring_feedvalue_default") == 0
    assert _rows_in("monitoring_feedvalue_p2025_03") == 2
    assert _rows_in("monitoring_feedfold_p2025_03") == 1  # the two are one household
    assert FeedValue.objects.filter(period="2025-03").count() == 2  # the same rows, seen whole
    assert partitions.ensure("2025-03") == []  # made once


@pytest.mark.django_db(transaction=True)  # the night's task: its own transaction
def test_retention_drops_the_months_before_the_first_kept_and_keeps_that_one(
    county, people, settings
):
    settings.FEED_RETENTION_MONTHS = 24
    settings.ASSESSMENT_RETENTION_MONTHS = 60
    assert first_kept_period(TODAY) == "2024-12"
    for period in ("2024-11", "2024-12"):
        partitions.ensure(period)
        _values(people, county, period)
    household = people[0][0].household
    for period in ("2021-11", "2021-12"):
        partitions.ensure(period)
        Assessment.objects.create(
            household=household, period=period, score=5, level="low", computed_at=NOW
        )
    Assessment.objects.create(
        household=household, period="2019-01", score=5, level="low", computed_at=NOW
    )

    postgresql = connection.vendor == "postgresql"
    before = {
        t: _months_before(t, "2024-12" if "feed" in t else "2021-12") if postgresql else []
        for t in TABLES[1:4]
    }
    dropped = drop_past_retention(TODAY)

    assert sorted(FeedValue.objects.values_list("period", flat=True)) == ["2024-12"]
    assert sorted(FeedFold.objects.values_list("period", flat=True)) == ["2024-12"]
    assert sorted(Assessment.objects.values_list("period", flat=True)) == ["2021-12"]
    assert FeedBatch.objects.count() == 2  # the batches stay, with their figures
    if postgresql:
        # the months went as partitions: every one before the first kept (ensure made
        # each month's of every table; the database's other tests may have left more),
        # none after; 2019-01 lay in the default partition and was deleted there
        assert "monitoring_feedvalue_p2024_11" in before["monitoring_feedvalue"]
        assert "monitoring_assessment_p2021_11" in before["monitoring_assessment"]
        assert dropped == {t: len(names) for t, names in before.items()}
        for table in before:
            assert _months_before(table, "2024-12" if "feed" in table else "2021-12") == []
        assert not _exists("monitoring_feedvalue_p2024_11")
        assert _exists("monitoring_feedvalue_p2024_12")
        assert not _exists("monitoring_assessment_p2021_11")
        assert _exists("monitoring_assessment_p2021_12")
    else:
        assert dropped == {
            "monitoring_feedvalue": 1,
            "monitoring_feedfold": 1,
            "monitoring_assessment": 2,
        }


@pytest.mark.parametrize(
    ("today", "months", "period"),
    [
        (datetime.date(2026, 12, 8), 24, "2024-12"),
        (datetime.date(2026, 1, 1), 1, "2025-12"),
        (datetime.date(2026, 1, 31), 0, "2026-01"),
        (datetime.date(2026, 3, 15), 14, "2025-01"),
    ],
)
def test_months_back_counts_whole_months_across_years(today, months, period):
    assert months_back(today, months) == period


@pytest.mark.parametrize("form_class", [ScreeningRunForm, FeedUploadForm])
def test_a_month_past_retention_cannot_be_screened_or_delivered(form_class, settings):
    settings.FEED_RETENTION_MONTHS = 24
    first = first_kept_period()
    index = int(first[:4]) * 12 + int(first[5:]) - 2  # the month before the first kept
    before = f"{index // 12:04d}-{index % 12 + 1:02d}"
    with translation.override("en"):
        refused = form_class(data={"period": before})
        refused.is_valid()
        assert refused.errors["period"] == [f"Department data before {first} are no longer kept."]
    kept = form_class(data={"period": first})
    kept.is_valid()
    assert "period" not in kept.errors


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "2026-10'; DROP TABLE x; --", ""])
def test_only_a_month_ever_becomes_part_of_a_partitions_name(period):
    with pytest.raises(ValueError, match="not a period"):
        partitions.ensure(period)
    with pytest.raises(ValueError, match="not a period"):
        partitions.drop_before("monitoring_feedvalue", period)
