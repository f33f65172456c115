from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from the fill before it: PostgreSQL does not alter a table with the fill's
    row events pending in the same transaction."""

    dependencies = [
        ("grid", "0005_matter_clock_and_supervisor"),
    ]

    operations = [
        migrations.AlterField(
            model_name="matter",
            name="escalate_at",
            field=models.DateTimeField(verbose_name="sent up if still open at"),
        ),
    ]
