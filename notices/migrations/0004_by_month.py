from django.db import migrations

from common import partitions


class Migration(migrations.Migration):
    """Notifications carry their month and are partitioned by it on PostgreSQL (issue 27,
    decision 111): a month past NOTIFICATION_RETENTION_MONTHS is dropped whole."""

    dependencies = [
        ("notices", "0003_callouts"),
    ]

    operations = partitions.by_month("notification", "notices_notification", "created_at")
