"""The demo's month of department data, screened: `demo_screening [--if-empty]`.

Writes last month's files for the demo households (make_feeds) into a temporary folder,
ingests each, deletes them (they hold full ID numbers) and runs the screening, so the
alert queue of `make run` is not empty.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from monitoring.models import FeedBatch, previous_period


class Command(BaseCommand):
    help = "Make, ingest and screen a month of demo department data."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="only when no feed exists")
        parser.add_argument("--period", help="YYYY-MM (default: last month)")

    def handle(self, *args, if_empty: bool, period: str | None, **options):
        if if_empty and FeedBatch.objects.exists():
            self.stdout.write("department data exists already; demo feeds not added")
            return
        period = period or previous_period(timezone.localdate())
        with tempfile.TemporaryDirectory(prefix="demo-feeds-") as folder:
            call_command("make_feeds", period=period, out=folder, stdout=io.StringIO())
            for path in sorted(Path(folder).iterdir()):
                out = io.StringIO()
                call_command(
                    "ingest_feed", str(path), department=path.name[:2], period=period, stdout=out
                )
                self.stdout.write(f"{path.name}: {out.getvalue().strip()}")
        out = io.StringIO()
        call_command("run_screening", period=period, stdout=out)
        self.stdout.write(out.getvalue().strip())
