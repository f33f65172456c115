import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from the fill before it (PostgreSQL does not alter a table with the fill's
    row events pending in the same transaction)."""

    dependencies = [
        ("grid", "0009_village_wide_hazards"),
        ("villages", "0004_village_work_team"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hazard",
            name="village",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.region",
                verbose_name="village",
            ),
        ),
        migrations.AlterField(
            model_name="hazard",
            name="found_on",
            field=models.DateField(verbose_name="found on"),
        ),
    ]
