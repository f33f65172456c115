"""Run the screening job now: `run_screening [--period YYYY-MM]`.

Ends with `counties=<n> failed=<n> batches=<n> households_scored=<n> alerts_new=<n>
alerts_open=<n>`: the counties screened and those whose run failed, the period's loaded
batches, the households with data in the period, the alerts this run raised and the
alerts open afterwards. The counties run one after another in this process; the nightly
task spreads them over the workers (monitoring.tasks.nightly_screening).
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from monitoring.models import PERIOD_RE
from monitoring.screening import job


class Command(BaseCommand):
    help = "Collect, load, score and raise alerts for a period (default: last month)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: last month)")

    def handle(self, *args, **options):
        period = options.get("period")
        if period and not re.match(PERIOD_RE, period):
            raise CommandError(f"--period must be YYYY-MM, not {period!r}")
        totals = job.run(period)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in totals.items()))
