"""The demo's points bank: `demo_points [--if-empty] [--force]`.

For the demo cadres' villages: a rule catalogue, the co-op's goods, half a year of
approved entries (some still awaiting approval), honours, the village slogan and the
villager representatives' public phones, all through points.services (the one way in).
A second demo cadre (cadre_b) records in both villages and the village's own demo cadre
approves (an entry counts once a cadre other than its recorder approves it); a few
entries are left for the demo cadre to approve.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from households import services as registry
from households.management.commands.seed_demo import DEMO_PASSWORD
from households.models import Household, PublicInfo
from points import services
from points.models import Category, CoopTerms, Good, HonourKind, PointRule
from villages.models import Level, Region, Role, StaffAssignment

RULES = [
    (Category.GOOD_DEEDS, "拾金不昧", 10),
    (Category.GOOD_DEEDS, "见义勇为", 30),
    (Category.VOLUNTEERING, "参加义务劳动", 5),
    (Category.VOLUNTEERING, "参与志愿服务活动", 5),
    (Category.PUBLIC_VIRTUE, "移风易俗、婚事新办", 10),
    (Category.PUBLIC_VIRTUE, "调解邻里纠纷", 8),
    (Category.FILIAL, "孝敬老人", 10),
    (Category.FILIAL, "照顾生病家人", 6),
    (Category.ENVIRONMENT, "庭院干净整洁", 5),
    (Category.ENVIRONMENT, "垃圾分类到位", 3),
    (Category.DEDUCTION, "乱倒垃圾", 5),
    (Category.DEDUCTION, "违规燃放烟花", 10),
]
GOODS = [("洗衣粉", 10, 80), ("食用油 5L", 60, 30), ("大米 10 斤", 40, 50), ("毛巾", 8, 100)]
PLACES = ["村委会", "村广场", "文化礼堂", "家中", "田间", "村道"]
MOTTOS = ["勤俭持家，耕读传家", "孝老爱亲，和睦邻里", "诚实守信，踏实做事", "与人为善，和为贵"]


class Command(BaseCommand):
    help = "Add demo rules, goods, points entries and honours to the demo cadres' villages."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="only when no rule exists")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--seed", type=int, default=9)

    def handle(self, *args, if_empty: bool, force: bool, seed: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_points creates a demo user with a known password; --force")
        if if_empty and PointRule.objects.exists():
            self.stdout.write("points rules exist already; demo points not added")
            return
        User = get_user_model()
        cadres = list(
            StaffAssignment.objects.filter(
                role=Role.VILLAGE_CADRE, user__username__in=["cadre", "cadre2"]
            )
            .select_related("user", "region")
            .order_by("user__username")
        )
        if not cadres:
            raise CommandError("run seed_demo first: the demo cadres are missing")
        rng = random.Random(seed)  # noqa: S311 (demo data)
        today = timezone.localdate()
        with transaction.atomic():
            second, _new = User.objects.get_or_create(
                username="cadre_b", defaults={"first_name": f"{cadres[0].region.name}村干部"}
            )
            second.set_password(DEMO_PASSWORD)
            second.save()
            for assignment in cadres:
                StaffAssignment.objects.get_or_create(
                    user=second, region=assignment.region, role=Role.VILLAGE_CADRE
                )
            entries = 0
            for assignment in cadres:
                entries += self._village(assignment.region, assignment.user, second, rng, today)
        self.stdout.write(
            f"points: {entries} entries in {len(cadres)} villages; "
            f"second cadre: cadre_b / {DEMO_PASSWORD}"
        )

    def _village(self, village: Region, cadre, second, rng: random.Random, today) -> int:
        rules = [
            PointRule.objects.create(village=village, category=c, name=n, points=p)
            for c, n, p in RULES
        ]
        for name, price, stock in GOODS:
            Good.objects.create(village=village, name=name, price=price, stock=stock)
        PublicInfo.objects.create(region=village, slogan="崇德向善 美丽乡村")
        for index, group in enumerate(
            Region.objects.filter(parent=village, level=Level.GROUP).order_by("code")
        ):
            PublicInfo.objects.create(
                region=group,
                representative_name=f"{'王李张刘陈'[index % 5]}代表",
                representative_phone=f"0791-8571{index:04d}",
            )
        households = list(Household.objects.filter(village=village).order_by("number"))
        recorded = 0
        for household in households:
            if not household.motto and rng.random() < 0.6:
                Household.objects.filter(pk=household.pk).update(motto=rng.choice(MOTTOS))
            members = list(household.residents.filter(status="living"))
            for _n in range(rng.randint(0, 8)):
                rule = rng.choice(rules)
                day = today - datetime.timedelta(days=rng.randint(0, 180))
                entry = services.entry_record(
                    household=household,
                    rule=rule,
                    occurred_on=day,
                    place=rng.choice(PLACES),
                    description=rule.name,
                    resident=rng.choice(members) if members and rng.random() < 0.7 else None,
                    user=second,
                )
                recorded += 1
                if rng.random() < 0.95:  # the rest waits for the demo cadre's approval
                    services.entry_approve(entry=entry, user=cadre)
            if rng.random() < 0.15:
                services.honour_award(
                    household=household,
                    kind=HonourKind.STAR_FAMILY,
                    year=today.year - 1,
                    stars=rng.randint(3, 5),
                    user=cadre,
                )
            if rng.random() < 0.03:
                services.honour_award(
                    household=household,
                    kind=HonourKind.MODEL_FAMILY,
                    year=today.year - 1,
                    user=cadre,
                )
        self._coop(village, cadre, households)
        return recorded

    def _coop(self, village: Region, cadre, households: list[Household]) -> None:
        """The co-op's other desk: the village's terms (points cover 20 % of a purchase,
        a point worth one yuan), a purchase paid partly with points, and a family's
        oranges the co-op bought to sell outside (the family's door page says so)."""
        clerk = (
            StaffAssignment.objects.filter(role=Role.COOP_CLERK, region=village)
            .select_related("user")
            .first()
        )
        services.terms_save(CoopTerms(village=village), user=cadre)
        if clerk is None:
            return
        rich = max(households, key=lambda h: services.balance_of(h.pk), default=None)
        if rich is not None and services.balance_of(rich.pk) >= 10:
            services.discount(
                household=rich,
                amount=Decimal("68.00"),
                points=min(services.discount_max(rich, Decimal("68.00")), 10),
                clerk=clerk.user,
                description="大米一袋、食用油一桶",
            )
        seller = households[-1]
        listing = registry.listing_post(
            household=seller,
            kind="sell",
            product="脐橙",
            quantity=Decimal("300"),
            unit="斤",
            price=Decimal("3.5"),
            note="自家果园",
        )
        registry.listing_approve(listing, user=cadre)
        services.produce_buy(
            listing=listing, quantity=Decimal("300"), price=Decimal("3.2"), clerk=clerk.user
        )
