"""Migrations that distribute tables when the database is a Citus coordinator (issue 27,
decision 110), and do nothing on SQLite and plain PostgreSQL.

An app's migration says what of its own is shared or distributed:

    operations = [
        citus.reference("villages_region"),
        citus.distribute("monitoring_feedvalue", "batch_id", key=("id", "batch_id", "period")),
    ]

`reference` makes a small table a reference table (a full copy on every node, so the
distributed tables' joins to it stay on their node); `distribute` shards a table by a
column, its primary key (which Citus requires to hold the column) widened first when
`key` is given, and places it beside `colocate_with`'s shards. Each is idempotent: a
table Citus already holds as asked is left alone, so a migration that ran before the
coordinator was set up (or a database restored into one) is not broken by running again.
"""

from __future__ import annotations

from django.db import migrations


def is_coordinator(connection) -> bool:
    """True on a PostgreSQL database where the citus extension is installed and worker
    nodes are registered (a database with the extension and no workers is no cluster)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT count(*) FROM pg_dist_node WHERE groupid > 0")
        return cursor.fetchone()[0] > 0


def _held(cursor, table: str) -> str | None:
    """How Citus holds the table: 'h' distributed by hash, 'r' a reference table, 'n' a
    Citus-managed local table, None when Citus does not hold it."""
    cursor.execute(
        "SELECT CASE WHEN partmethod = 'n' AND repmodel = 't' THEN 'r' ELSE partmethod END"
        " FROM pg_dist_partition WHERE logicalrelid = %s::regclass",
        [table],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def reference(*tables: str) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if not is_coordinator(schema_editor.connection):
            return
        with schema_editor.connection.cursor() as cursor:
            for table in tables:
                if _held(cursor, table) != "r":
                    cursor.execute("SELECT create_reference_table(%s)", [table])

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def distribute(
    table: str,
    column: str,
    *,
    key: tuple[str, ...] = (),
    colocate_with: str = "default",
) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if not is_coordinator(schema_editor.connection):
            return
        quote = schema_editor.quote_name
        with schema_editor.connection.cursor() as cursor:
            if _held(cursor, table) == "h":
                return
            if key:
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass"
                    " AND contype = 'p'",
                    [table],
                )
                (name,) = cursor.fetchone()
                cursor.execute(
                    f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)},"
                    f" ADD CONSTRAINT {quote(name)}"
                    f" PRIMARY KEY ({', '.join(quote(c) for c in key)})"
                )
            cursor.execute(
                "SELECT create_distributed_table(%s, %s, colocate_with => %s)",
                [table, column, colocate_with],
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
