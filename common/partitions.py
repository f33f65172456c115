"""Tables partitioned by period on PostgreSQL (issue 27, item 2; decision 111).

The tables that grow with counties × months (a province's feed values: close to a billion
rows a month) are PostgreSQL tables partitioned by LIST on their `period` ("2026-10"): one
partition a month, plus a default partition that takes a period nobody made a partition
for, so an insert never fails for want of one. A month past its retention is then dropped
by detaching its partition and dropping it (`drop_before`): no `DELETE` of a hundred
million rows, no dead rows to vacuum.

- `by_period(table, key)`: the migration operation that turns an existing table into a
  partitioned one (its rows, indexes, foreign keys and id sequence kept; its primary key
  widened to hold the period, as PostgreSQL requires). Django's model is unchanged.
- `ensure(period)`: make the period's partition of every such table (the night's schedule,
  a batch's load and a run's scoring call it, outside their long transactions); a period
  whose rows went to the default partition before has them moved into its own.
- `drop_before(table, period)`: drop the months before `period`; `retain(table, months)`,
  each app's nightly retention of its own tables, makes their partitions of this month
  and the next (`ensure_ahead`) and drops what is past `months`.

On SQLite (the embedded default) nothing is partitioned: `ensure` does nothing and
`drop_before` deletes the rows. On Citus the partitioned tables are distributed or managed
as such (common.citus), and their partitions follow them.
"""

from __future__ import annotations

import re

from django.db import connection, migrations, models, transaction
from django.utils import timezone

from common import citus

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
COLUMN = "period"


def this_period() -> str:
    """The current month in Asia/Shanghai, as YYYY-MM (the default period of a row that
    records an event: a notification, an access record)."""
    return f"{timezone.localdate():%Y-%m}"


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def ensure_ahead(tables: list[str] | None = None) -> list[str]:
    """This month's and next month's partitions of the tables (every one by default), so
    a month's first rows land in their own partition, not in the default one."""
    period = this_period()
    return ensure(period, tables) + ensure(next_period(period), tables)


def months_back(today, months: int) -> str:
    """The period `months` months before `today`'s month, as YYYY-MM."""
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def retain(table: str, months: int, today=None) -> int:
    """An app's nightly retention of one table: its partitions of this month and the next
    made, its months before `months` back dropped; returns how many went."""
    ensure_ahead([table])
    return drop_before(table, months_back(today or timezone.localdate(), months))


def partition_name(table: str, period: str) -> str:
    return f"{table}_p{period.replace('-', '_')}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _checked(period: str) -> str:
    # a period becomes part of a DDL statement's name and bound: only "YYYY-MM" ever does
    if not PERIOD.match(period):
        raise ValueError(f"not a period: {period!r}")
    return period


def by_period(table: str, key: tuple[str, ...] = ("id",)) -> migrations.RunPython:
    """The migration operation: `table` becomes partitioned by period on PostgreSQL, its
    primary key `key` + period."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            _convert(cursor, schema_editor.quote_name, table, key)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def by_month(model_name: str, table: str, time_column: str) -> list:
    """The migration operations that give a model of events (a notification, an access
    record) the month it was written in and partition its table by it: the field (the
    model's `period`, default `this_period`), each row's month from `time_column`, and the
    partitioning."""
    field = models.CharField(
        default=this_period, editable=False, max_length=7, verbose_name="month"
    )
    return [
        migrations.AddField(model_name=model_name, name=COLUMN, field=field),
        period_of(table, time_column),
        by_period(table, key=("id",)),
    ]


def period_of(table: str, column: str) -> migrations.RunPython:
    """The migration operation that fills a new `period` with the month (Asia/Shanghai,
    UTC+8 all year) of each row's time `column`."""

    def forwards(apps, schema_editor):
        quote = schema_editor.quote_name
        q_table, q_column, q_period = quote(table), quote(column), quote(COLUMN)
        if schema_editor.connection.vendor == "postgresql":
            # (the month computed in a subquery: Citus refuses an UPDATE that calls a
            # STABLE function on the row's own columns)
            sql = (
                f"UPDATE {q_table} t SET {q_period} = m.month FROM (SELECT id,"  # noqa: S608
                f" to_char({q_column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month"
                f" FROM {q_table}) m WHERE m.id = t.id"
            )
        else:
            sql = f"UPDATE {q_table} SET {q_period} = strftime('%Y-%m', {q_column}, '+8 hours')"  # noqa: S608
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def _convert(cursor, quote, table: str, key: tuple[str, ...]) -> None:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [table])
    if cursor.fetchone():
        return  # already partitioned
    old = f"{table}__unpartitioned"
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('p', 'f')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid), c.relname FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    uniques = cursor.fetchall()
    has_id = "id" in key

    q_table, q_old = quote(table), quote(old)
    cursor.execute(f"ALTER TABLE {q_table} RENAME TO {q_old}")
    for name, _kind, _definition in constraints:
        cursor.execute(f"ALTER TABLE {q_old} DROP CONSTRAINT {quote(name)}")
    for name, _definition in uniques:
        cursor.execute(f"ALTER TABLE {q_old} DROP CONSTRAINT {quote(name)}")
    for _definition, name in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    cursor.execute(
        f"CREATE TABLE {q_table} (LIKE {q_old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        f" INCLUDING STORAGE) PARTITION BY LIST ({quote(COLUMN)})"
    )
    if any(kind == "f" for _n, kind, _d in constraints) and citus.is_coordinator(cursor.db):
        # Citus manages a table with foreign keys to its local or reference tables as a
        # local table of its own, and refuses a partition of such a table that has a
        # CHECK ("child table is missing constraint …", Citus 13.2): there, the checks
        # (Django's positive numbers, which every writer keeps) are left to the model.
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
            [table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {q_table} DROP CONSTRAINT {quote(name)}")
    if has_id:
        # The id's sequence goes with the old table; the new one gets its own, owned by its
        # id, going on from the highest id. (An identity column cannot be part of a
        # partitioned table before PostgreSQL 17, and Citus cannot alter a sequence it
        # manages, so the old one is neither kept nor moved.)
        cursor.execute(f"ALTER TABLE {q_table} ALTER COLUMN id DROP DEFAULT")
    primary = next(name for name, kind, _d in constraints if kind == "p")
    columns = ", ".join(quote(c) for c in (*key, COLUMN))
    cursor.execute(f"ALTER TABLE {q_table} ADD CONSTRAINT {quote(primary)} PRIMARY KEY ({columns})")
    for name, definition in uniques:
        cursor.execute(f"ALTER TABLE {q_table} ADD CONSTRAINT {quote(name)} {definition}")
    cursor.execute(f"CREATE TABLE {quote(default_name(table))} PARTITION OF {q_table} DEFAULT")
    cursor.execute(f"SELECT DISTINCT {quote(COLUMN)} FROM {q_old}")  # noqa: S608
    for (period,) in cursor.fetchall():
        _create(cursor, quote, table, period)
    cursor.execute(f"INSERT INTO {q_table} SELECT * FROM {q_old}")  # noqa: S608
    if has_id:
        sequence = quote(f"{table}_id_seq")
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {q_old}")  # noqa: S608
        start = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {q_old}")
        cursor.execute(f"CREATE SEQUENCE {sequence} START {int(start)} OWNED BY {q_table}.id")
        cursor.execute(f"ALTER TABLE {q_table} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    else:
        cursor.execute(f"DROP TABLE {q_old}")
    for definition, _name in indexes:  # (read before the rename: they name the table)
        cursor.execute(definition)
    for name, kind, definition in constraints:
        if kind == "f":
            cursor.execute(f"ALTER TABLE {q_table} ADD CONSTRAINT {quote(name)} {definition}")


def _create(cursor, quote, table: str, period: str) -> None:
    cursor.execute(
        f"CREATE TABLE {quote(partition_name(table, _checked(period)))}"
        f" PARTITION OF {quote(table)} FOR VALUES IN ('{period}')"
    )


def partitioned_tables(cursor) -> list[str]:
    """The tables partitioned by period (by LIST: the only kind made here)."""
    cursor.execute(
        "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE p.partstrat = 'l' AND n.nspname = current_schema()"
        " AND NOT c.relispartition ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def ensure(period: str, tables: list[str] | None = None) -> list[str]:
    """Make the period's partition of each of the tables (every partitioned table by
    default) that lacks one; returns the partitions made. Rows of the period already in a
    default partition are moved into it. Each table in its own short transaction (the DDL
    locks the table), under an advisory lock, so two counties' tasks asking at once make
    it once."""
    _checked(period)
    if connection.vendor != "postgresql":
        return []
    made = []
    quote = connection.ops.quote_name
    if tables is None:
        with connection.cursor() as cursor:
            tables = partitioned_tables(cursor)
    for table in tables:
        name = partition_name(table, period)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            default = quote(default_name(table))
            cursor.execute(
                f"SELECT 1 FROM {default} WHERE {quote(COLUMN)} = %s LIMIT 1",  # noqa: S608
                [period],
            )
            if cursor.fetchone() is None:
                _create(cursor, quote, table, period)
            else:
                # the default partition must not hold the period's rows when the
                # period's own partition is made: out, made, back in
                cursor.execute(f"ALTER TABLE {quote(table)} DETACH PARTITION {default}")
                _create(cursor, quote, table, period)
                moved = (
                    f"WITH moved AS (DELETE FROM {default} WHERE {quote(COLUMN)} = %s"  # noqa: S608
                    f" RETURNING *) INSERT INTO {quote(table)} SELECT * FROM moved"
                )
                cursor.execute(moved, [period])
                cursor.execute(f"ALTER TABLE {quote(table)} ATTACH PARTITION {default} DEFAULT")
            made.append(name)
    return made


def drop_before(table: str, period: str) -> int:
    """Drop the table's months before `period`: their partitions detached and dropped (and
    any such rows of the default partition deleted); on SQLite the rows deleted. Returns
    the months' partitions dropped (rows deleted on SQLite)."""
    _checked(period)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(COLUMN)} < %s",  # noqa: S608
                [period],
            )
            return max(cursor.rowcount, 0)
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [table],
        )
        prefix = partition_name(table, "")
        old = [
            name
            for (name,) in cursor.fetchall()
            if name.startswith(prefix) and name[len(prefix) :].replace("_", "-") < period
        ]
        for name in sorted(old):
            cursor.execute(f"ALTER TABLE {quote(table)} DETACH PARTITION {quote(name)}")
            cursor.execute(f"DROP TABLE {quote(name)}")
        cursor.execute(
            f"DELETE FROM {quote(default_name(table))} WHERE {quote(COLUMN)} < %s",  # noqa: S608
            [period],
        )
        return len(old)
