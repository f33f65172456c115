from django.db import migrations

from common import citus


class Migration(migrations.Migration):
    """On a Citus coordinator (decision 110): the catalogue and the rules are reference
    tables, and the feeds' values and folds, the tables that grow by the billion rows a
    province-month, are sharded by their batch (a county's department's month) and
    co-located, so a batch's load, fold and removal stay on one shard. The values' key
    becomes (id, batch_id, period): Citus keeps only keys that hold the distribution
    column. Nothing happens on SQLite or plain PostgreSQL."""

    dependencies = [
        ("monitoring", "0015_feeds_by_period"),
        ("villages", "0005_regions_on_every_node"),
    ]

    operations = [
        citus.reference(
            "monitoring_department",
            "monitoring_dataitem",
            "monitoring_feedmapping",
            "monitoring_riskrule",
            "monitoring_monitoringline",
            "monitoring_portraitrule",
        ),
        citus.distribute("monitoring_feedvalue", "batch_id", key=("id", "batch_id", "period")),
        citus.distribute("monitoring_feedfold", "batch_id", colocate_with="monitoring_feedvalue"),
    ]
