from django.db import migrations, models

from common import partitions


class Migration(migrations.Migration):
    """The tables that grow with counties × months are partitioned by period on
    PostgreSQL (issue 27, decision 111): the feeds' values and folds (which carry their
    batch's period from now on) and the assessments. Nothing is partitioned on SQLite."""

    dependencies = [
        ("monitoring", "0014_feed_folds"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedvalue",
            name="period",
            field=models.CharField(default="", max_length=7, verbose_name="period"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="feedfold",
            name="period",
            field=models.CharField(default="", max_length=7, verbose_name="period"),
            preserve_default=False,
        ),
        migrations.RunSQL(
            [
                "UPDATE monitoring_feedvalue SET period = (SELECT b.period FROM"
                " monitoring_feedbatch b WHERE b.id = monitoring_feedvalue.batch_id)",
                "UPDATE monitoring_feedfold SET period = (SELECT b.period FROM"
                " monitoring_feedbatch b WHERE b.id = monitoring_feedfold.batch_id)",
            ],
            migrations.RunSQL.noop,
            elidable=False,
        ),
        partitions.by_period("monitoring_feedvalue", key=("id",)),
        partitions.by_period("monitoring_feedfold", key=("batch_id", "household_id", "item_id")),
        partitions.by_period("monitoring_assessment", key=("id",)),
    ]
