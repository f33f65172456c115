"""Queueing a background task from a service, by the task's name.

A service that starts background work (an import's check, an export, a feed's load, a
screening run) queues it by name once its transaction commits. By name, so the service
does not import its app's tasks module: tasks import services (a task is thin: ids in,
one service call), never the other way round, and no import sits inside a function to
break a cycle. The task's module is imported by its name first (a worker imports every app's tasks
at start; a web process, only when it first queues one); an unknown name is an error at
once, in tests too.
"""

from __future__ import annotations

import importlib

from celery import current_app
from django.db import transaction


def enqueue(name: str, *args: int | str | None) -> None:
    """Queue the task `name` (its dotted path) with these arguments (ids and short
    values, never a file's contents or an ID number) once the current transaction
    commits; at once outside a transaction."""
    importlib.import_module(name.rpartition(".")[0])  # registers the module's tasks
    task = current_app.tasks[name]
    transaction.on_commit(lambda: task.delay(*args))
