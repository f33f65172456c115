"""Name search from an index (issue 7): every one- and two-character piece of a name.

Chinese names are two to four characters, and clerks search for a surname (王), a given
name (飞) or the whole name (王飞). `LIKE '%王飞%'` cannot use a B-tree, and pg_trgm
needs three characters, so on PostgreSQL the index holds each name's unigrams and bigrams:
a term of one or two characters is one index probe, a longer term the probe of its
bigrams, rechecked by the LIKE. SQLite (the demo) scans, which is fine at its size.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION portal_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(name, i, 1) AS gram FROM generate_series(1, char_length(name)) AS i
        UNION ALL
        SELECT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) AS i
    ) AS grams
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS resident_name_grams_idx ON households_resident "
    "USING gin (portal_name_grams(name))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS resident_name_grams_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_name_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("households", "0006_masked_beside_cipher")]

    operations = [migrations.RunPython(create, drop)]
