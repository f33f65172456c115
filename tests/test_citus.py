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
