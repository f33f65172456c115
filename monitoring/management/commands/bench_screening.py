"""The screening at county scale: `bench_screening --households 250000` (PostgreSQL).

Builds (or reuses) a synthetic county of that many households through `seed_demo`, writes
a long-format feed of `--rows` rows (2,000,000) for its residents, and times the
pipeline end to end in a child process — load (read, check, hash, COPY) → match →
score → alerts, i.e. `ingest_feed` then `run_screening` — reporting its rows a second and
its peak RSS. Then django-import-export's standard import (a ModelResource, import_data)
writes a `--slice` (20,000) of the same feed's rows into the same table, for a per-row
ratio. A second run of the screening on the same data must write nothing. Ends with:

    rows=<n> seconds=<s> rows_per_s=<n> peak_rss_mb=<n> import_export_rows_per_s=<n> ratio=<x>
    copy_rows_per_s=<n> copy_ratio=<r> goal_copy_ratio=0.14

The anchor (issue 26): a plain COPY of the same feed file into an unlogged table, measured
before each of three rounds; the screening's best round over the COPY's best.

Run it in a database of its own: it seeds demo households and users there (make
bench-screening does, in portal_bench_screening).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tablib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from import_export import fields, resources

from common.crypto import keyed_digest
from households.idnumbers import decrypt
from households.models import Household, Resident
from monitoring.models import Alert, BatchStatus, DataItem, FeedBatch, FeedValue
from monitoring.screening import match

PERIOD = "2026-10"
ROUNDS = 3  # best of three, each round the plain COPY then the screening (issue 26)
#: issue 26's goal: the screening end to end at ≥ 0.14 × a plain COPY of the same file
GOAL_COPY_RATIO = 0.14


class Command(BaseCommand):
    help = "Time the screening end to end on a synthetic county (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=250_000)
        parser.add_argument("--rows", type=int, default=2_000_000)
        parser.add_argument("--slice", type=int, default=20_000)

    def handle(self, *args, households: int, rows: int, slice: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_screening measures PostgreSQL (set DATABASE_URL)")
        have = Household.objects.count()
        if have < households:
            if have:
                raise CommandError(f"the database holds {have} households; use an empty one")
            self.stdout.write(f"seeding {households} households (seed_demo) …")
            call_command("seed_demo", households=households, force=True, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="bench-screening-") as folder:
            feed = Path(folder) / f"YB_{PERIOD}.csv"
            self._write_feed(feed, rows)
            rounds = []
            for n in range(ROUNDS):
                copy_rate = self._copy_rate(feed)
                FeedBatch.objects.filter(period=PERIOD).delete()
                Alert.objects.filter(period=PERIOD).delete()
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
                seconds, rss = self._timed_run(feed)
                self.stdout.write(
                    f"round {n + 1}: plain COPY {copy_rate:.0f} rows/s, screening "
                    f"{seconds:.1f} s ({rows / seconds:.0f} rows/s), peak RSS {rss:.0f} MB"
                )
                rounds.append((rows / seconds, copy_rate, rss))
            batch = FeedBatch.objects.get(period=PERIOD)
            if batch.status != BatchStatus.LOADED:
                raise CommandError(f"the feed did not load: {batch.message}")
            again = self._child(["run_screening", "--period", PERIOD])
            if "alerts_new=0" not in again:
                raise CommandError(f"a second run changed something: {again}")
            ie_rate = self._import_export(feed, batch, slice)
        # best of three each: the screening's best round over the COPY's best; the peak
        # RSS is the largest of the rounds
        rate = max(r for r, _c, _m in rounds)
        copy_rate = max(c for _r, c, _m in rounds)
        rss = max(m for _r, _c, m in rounds)
        self.stdout.write(
            f"loaded={batch.loaded} rejected={batch.rejected} "
            f"alerts={Alert.objects.filter(period=PERIOD).count()}"
        )
        self.stdout.write(
            f"rows={rows} seconds={rows / rate:.1f} rows_per_s={rate:.0f} peak_rss_mb={rss:.0f} "
            f"import_export_rows_per_s={ie_rate:.0f} ratio={rate / ie_rate:.0f} "
            f"copy_rows_per_s={copy_rate:.0f} copy_ratio={rate / copy_rate:.3f} "
            f"goal_copy_ratio={GOAL_COPY_RATIO}"
        )

    def _write_feed(self, path: Path, rows: int) -> None:
        """YB items for the residents in turn; about 1 % of the people at risk."""
        rng = random.Random(8)  # noqa: S311 (synthetic data)
        numbers = [
            decrypt(c) for c in Resident.objects.order_by("pk").values_list("id_cipher", flat=True)
        ]
        items = ["YB01", "YB02", "YB03", "YB04"]
        with path.open("w", encoding="utf-8") as handle:
            handle.write("id_number,item_code,value,period\n")
            for i in range(rows):
                number = numbers[i % len(numbers)]
                item = items[(i // len(numbers)) % len(items)]
                if item == "YB04":
                    value = "1" if rng.random() < 0.02 else "0"
                elif item == "YB02" and rng.random() < 0.01:
                    value = str(rng.randint(20_000, 90_000))
                else:
                    value = f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}"
                handle.write(f"{number},{item},{value},{PERIOD}\n")

    def _copy_rate(self, feed: Path) -> float:
        """The anchor (issue 26): rows a second of a plain COPY of the same file into an
        unlogged table of four text columns, no index, nothing checked."""
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_plain_copy")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_plain_copy"
                " (id_number text, item_code text, value text, period text)"
            )
            start = time.perf_counter()
            with (
                feed.open("rb") as handle,
                cursor.copy("COPY bench_plain_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while data := handle.read(1 << 20):
                    copy.write(data)
            seconds = time.perf_counter() - start
            cursor.execute("SELECT count(*) FROM bench_plain_copy")
            (copied,) = cursor.fetchone()
            cursor.execute("DROP TABLE bench_plain_copy")
        return copied / seconds

    def _child(self, args: list[str]) -> str:
        result = subprocess.run(  # noqa: S603 (this interpreter and manage.py)
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env=os.environ.copy(),
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"{args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout.strip().splitlines()[-1]

    def _timed_run(self, feed: Path) -> tuple[float, float]:
        """ingest_feed then run_screening in a child process: wall time and peak RSS."""
        code = (
            "import time\n"
            "from django.core.management import call_command\n"
            "start = time.perf_counter()\n"
            f"call_command('ingest_feed', {str(feed)!r}, department='YB', period={PERIOD!r})\n"
            f"call_command('run_screening', period={PERIOD!r})\n"
            "seconds = time.perf_counter() - start\n"
            # VmHWM, not getrusage's ru_maxrss: Linux carries the forking parent's peak
            # (this command's, which held the feed's numbers) across exec
            "rss = int(next(l for l in open('/proc/self/status')"
            " if l.startswith('VmHWM')).split()[1]) / 1024\n"
            "print(f'timed seconds={seconds:.3f} rss={rss:.1f}')\n"
        )
        out = self._child(["shell", "-c", code])
        parts = dict(p.split("=") for p in out.split()[1:])
        return float(parts["seconds"]), float(parts["rss"])

    def _import_export(self, feed: Path, batch: FeedBatch, count: int) -> float:
        """django-import-export's standard import of `count` rows of the same feed into the
        same table (rows as the table holds them: the resident and household the number
        is matched to, the item, the value), in a transaction rolled back afterwards."""

        # the keys as plain ids (fields.Field on the *_id attribute): the foreign-key
        # widgets would look up each row's batch, item, resident and household, four
        # queries a row, and make the comparison unfair to django-import-export
        class FeedValueResource(resources.ModelResource):
            batch = fields.Field(attribute="batch_id", column_name="batch")
            item = fields.Field(attribute="item_id", column_name="item")
            resident = fields.Field(attribute="resident_id", column_name="resident")
            household = fields.Field(attribute="household_id", column_name="household")

            class Meta:
                model = FeedValue
                fields = ("batch", "line", "item", "value", "resident", "household")
                import_id_fields = ()

        items = dict(DataItem.objects.filter(department__code="YB").values_list("code", "pk"))
        residents = match.county_residents(batch.county.code)
        columns = ["batch", "line", "item", "value", "resident", "household"]
        dataset = tablib.Dataset(headers=columns)
        with feed.open(encoding="utf-8") as handle:
            next(handle)
            for line, text in enumerate(handle, start=2):
                if line > count + 1:
                    break
                number, code, value, _period = text.rstrip("\n").split(",")
                resident, household = match.unpack(residents[keyed_digest(number)])
                dataset.append([batch.pk, line, items[code], value, resident, household])
        del residents
        resource = FeedValueResource()
        with transaction.atomic():
            start = time.perf_counter()
            result = resource.import_data(dataset, dry_run=False, raise_errors=True)
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        if result.has_errors() or result.totals.get("new", 0) != count:
            raise CommandError(f"django-import-export did not import the slice: {result.totals}")
        return count / seconds
