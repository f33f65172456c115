"""The starting catalogue (../shared/data/feed-catalogue.csv, copied into the app as
monitoring/data/feed-catalogue.csv so a deployment needs nothing beside it) and the column
mappings of the two department exports the samples show (医保 inpatient settlements,
民政 assistance list)."""

import csv
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "feed-catalogue.csv"

MAPPINGS = {
    "YB": {
        "id": "身份证号码",
        "items": {"医疗总费用(元)": "YB01", "个人自付(元)": "YB02", "医疗救助(元)": "YB03"},
        "by": {"column": "就诊类型", "values": {"住院": {}, "门诊慢特病": {"YB04": 1}}},
    },
    "MZ": {
        "id": "身份证号",
        "by": {
            "column": "救助类型",
            "values": {
                "农村低保": {"MZ01": 1, "MZ02": "月保障金（元）"},
                "特困供养": {"MZ03": 1},
                "临时救助": {"MZ04": "月保障金（元）"},
            },
        },
    },
}


def load(apps, schema_editor):
    Department = apps.get_model("monitoring", "Department")
    DataItem = apps.get_model("monitoring", "DataItem")
    FeedMapping = apps.get_model("monitoring", "FeedMapping")
    with CATALOGUE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            department, _ = Department.objects.get_or_create(
                code=row["department_code"], defaults={"name": row["department_name"]}
            )
            DataItem.objects.get_or_create(
                code=row["item_code"],
                defaults={
                    "department": department,
                    "name": row["name"],
                    "unit": row["unit"],
                    "type": row["type"],
                    "meaning": row["meaning"],
                },
            )
    for code, spec in MAPPINGS.items():
        FeedMapping.objects.get_or_create(
            department=Department.objects.get(code=code), defaults={"spec": spec}
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_catalogue_and_feeds")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
