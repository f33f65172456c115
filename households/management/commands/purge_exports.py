"""Delete the files of expired registry exports: what the hourly task runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from households.exports import exports_purge
from households.models import ExportJob, ExportStatus


class Command(BaseCommand):
    help = "Delete the files of registry exports past their retention time."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            count = (
                ExportJob.objects.filter(expires_at__lte=timezone.now())
                .exclude(status=ExportStatus.EXPIRED)
                .count()
            )
        else:
            count = exports_purge()
        if options["verbosity"] >= 1:
            self.stdout.write(f"expired={count}{' (dry run)' if dry_run else ''}")
