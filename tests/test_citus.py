"""The Citus pass of CI (issue 27, item 7): `.ci/run` starts the local Citus cluster
(../shared/tools/citus) and runs the migrations and the night's chord on its coordinator
(`DATABASE_URL=citus://…`) with PORTAL_CITUS=1. There, these check that the database
really is a coordinator with its two worker nodes, so a cluster that did not start fails
the run instead of the tests passing on plain PostgreSQL, and that the migrations made no
identity column, which Citus cannot distribute (decision 109). Elsewhere (SQLite, plain
PostgreSQL) they do not apply."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


citus_pass = pytest.mark.skipif(
    not os.environ.get("PORTAL_CITUS"), reason="the Citus pass of CI runs this (PORTAL_CITUS=1)"
)


@citus_pass
def test_the_citus_pass_runs_on_a_coordinator_with_two_workers():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        version = cursor.fetchone()
        assert version is not None, "PORTAL_CITUS is set but the database has no citus"
        assert version[0].startswith("13.")
        cursor.execute("SELECT count(*) FROM citus_get_active_worker_nodes()")
        assert cursor.fetchone()[0] == 2


@citus_pass
def test_the_migrations_made_sequences_not_identity_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND is_identity = 'YES'"
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT column_default FROM information_schema.columns"
            " WHERE table_name = 'households_household' AND column_name = 'id'"
        )
        assert cursor.fetchone()[0].startswith("nextval(")


@citus_pass
def test_the_feeds_are_sharded_by_batch_and_the_catalogue_is_on_every_node():
    """Decision 110: the feeds' values and folds are hash-distributed by batch and
    co-located (a batch's load, fold and removal stay on one shard), regions, the catalogue
    and the rules are reference tables, and the registry stays on the coordinator."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT logicalrelid::text, partmethod, repmodel, colocationid,"
            " column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition"
        )
        held = {row[0]: row[1:] for row in cursor.fetchall()}
    values, folds = held["monitoring_feedvalue"], held["monitoring_feedfold"]
    assert values[0] == folds[0] == "h"
    assert values[3] == folds[3] == "batch_id"
    assert values[2] == folds[2]
    for table in (
        "villages_region",
        "monitoring_department",
        "monitoring_dataitem",
        "monitoring_riskrule",
        "monitoring_monitoringline",
    ):
        assert held[table][:2] == ("n", "t"), table
    # the registry is not sharded: on the coordinator, managed by Citus as local tables
    assert held["households_household"][:2] == ("n", "s")
    assert held["households_resident"][:2] == ("n", "s")


@citus_pass
@pytest.mark.django_db(transaction=True)  # the removal below in a transaction of its own
def test_the_batches_of_a_month_land_on_both_workers(county, village, group, monitoring_catalogue):
    """A month's batches are spread over the two workers' shards, each batch's values
    whole on one, and read back through the ORM; the month has its own partition there."""
    from common import partitions
    from monitoring.models import DataItem, FeedBatch, FeedValue
    from tests.factories import HouseholdFactory, ResidentFactory

    person = ResidentFactory(household=HouseholdFactory(village=village, group=group))
    item = DataItem.objects.order_by("pk").first()
    partitions.ensure("2026-10")
    batches = []
    for n in range(16):
        batch = FeedBatch.objects.create(
            county=county,
            department=item.department,
            period="2026-10",
            sha256=f"{n:064d}",
            original_name="x.csv",
            expires_at=timezone.now(),
        )
        FeedValue.objects.bulk_create(
            FeedValue(
                batch=batch,
                period="2026-10",
                line=line,
                item=item,
                value=line,
                resident=person,
                household_id=person.household_id,
            )
            for line in (2, 3)
        )
        batches.append(batch.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT s.nodeport FROM unnest(%s::bigint[]) b(id)"
            " JOIN citus_shards s ON s.shardid ="
            " get_shard_id_for_distribution_column('monitoring_feedvalue_p2026_10', b.id)",
            [batches],
        )
        assert {row[0] for row in cursor.fetchall()} == {9701, 9702}
    assert FeedValue.objects.filter(period="2026-10").count() == 32
    assert sorted(FeedValue.objects.filter(batch_id=batches[5]).values_list("line", flat=True)) == [
        2,
        3,
    ]
    # and the batches go with their values in one transaction that begins with the
    # values' multi-shard removal (refused in Citus's default parallel mode: config.citus)
    FeedBatch.objects.filter(pk__in=batches).delete()
    assert not FeedValue.objects.filter(period="2026-10").exists()


@pytest.mark.skipif(bool(os.environ.get("PORTAL_CITUS")), reason="the other passes run this")
def test_elsewhere_the_migrations_distribute_nothing():
    """On SQLite and plain PostgreSQL the Citus steps of the migrations do nothing: the
    values' key holds no distribution column."""
    from common import citus

    assert not citus.is_coordinator(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                " WHERE i.indrelid = 'monitoring_feedvalue'::regclass AND i.indisprimary"
            )
            # (the key holds the period the table is partitioned by, decision 111)
            assert [row[0] for row in cursor.fetchall()] == ["id", "period"]
