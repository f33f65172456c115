"""The demo's grids: `demo_grids [--if-empty]`.

Cuts each demo cadre's village into red grids of 30 to 50 households (the county's rule),
names their people (the village's demo cadre as chief, the demo grid worker as informant
and the demo supervisor as 监督员 in the first village, named people in the other roles)
and shares the village's households out among them, through grid.services.
"""

from __future__ import annotations

import datetime
import math
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from grid import services
from grid.models import Grid, GridRole, HazardKind
from households.models import Household
from villages.models import Role, StaffAssignment

SURNAMES = "王李张刘陈杨黄赵吴周"
FINDINGS = [
    "家中一切正常",
    "老人身体尚可，叮嘱按时服药",
    "房屋屋顶有渗水，已提醒修缮",
    "外出务工人员已返乡",
]
PATROL = [
    (10, "slope", "三组后山", "雨后坡面有裂缝，坡下有两户", 5),
    (8, "bridge", "村东石桥", "桥面栏杆松动", -2),
    (3, "water_source", "后山水源地", "水源地护栏缺失", 10),
]
LOG = [
    (
        "村委会",
        "几位老人",
        "反映村道路灯晚上九点就关了，希望延长到十点",
        "群众建议延长村道路灯时间，已采纳",
    ),
    ("村东组", "组长和两户村民", "雨后村东水渠堵塞，积水漫到路面", "村东水渠已安排清淤"),
    ("村卫生室", "村医", "冬季老人感冒较多，建议组织一次义诊", ""),
    ("农户家中", "一户脱贫户", "孩子上高中学费有压力，想了解助学政策", ""),
    ("村广场", "跳广场舞的村民", "希望广场再装两盏灯", "群众建议广场增加照明，正在申请"),
]
MATTERS = [
    ("pension", "normal", "养老金资格认证代办"),
    ("insurance", "routine", "代缴明年城乡居民医保"),
    ("infrastructure", "urgent", "村道路灯损坏"),
    ("dispute", "normal", "邻里排水纠纷"),
]


class Command(BaseCommand):
    help = "Cut the demo cadres' villages into grids, with people and households."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="only when no grid exists")

    def handle(self, *args, if_empty: bool, **options):
        if if_empty and Grid.objects.exists():
            self.stdout.write("grids exist already; demo grids not added")
            return
        cadres = list(
            StaffAssignment.objects.filter(
                role=Role.VILLAGE_CADRE, user__username__in=["cadre", "cadre2"]
            ).select_related("user", "region")
        )
        if not cadres:
            raise CommandError("run seed_demo first: the demo cadres are missing")
        worker = (
            StaffAssignment.objects.filter(role=Role.GRID_WORKER, user__username="grid")
            .select_related("user", "region")
            .first()
        )
        supervisor = (
            StaffAssignment.objects.filter(role=Role.GRID_WORKER, user__username="supervisor")
            .select_related("user", "region")
            .first()
        )
        rng = random.Random(10)  # noqa: S311 (demo data)
        grids = 0
        with transaction.atomic():
            for assignment in cadres:
                village = assignment.region
                households = list(
                    Household.objects.filter(village=village).order_by("group__code", "number")
                )
                # red grids of 30 to 50 households (the county's rule): as many grids as it
                # takes to keep each under the top, the households shared out evenly
                low, high = settings.GRID_HOUSEHOLDS
                count = max(1, math.ceil(len(households) / ((low + high) / 2)))
                # neighbours together: contiguous runs by group and number, near-equal
                base, extra = divmod(len(households), count)
                chunks, start = [], 0
                for i in range(count):
                    size = base + (i < extra)
                    chunks.append(households[start : start + size])
                    start += size
                for n, chunk in enumerate(chunks, start=1):
                    grid = services.grid_create(village=village, name=f"第{n}网格", by=None)
                    services.grid_member_add(
                        grid=grid, role=GridRole.CHIEF, user=assignment.user, by=None
                    )
                    roles = [GridRole.INSTRUCTOR, GridRole.ADMINISTRATOR, GridRole.PARTY_HEAD]
                    if supervisor is not None and supervisor.region_id == village.pk:
                        services.grid_member_add(
                            grid=grid, role=GridRole.SUPERVISOR, user=supervisor.user, by=None
                        )
                    else:
                        roles.append(GridRole.SUPERVISOR)
                    for role in roles:
                        name = rng.choice(SURNAMES) + "明华军英"[grids % 4]
                        phone = f"139{rng.randint(10_000_000, 99_999_999)}"
                        services.grid_member_add(
                            grid=grid, role=role, name=name, phone=phone, by=None
                        )
                    if worker is not None and worker.region_id == village.pk:
                        services.grid_member_add(
                            grid=grid, role=GridRole.INFORMANT, user=worker.user, by=None
                        )
                    services.households_assign(grid=grid, households=chunk, by=None)
                    grids += 1
            if worker is not None:
                self._visits_and_matters(worker, rng)
            for assignment in cadres[:1]:
                self._log(assignment, rng)
                self._patrol(assignment)
        self.stdout.write(f"grids: {grids} in {len(cadres)} villages")

    def _visits_and_matters(self, worker: StaffAssignment, rng: random.Random) -> None:
        """A month and a half of the demo grid worker's visits in their village, and a few
        matters they raised."""
        today = timezone.localdate()
        households = list(Household.objects.filter(village=worker.region).order_by("number"))
        for household in households:
            for days_ago in (rng.randint(0, today.day - 1), rng.randint(today.day, today.day + 27)):
                if rng.random() < 0.7:
                    services.visit_record(
                        household=household,
                        user=worker.user,
                        visited_on=today - datetime.timedelta(days=days_ago),
                        kind="routine",
                        findings=rng.choice(FINDINGS),
                    )
        for household, (category, urgency, title) in zip(
            rng.sample(households, 4), MATTERS, strict=False
        ):
            services.matter_create(
                village=worker.region,
                household=household,
                user=worker.user,
                source="visit",
                category=category,
                urgency=urgency,
                title=title,
                notify_resident=True,
            )

    def _log(self, cadre: StaffAssignment, rng: random.Random) -> None:
        """A week of the first village's 民情日志: an entry a day, one made a matter, one
        summary on the village board."""
        today = timezone.localdate()
        households = list(Household.objects.filter(village=cadre.region).order_by("number"))
        for days_ago, (place, people, raised, summary) in enumerate(LOG):
            entry = services.log_write(
                village=cadre.region,
                user=cadre.user,
                on=today - datetime.timedelta(days=days_ago),
                place=place,
                people=people,
                raised=raised,
                household=rng.choice(households) if days_ago % 2 == 0 else None,
            )
            if summary:
                services.log_publish(entry=entry, user=cadre.user, summary=summary)
            if days_ago == 2:
                services.log_to_matter(entry=entry, user=cadre.user)

    def _patrol(self, cadre: StaffAssignment) -> None:
        """The first village's village-wide patrol: a slope, a bridge, a drinking-water
        source (one overdue, one put right)."""
        today = timezone.localdate()
        for days_ago, kind, place, found, deadline_in in PATROL:
            hazard = services.patrol_hazard(
                village=cadre.region,
                kind=kind,
                place=place,
                description=found,
                found_on=today - datetime.timedelta(days=days_ago),
                deadline=today + datetime.timedelta(days=deadline_in),
                by=cadre.user,
            )
            if kind == HazardKind.WATER_SOURCE:
                services.hazard_close(hazard=hazard, user=cadre.user, note="已加装护栏和警示牌")
