"""Load one department file: `ingest_feed FILE --department CODE --period YYYY-MM`.

Ends with one line `batch=<id> loaded=<n> rejected=<n> duplicate=<yes|no>` and exits 0
when the file was read (rejected rows included); a file it cannot read at all exits 1
with one line saying why. The same file for the same department and period is the batch
already there (duplicate=yes; nothing is loaded again).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.models import Household
from monitoring import feeds
from monitoring.models import PERIOD_RE, BatchStatus, Department
from monitoring.screening import job
from villages.models import Level, Region


class Command(BaseCommand):
    help = "Load a department's feed file (CSV or XLSX) for a period."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--department", required=True, help="department code, e.g. YB")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument(
            "--county", help="county code (6 digits); needed when several counties are loaded"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not re.match(PERIOD_RE, options["period"]):
            raise CommandError(f"--period must be YYYY-MM, not {options['period']!r}")
        try:
            department = Department.objects.get(code=options["department"].upper())
        except Department.DoesNotExist:
            codes = ", ".join(Department.objects.values_list("code", flat=True))
            raise CommandError(f"unknown department {options['department']!r} ({codes})") from None
        county = county_for(options.get("county"))
        try:
            handle = path.open("rb")  # read a megabyte at a time by feed_receive
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        with handle:
            try:
                batch, created = feeds.feed_receive(
                    county=county,
                    department=department,
                    period=options["period"],
                    name=path.name,
                    data=handle,
                )
            except feeds.FeedRefused as exc:
                raise CommandError(f"{path.name}: {exc}") from None
        if batch.status != BatchStatus.LOADED:
            batch = job.stage_now(batch.pk)
        if batch.status == BatchStatus.FAILED:
            raise CommandError(f"{path.name}: {batch.message}")
        self.stdout.write(
            f"batch={batch.pk} loaded={batch.loaded} rejected={batch.rejected} "
            f"duplicate={'no' if created else 'yes'}"
        )


def county_for(code: str | None) -> Region:
    counties = Region.objects.filter(level=Level.COUNTY)
    if code:
        county = counties.filter(code=code).first()
        if county is None:
            raise CommandError(f"no county with code {code!r}")
        return county
    found = list(counties)
    if len(found) > 1:  # several loaded: the one whose villages hold households
        found = [
            c for c in found if Household.objects.filter(village__code__startswith=c.code).exists()
        ]
    if len(found) != 1:
        raise CommandError(
            "give --county: " + ("no county is loaded" if not found else "several hold households")
        )
    return found[0]
