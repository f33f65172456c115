import django.db.models
from django.db import migrations

import common.partitions
from common import partitions


class Migration(migrations.Migration):
    """Notifications carry their month and are partitioned by it on PostgreSQL (issue 27,
    decision 111): a month past NOTIFICATION_RETENTION_MONTHS is dropped whole."""

    dependencies = [
        ("notices", "0003_callouts"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="period",
            field=django.db.models.CharField(
                default=common.partitions.this_period,
                editable=False,
                max_length=7,
                verbose_name="month",
            ),
        ),
        partitions.period_of("notices_notification", "created_at"),
        partitions.by_period("notices_notification", key=("id",)),
    ]
