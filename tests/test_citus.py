"""The Citus pass of CI (issue 27, item 7): `.ci/run` starts the local Citus cluster
(../shared/tools/citus) and runs the migrations and the night's chord on its coordinator
with PORTAL_CITUS=1. There, this checks that the database really is a coordinator with
its two worker nodes, so a cluster that did not start fails the run instead of the tests
passing on plain PostgreSQL. Elsewhere (SQLite, plain PostgreSQL) it does not apply."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    not os.environ.get("PORTAL_CITUS"), reason="the Citus pass of CI runs this (PORTAL_CITUS=1)"
)
def test_the_citus_pass_runs_on_a_coordinator_with_two_workers():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        version = cursor.fetchone()
        assert version is not None, "PORTAL_CITUS is set but the database has no citus"
        assert version[0].startswith("13.")
        cursor.execute("SELECT count(*) FROM citus_get_active_worker_nodes()")
        assert cursor.fetchone()[0] == 2
