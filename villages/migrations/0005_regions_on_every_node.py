from django.db import migrations

from common import citus


class Migration(migrations.Migration):
    """On a Citus coordinator, regions are a reference table: a copy on every node, so a
    distributed table's join to its village stays on its node (decision 110). Nothing
    happens on SQLite or plain PostgreSQL."""

    dependencies = [
        ("villages", "0004_village_work_team"),
    ]

    operations = [
        citus.reference("villages_region"),
    ]
