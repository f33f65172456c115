import django.db.models
from django.db import migrations

import common.partitions
from common import partitions


class Migration(migrations.Migration):
    """Access records carry their month and are partitioned by it on PostgreSQL (issue 27,
    decision 111): a month past ACCESS_RETENTION_MONTHS is dropped whole."""

    dependencies = [
        ("households", "0020_presence_inflows"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="period",
            field=django.db.models.CharField(
                default=common.partitions.this_period,
                editable=False,
                max_length=7,
                verbose_name="month",
            ),
        ),
        partitions.period_of("households_accessevent", "created_at"),
        partitions.by_period("households_accessevent", key=("id",)),
    ]
