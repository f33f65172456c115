"""`manage.py escalate_overdue`: the periodic task's work, from a shell or cron. Ends with
`escalated_to_township=<n> escalated_to_county=<n>`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from grid import services


class Command(BaseCommand):
    help = "Escalate residents' matters past their deadline (village → township → county)."

    def handle(self, *args, **options):
        counts = services.escalate_overdue()
        self.stdout.write(
            f"escalated_to_township={counts['to_township']} "
            f"escalated_to_county={counts['to_county']}"
        )
