from django.db import migrations

from common import partitions


class Migration(migrations.Migration):
    """Access records carry their month and are partitioned by it on PostgreSQL (issue 27,
    decision 111): a month past ACCESS_RETENTION_MONTHS is dropped whole."""

    dependencies = [
        ("households", "0020_presence_inflows"),
    ]

    operations = partitions.by_month("accessevent", "households_accessevent", "created_at")
