"""The demo's month of department data, screened: `demo_screening [--if-empty]`.

Writes last month's files for the demo households (make_feeds) into a temporary folder,
ingests each, deletes them (they hold full ID numbers) and runs the screening, so the
alert queue of `make run` is not empty.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from monitoring import services
from monitoring.models import Alert, FeedBatch, MeasureKind, Stage, previous_period
from villages.models import StaffAssignment


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
        self.stdout.write(self._method())

    def _method(self) -> str:
        """The demo village's cadre has verified three alerts: one eight days ago with no
        measure yet (flagged overdue), two with measures (one under way); the township
        paired each household with her."""
        cadre = get_user_model().objects.filter(username="cadre").first()
        assignment = StaffAssignment.objects.filter(user=cadre).select_related("region").first()
        if cadre is None or assignment is None:
            return "no demo cadre: measures not added"
        today = timezone.localdate()
        alerts = list(
            Alert.objects.open()
            .filter(village=assignment.region, stage=Stage.VERIFY)
            .order_by("-score", "pk")[:3]
        )
        plans = [
            (8, []),
            (3, [(MeasureKind.HEALTH, "申请医疗救助，落实大病保险二次报销", "村医刘", "")]),
            (
                5,
                [
                    (MeasureKind.EMPLOYMENT, "推荐儿子到县工业园务工", "村干部王", "ongoing"),
                    (MeasureKind.INSURANCE, "办理防返贫保险理赔", "村干部王", ""),
                ],
            ),
        ]
        township = get_user_model().objects.filter(username="township").first()
        for alert, (days_ago, measures) in zip(alerts, plans, strict=False):
            services.verify(
                alert=alert,
                user=cadre,
                visit_date=today - datetime.timedelta(days=days_ago),
                findings="入户核实：情况属实",
                income_estimate=None,
                recommendation="enrol",
            )
            for kind, description, responsible, state in measures:
                measure = services.measure_propose(
                    alert=alert,
                    user=cadre,
                    kind=kind,
                    description=description,
                    responsible=responsible,
                    start=today,
                    expected_effect="",
                )
                if state:
                    services.measure_update(measure=measure, user=cadre, status=state, on=today)
            if township is not None:  # 结对帮扶: the township pairs each with the cadre
                services.pair(household=alert.household, cadre=cadre, user=township)
        return f"{len(alerts)} alerts verified by the demo cadre, with measures and pairings"
