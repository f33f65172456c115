"""Recompute the staff home's village figures (households.stats): what the periodic task
runs every five minutes (--stale) and each night (all villages)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from households.stats import stats_refresh


class Command(BaseCommand):
    help = "Recompute the village figures of the staff home (all, or only the stale ones)."

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="only villages written to")

    def handle(self, *args, stale: bool, **options):
        count = stats_refresh(only_stale=stale)
        if options["verbosity"] >= 1:
            self.stdout.write(f"villages={count}")
