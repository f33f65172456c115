"""Set-based inserts with their history rows: PostgreSQL COPY, or bulk_create elsewhere.

The registry's bulk services (the county-scale demo, the import) write thousands of rows
at once. Django's bulk_create prepares every value of every row in Python (two thirds of
the time of a 200,000-household demo); COPY hands the rows to PostgreSQL as a stream.
Primary keys are drawn from the table's sequence first, so the caller gets saved objects
back as bulk_create would give them, and the history rows (django-simple-history's, the
same fields it writes) follow in a second COPY.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from simple_history.utils import bulk_create_with_history

M = TypeVar("M", bound=models.Model)


def insert_with_history(objs: Sequence[M], model: type[M], *, user: Any, reason: str) -> list[M]:
    """Insert unsaved objects and one "+" history row each; returns the saved objects."""
    if not objs:
        return []
    if connection.vendor != "postgresql":
        return bulk_create_with_history(
            list(objs), model, batch_size=1000, default_user=user, default_change_reason=reason
        )
    now = timezone.now()
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        for f in meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
        obj._state.adding = False
        obj._state.db = connection.alias
    _copy(model, meta.concrete_fields, objs)

    history = model.history.model  # type: ignore[attr-defined]  # simple_history adds it
    tracked = [f.attname for f in history.tracked_fields]
    rows = (
        [getattr(obj, name) for name in tracked]
        + [now, "+", getattr(user, "pk", None), reason or None]
        for obj in objs
    )
    columns = [history._meta.get_field(f).column for f in tracked]
    columns += ["history_date", "history_type", "history_user_id", "history_change_reason"]
    copy_rows(history._meta.db_table, columns, rows)
    return list(objs)


def _copy(model: type[models.Model], fields, objs) -> None:
    rows = ([getattr(obj, f.attname) for f in fields] for obj in objs)
    copy_rows(model._meta.db_table, [f.column for f in fields], rows)


def _copy_statement(table: str, columns: list[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


# Buffers waiting for psycopg's thread to send them, at most (each up to 128 KB: some
# 8 MB). psycopg's own queue takes 1,024 (128 MB): when PostgreSQL stores more slowly
# than the caller makes rows — a feed's COPY into its indexed table, issue 26 — the
# queue filled and the nightly job's peak memory grew by a hundred megabytes.
QUEUED_BUFFERS = 64


class BoundedWriter(QueuedLibpqWriter):
    """psycopg's queued writer with a shorter queue: a write waits for room instead."""

    def __init__(self, cursor: Any):
        super().__init__(cursor)
        self._queue = type(self._queue)(maxsize=QUEUED_BUFFERS)


@contextlib.contextmanager
def copy_stream(table: str, columns: list[str]) -> Iterator[Any]:
    """An open COPY (psycopg's Copy): the caller writes COPY's text format (tab-separated
    lines) with .write(). For millions of rows of plain values: psycopg's write_row costs
    more than the COPY. A write returns at once and a thread of psycopg's sends it (its
    QueuedLibpqWriter), so PostgreSQL stores what was written while the caller makes
    the next rows: the two cores work at once. Leaving the block waits for the rest."""
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(
            _copy_statement(table, columns), writer=BoundedWriter(cursor.cursor)
        ) as copy,
    ):
        yield copy


def copy_rows(table: str, columns: list[str], rows) -> None:
    statement = _copy_statement(table, columns)
    # wrap_database_errors: a unique violation surfaces as Django's IntegrityError, as
    # from bulk_create
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)
