"""Print the data catalogue as CSV: department_code,item_code,name,unit,type."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand

from monitoring.models import DataItem


class Command(BaseCommand):
    help = "Print the data catalogue as CSV (department_code,item_code,name,unit,type)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="include inactive items")

    def handle(self, *args, **options):
        items = DataItem.objects.select_related("department").order_by("department_id", "code")
        if not options["all"]:
            items = items.filter(active=True)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["department_code", "item_code", "name", "unit", "type"])
        for item in items:
            writer.writerow([item.department.code, item.code, item.name, item.unit, item.type])
