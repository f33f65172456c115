"""The catalogue's items say what they mean in Chinese (issue 22): the shared catalogue
now carries `meaning_zh`; items the county added itself keep an empty one until someone
writes it (the page shows the English meaning meanwhile)."""

import csv
from pathlib import Path

from django.db import migrations, models

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "feed-catalogue.csv"


def fill(apps, schema_editor):
    DataItem = apps.get_model("monitoring", "DataItem")
    with CATALOGUE.open(encoding="utf-8") as handle:
        meanings = {row["item_code"]: row["meaning_zh"] for row in csv.DictReader(handle)}
    for item in DataItem.objects.filter(code__in=meanings, meaning_zh=""):
        item.meaning_zh = meanings[item.code]
        item.save(update_fields=["meaning_zh"])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0007_elimination_proposed_by")]

    operations = [
        migrations.AlterField(
            model_name="dataitem",
            name="meaning",
            field=models.CharField(blank=True, max_length=200, verbose_name="meaning (English)"),
        ),
        migrations.AddField(
            model_name="dataitem",
            name="meaning_zh",
            field=models.CharField(blank=True, max_length=200, verbose_name="meaning (Chinese)"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
