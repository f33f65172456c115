"""Write a month of department files for the demo households:
`make_feeds --period YYYY-MM --out DIR`.

One file per department, named `<DEPARTMENT>_<YYYY-MM>.csv` so that `ingest_feed` (or
the nightly inbox) takes each with its department: the long format in UTF-8 for most,
民政's own wide export in GB18030 with Chinese headers (its column mapping reads it),
and a few bad rows of every kind (a wrong check digit, an unknown item, a word for a
number, another month, a person from elsewhere) as real deliveries have.

The files hold full ID numbers, as a department's do: write them where only the
operator reads them, and delete them once ingested (`demo_screening` does).
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.idnumbers import check_digit, decrypt
from households.models import Resident, ResidentStatus
from monitoring.models import PERIOD_RE

LONG_HEADER = ["id_number", "item_code", "value", "period"]


class Person:
    __slots__ = ("cipher", "dibao", "disability", "employment", "head", "household", "tekun")

    def __init__(self, row):
        (
            self.cipher,
            self.household,
            self.employment,
            self.disability,
            relation,
            self.dibao,
            self.tekun,
        ) = row
        self.head = relation == "head"

    @property
    def id_number(self) -> str:
        return decrypt(self.cipher)


def _stranger(rng: random.Random) -> str:
    """A valid number of a person of another province (no resident of the county)."""
    first17 = f"110105{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 += f"{rng.randint(0, 999):03d}"
    return first17 + check_digit(first17)


def _bad_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


class Command(BaseCommand):
    help = "Write a month of department feed files for the demo households."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--out", required=True, help="directory to write into")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, period: str, out: str, seed: int, **options):
        if not re.match(PERIOD_RE, period):
            raise CommandError(f"--period must be YYYY-MM, not {period!r}")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(f"{seed}-{period}")  # noqa: S311 (demo data, not secrets)
        people = [
            Person(row)
            for row in Resident.objects.filter(status=ResidentStatus.LIVING)
            .order_by("pk")
            .values_list(
                "id_cipher",
                "household_id",
                "employment",
                "disability_grade",
                "relation",
                "household__is_dibao",
                "household__is_tekun",
            )
        ]
        if not people:
            raise CommandError("no residents: run seed_demo first")
        written = []
        for code, rows in self._long_files(people, rng, period).items():
            path = folder / f"{code}_{period}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(LONG_HEADER)
                writer.writerows(rows)
            written.append((path.name, len(rows)))
        path = folder / f"MZ_{period}.csv"
        rows = self._civil_affairs(people, rng, period)
        with path.open("w", encoding="gb18030", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(
                [
                    "乡镇（街道）",
                    "村（社区）",
                    "户主姓名",
                    "身份证号",
                    "救助类型",
                    "保障人数",
                    "月保障金（元）",
                    "起始年月",
                    "备注",
                ]
            )
            writer.writerows(rows)
        written.append((path.name, len(rows)))
        for name, count in written:
            self.stdout.write(f"{name}: {count} rows")

    def _long_files(self, people, rng: random.Random, period: str) -> dict[str, list[list]]:
        files: dict[str, list[list]] = {}

        def some(share: float, who: Callable[[Person], bool] = lambda p: True):
            return [p for p in people if who(p) and rng.random() < share]

        def add(code: str, item: str, person: Person, value) -> None:
            files.setdefault(code, []).append([person.id_number, item, value, period])

        for p in some(0.002):
            add("GA", "GA01", p, 1)
        for p in some(0.003):
            add("GA", "GA02", p, 1)
        for p in some(0.6, lambda p: p.employment == "migrant"):
            add("RS", "RS03", p, rng.randint(2500, 8000))
        for p in some(0.01):
            add("RS", "RS04", p, 1)
        for p in some(0.01):
            add("RS", "RS01", p, 1)
        for p in some(0.01):
            add("WJ", "WJ01", p, 1)
        for p in some(0.05):
            add("WJ", "WJ02", p, rng.randint(1, 3))
        for p in some(0.03):
            total = rng.randint(3000, 150000)
            add("YB", "YB01", p, total)
            add("YB", "YB02", p, round(total * rng.uniform(0.15, 0.4), 2))
            if rng.random() < 0.3:
                add("YB", "YB03", p, round(total * rng.uniform(0.05, 0.15), 2))
        for p in some(1.0, lambda p: p.disability > 0):
            add("CL", "CL01", p, p.disability)
            if p.disability <= 2:
                add("CL", "CL02", p, 1)
        for p in some(0.02, lambda p: p.head):
            add("ZJ", "ZJ01", p, rng.choice([1, 2, 2, 3, 3, 4]))
        for p in some(0.005, lambda p: p.head):
            add("YJ", "YJ01", p, rng.randint(2000, 60000))
        for p in some(0.002, lambda p: p.head):
            add("YJ", "YJ02", p, 1)
        for p in some(0.005):
            add("YJ", "YJ03", p, 1)
        for p in some(0.1, lambda p: p.head):
            add("JY", "JY01", p, rng.randint(1, 2))
        for p in some(0.002):
            add("JY", "JY04", p, 1)
        for p in some(0.3, lambda p: p.head):
            add("CZ", "CZ01", p, rng.randint(200, 2000))
        for p in some(0.003, lambda p: p.head):
            add("CZ", "CZ02", p, 1)
        for p in some(0.2, lambda p: p.head):
            add("NY", "NY02", p, rng.randint(2000, 30000))
        for p in some(0.005, lambda p: p.head):
            add("NY", "NY01", p, 1)
        for p in some(0.003, lambda p: p.head):
            add("SL", "SL01", p, 1)
        for p in some(0.002, lambda p: p.head):
            add("ZR", "ZR01", p, 1)
        for p in some(0.05):
            add("JR", "JR01", p, rng.randint(10000, 200000))
        for p in some(0.01):
            add("JR", "JR02", p, rng.randint(2000, 50000))
            add("JR", "JR03", p, rng.randint(30, 400))
        for p in some(0.002):
            add("JR", "JR05", p, 1)
        # what real deliveries hold besides: one bad row of each kind, spread over files
        victim = rng.choice(people)
        files.setdefault("YB", []).append([_bad_check(victim.id_number), "YB02", 100, period])
        files.setdefault("RS", []).append([victim.id_number, "RS99", 1, period])
        files.setdefault("JR", []).append([victim.id_number, "JR01", "一万", period])
        year, month = map(int, period.split("-"))
        earlier = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
        files.setdefault("WJ", []).append([victim.id_number, "WJ02", 1, earlier])
        files.setdefault("YJ", []).append([_stranger(rng), "YJ03", 1, period])
        return files

    def _civil_affairs(self, people, rng: random.Random, period: str) -> list[list]:
        """民政's own export: one row per assisted household head, names of places."""
        rows = []
        compact = period.replace("-", "")
        for p in people:
            if not p.head:
                continue
            if p.dibao:
                kind, amount = "农村低保", rng.randint(300, 900)
            elif p.tekun:
                kind, amount = "特困供养", rng.randint(900, 1300)
            elif rng.random() < 0.01:
                kind, amount = "临时救助", rng.randint(1000, 5000)
            else:
                continue
            rows.append(
                [
                    "",
                    "",
                    "",
                    p.id_number,
                    kind,
                    rng.randint(1, 5),
                    amount,
                    compact,
                    rng.choice(["", "因病", "因残"]),
                ]
            )
        if rows:
            rows[0][8] = "𬌗字姓名核对"  # a character outside GBK, as the sample has
        return rows
