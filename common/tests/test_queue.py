"""Queueing a task by name (common.queue): after the commit, and an unknown name at once."""

from __future__ import annotations

import pytest
from celery.exceptions import NotRegistered

from common.queue import enqueue


def test_a_task_queued_by_name_runs_after_the_commit(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue("households.tasks.exports_purge_task")
    assert len(callbacks) == 1  # not before the commit


def test_an_unknown_task_is_an_error_when_queued(db):
    with pytest.raises(NotRegistered):
        enqueue("households.tasks.no_such_task")
    with pytest.raises(ModuleNotFoundError):
        enqueue("nowhere.tasks.anything")
