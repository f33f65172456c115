"""The suite runs against the services it is pointed at: PostgreSQL and Redis in CI.

Under CI=true a missing service fails these tests instead of skipping them.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app


@pytest.mark.django_db
def test_database_is_the_one_configured(require_service):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        require_service("PostgreSQL", url)
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            assert int(cursor.fetchone()[0]) >= 130000
    else:
        assert connection.vendor == "sqlite"


def test_celery_broker_round_trip(require_service):
    """Publish to and read back from the real broker (Redis) through Celery's connection."""
    broker = settings.CELERY_BROKER_URL or "redis://127.0.0.1:6379/0"
    require_service("Redis", broker)
    with app.connection_for_write(broker) as conn:
        conn.ensure_connection(max_retries=1)
        queue = conn.SimpleQueue("portal-selftest")
        try:
            queue.put({"ping": "平安"})
            message = queue.get(timeout=5)
            assert message.payload == {"ping": "平安"}
            message.ack()
        finally:
            queue.queue.delete()
            queue.close()


def test_tasks_run_eagerly_without_a_broker(monkeypatch):
    from config.settings import base

    assert base.CELERY_TASK_ALWAYS_EAGER is (not base.CELERY_BROKER_URL)
