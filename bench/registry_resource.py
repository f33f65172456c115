"""Would django-import-export hold the registry's import at county scale? (issue 23)

A ModelResource for residents with the Chinese headers of the import template, each row
saved by the registry's service (`households.services.resident_register`: the ID rule,
encryption, the keyed hash, the duplicate rule, history), run by django-import-export's
own `import_data` with a dry run (everything is written, then rolled back), on the demo
county in PostgreSQL (`make bench`'s database). The target of issue 23: ≥ 1,000 rows/s.

    make bench-import-export    # DATABASE_URL defaults to make bench's portal_bench

Prints one line: rows=<n> seconds=<s> rows_per_s=<n>. Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402

from households import services  # noqa: E402
from households.idnumbers import check_digit  # noqa: E402
from households.models import Household, Resident  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "2000"))


class ResidentResource(resources.ModelResource):
    household = fields.Field(
        attribute="household", column_name="户编号", widget=widgets.ForeignKeyWidget(Household)
    )
    name = fields.Field(attribute="name", column_name="姓名")
    relation = fields.Field(attribute="relation", column_name="与户主关系")
    labour_ability = fields.Field(attribute="labour_ability", column_name="劳动能力")
    employment = fields.Field(attribute="employment", column_name="就业情况")

    class Meta:
        model = Resident
        fields = ["household", "name", "relation", "labour_ability", "employment"]
        import_id_fields: list[str] = []
        skip_diff = True

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        instance._id_number = row["身份证号"]

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        services.resident_register(
            household=instance.household,
            user=None,
            id_number=instance._id_number,
            name=instance.name,
            relation=instance.relation,
            labour_ability=instance.labour_ability,
            employment=instance.employment,
        )


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Household.objects.exists():
        call_command("seed_demo", "--force", verbosity=0)
    households = list(Household.objects.values_list("pk", flat=True)[:ROWS])
    dataset = tablib.Dataset(
        headers=["户编号", "姓名", "与户主关系", "劳动能力", "就业情况", "身份证号"]
    )
    for n in range(ROWS):
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 7 % 20000)
        first17 = f"360102{born:%Y%m%d}{n % 1000:03d}"  # another district: none registered
        dataset.append(
            [
                households[n % len(households)],
                f"测试{n}",
                "grandchild",
                "normal",
                "farming",
                first17 + check_digit(first17),
            ]
        )
    start = time.perf_counter()
    result = ResidentResource().import_data(dataset, dry_run=True, use_transactions=True)
    seconds = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        first = next(iter(result.row_errors()), None) or result.invalid_rows[:1]
        raise SystemExit(f"rows refused: {first}")
    print(f"rows={ROWS} seconds={seconds:.1f} rows_per_s={ROWS / seconds:.0f}")


if __name__ == "__main__":
    main()
