"""The demo's grids: `demo_grids [--if-empty]`.

Cuts each demo cadre's village into grids, one per villager group (the demo's groups are
of grid size), names their people (the village's demo cadre as chief, the demo grid
worker as informant in the first village, named people in the other roles) and puts the
group's households in, through grid.services.
"""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grid import services
from grid.models import Grid, GridRole
from households.models import Household
from villages.models import Level, Region, Role, StaffAssignment

SURNAMES = "王李张刘陈杨黄赵吴周"


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
        worker = StaffAssignment.objects.filter(
            role=Role.GRID_WORKER, user__username="grid"
        ).select_related("user", "region").first()  # fmt: skip
        rng = random.Random(10)  # noqa: S311 (demo data)
        grids = 0
        with transaction.atomic():
            for assignment in cadres:
                village = assignment.region
                groups = Region.objects.filter(parent=village, level=Level.GROUP).order_by("code")
                for group in groups:
                    grid = services.grid_create(village=village, name=f"{group.name}网格")
                    services.grid_member_add(grid=grid, role=GridRole.CHIEF, user=assignment.user)
                    for role in (GridRole.INSTRUCTOR, GridRole.ADMINISTRATOR, GridRole.SUPERVISOR,
                                 GridRole.PARTY_HEAD):  # fmt: skip
                        name = rng.choice(SURNAMES) + "明华军英"[grids % 4]
                        phone = f"139{rng.randint(10_000_000, 99_999_999)}"
                        services.grid_member_add(grid=grid, role=role, name=name, phone=phone)
                    if worker is not None and worker.region_id == village.pk:
                        services.grid_member_add(grid=grid, role=GridRole.INFORMANT,
                                                 user=worker.user)  # fmt: skip
                    services.households_assign(
                        grid=grid, households=Household.objects.filter(group=group)
                    )
                    grids += 1
        self.stdout.write(f"grids: {grids} in {len(cadres)} villages")
