"""The demo's month of department data, screened: `demo_screening [--if-empty]`.

Writes last month's files for the demo households (make_feeds) into a temporary folder,
ingests each, deletes them (they hold full ID numbers) and runs the screening, so the
alert queue of `make run` is not empty.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from households import services as registry
from households.models import Household, MonitoringCategory, ResidentStatus
from monitoring import checks, comparison, month, reminders, services
from monitoring.models import (
    Alert,
    CheckLevel,
    CheckResult,
    FeedBatch,
    HouseholdIncome,
    MeasureKind,
    Monitored,
    Stage,
    previous_period,
)
from villages.models import Region, StaffAssignment


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
        self.stdout.write(self._enrolled())
        self.stdout.write(self._method())
        self.stdout.write(self._month())

    def _enrolled(self) -> str:
        """Households enrolled three months ago, as the workflow leaves them (an enrolled
        alert, the monitored record with its members, the registry's mirror): three in
        each village but the last two, which the portraits then show yellow for having
        no monitored household."""
        county_officer = get_user_model().objects.filter(username="county").first()
        if county_officer is None:
            return "no demo county officer: no household enrolled"
        today = timezone.localdate()
        enrolled_on = today - datetime.timedelta(days=90)
        villages = list(Region.objects.filter(level="village").order_by("code"))[:-2]
        count = 0
        for village in villages:
            taken = Alert.objects.filter(village=village).values("household_id")
            for household in (
                Household.objects.filter(village=village)
                .exclude(pk__in=taken)
                .order_by("number")[:3]
            ):
                opened = timezone.now() - datetime.timedelta(days=120)
                alert = Alert.objects.create(
                    household=household,
                    village=village,
                    source="visit",
                    stage=Stage.ENROLLED,
                    level="high",
                    causes=["illness"],
                    due_date=enrolled_on,
                    opened_at=opened,
                    closed_at=opened + datetime.timedelta(days=30),
                )
                monitored = Monitored.objects.create(
                    household=household,
                    alert=alert,
                    category=MonitoringCategory.SUDDEN,
                    causes=["illness"],
                    enrolled_on=enrolled_on,
                    approved_by=county_officer,
                    sudden_amount=Decimal("36000"),
                )
                members = household.residents.filter(status=ResidentStatus.LIVING)
                monitored.members.set(members)
                # its 明白卡 of last year: mostly wages, some farming, transfers, a big
                # medical bill (the income structure of the portraits reads these)
                HouseholdIncome.objects.update_or_create(
                    household=household,
                    year=today.year - 1,
                    defaults={
                        "wages": Decimal(12000 + 3000 * (count % 4)),
                        "business": Decimal(4000 + 1000 * (count % 3)),
                        "property_income": Decimal(300 * (count % 2)),
                        "transfers": Decimal(3600),
                        "medical": Decimal(9000),
                        "members": max(members.count(), 1),
                    },
                )
                registry.monitoring_mirror_set(
                    household=household,
                    category=MonitoringCategory.SUDDEN,
                    user=county_officer,
                    reason="纳入监测（演示数据）",
                )
                count += 1
        return f"{count} households enrolled as monitored in {len(villages)} villages"

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
                # what the visit found, set against the departments' data
                medical_costs=Decimal("18000"),
                dibao="no",
                disability="no",
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
            if days_ago == 5:  # one difference explained, the others waiting for theirs
                for row in comparison.compare(alert):
                    if row.differs:
                        services.explain_difference(
                            alert=alert,
                            user=cadre,
                            topic=row.topic,
                            text="医保数据含已报销部分，入户核实为个人实际自付",
                        )
            if township is not None:  # 结对帮扶: the township pairs each with the cadre
                services.pair(household=alert.household, cadre=cadre, user=township)
        return f"{len(alerts)} alerts verified by the demo cadre, with measures and pairings"

    def _month(self) -> str:
        """The rest of the method's month: the county reminds the villages the portraits
        colour yellow or red (the demo cadre's, with a measure overdue, among them), a
        three-level check runs with some of the village's households checked, and the
        village's review meeting of last month is on record."""
        users = get_user_model().objects.in_bulk(
            ["cadre", "county", "township"], field_name="username"
        )
        cadre, county_officer = users.get("cadre"), users.get("county")
        assignment = StaffAssignment.objects.filter(user=cadre).select_related("region").first()
        if cadre is None or county_officer is None or assignment is None:
            return "no demo cadre or county officer: the month not added"
        village = assignment.region
        county = Region.objects.get(code=village.code[:6])
        today = timezone.localdate()
        sent = reminders.remind(user=county_officer, county=county, year=today.year)
        campaign = checks.start(
            user=county_officer,
            county=county,
            name=f"{today.year}年冬季三级排查",
            starts_on=today - datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=23),
            sample_share=10,
        )
        households = list(Household.objects.filter(village=village).order_by("number")[:12])
        for n, household in enumerate(households):
            concern = n == 5
            checks.mark(
                campaign=campaign,
                level=CheckLevel.VILLAGE,
                household=household,
                user=cadre,
                result=CheckResult.CONCERN if concern else CheckResult.FINE,
                note="户主摔伤，暂不能务工" if concern else "",
            )
        last = today.replace(day=1) - datetime.timedelta(days=1)
        alert = Alert.objects.filter(village=village).order_by("-score").first()
        month.record_meeting(
            village=village,
            user=cadre,
            held_on=last.replace(day=min(last.day, 25)),
            attendees="驻村第一书记、村党支部书记、村委会主任、监督委员会主任、网格员",
            minutes="研判本月新增预警及收入接近监测线的农户；对一户突发大病户提出帮扶意见。",
            decisions=[
                {"text": "一周内入户核实并提出帮扶措施", "alert": alert.pk if alert else None},
                {"text": "请镇医保站协助办理医疗救助"},
            ],
        )
        for n, monitored in enumerate(
            Monitored.objects.current().filter(household__village=village)[:2]
        ):
            month.look_back(
                monitored=monitored,
                user=cadre,
                still_at_risk=n == 0,
                measures_working=True,
                ready=n == 1,
                note="医疗救助已到位" if n else "仍在住院治疗",
            )
        return (
            f"{len(sent)} village(s) reminded, a check campaign with {len(households)} "
            f"households checked, last month's review meeting of {village.name}"
        )
