"""The demo's notices, messages and market: `demo_notices [--if-empty] [--force]`.

For the demo county, township and the demo cadres' villages, through the services (the
one way in): a county policy explainer (the hardship self-report), a township
announcement, each village's rules, points rules, party and village affairs, a
financial disclosure of three months with its lines, an expired notice (it shows
nowhere); messages to the village (named with a public reply, anonymous, new); produce
listings (published and waiting); a broadcast from the township to its villages' staff.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from grid.models import Hazard
from households import services as registry
from households.models import Household, ListingKind
from notices import callouts, services
from notices.models import Audience, CalloutKind, Category, Direction, Notice, SpeakerZone, Topic
from villages.models import Level, Region, Role, StaffAssignment

POLICY = (
    "一、谁可以申报：因病、因残、因灾、因意外事故等原因，家庭收入骤减或支出骤增、"
    "生活出现困难的农户。\n二、怎么申报：扫描家门口的“一户一码”，点“困难自主申报”，"
    "写明发生了什么；也可以到村委会或告诉网格员。\n三、多久答复：村里在 15 日内入户核实，"
    "乡镇复核后给出结果。\n四、不收取任何费用，任何人不得以任何理由拒收申报。"
)
RULES = (
    "一、爱党爱国，遵纪守法。\n二、孝老爱亲，邻里和睦。\n三、移风易俗，红白事简办。\n"
    "四、爱护环境，垃圾分类，不乱倒乱堆。\n五、安全用火用电，秸秆不焚烧。"
)
POINTS = (
    "积分每月公示一次，每户可凭积分到村供销社兑换生活用品（1 分折合 1 元商品）。\n"
    "加分项：好人好事、志愿服务、孝老爱亲、庭院整洁等；扣分项：乱倒垃圾、违规燃放等。\n"
    "有异议的，公示期内向村务监督委员会反映。"
)
INCOME = [("上级转移支付", 52000), ("集体资产租金", 18600), ("光伏发电收益", 9400)]
EXPENSE = [("村干部报酬", 24000), ("道路维修", 12800), ("保洁员工资", 6000), ("办公费", 1850)]
PRODUCE = [
    (ListingKind.SELL, "脐橙", 500, "斤", Decimal("3.50"), "自家果园，现摘现发"),
    (ListingKind.SELL, "土鸡蛋", 300, "个", Decimal("1.20"), ""),
    (ListingKind.SELL, "脐橙", 200, "斤", None, "量大可议价"),
    (ListingKind.SELL, "稻谷", 2000, "斤", Decimal("1.45"), "今年新谷"),
    (ListingKind.BUY, "稻种", 50, "斤", None, "求购早稻种"),
    (ListingKind.SELL, "蜂蜜", 40, "斤", Decimal("60"), "土蜂蜜"),
]


class Command(BaseCommand):
    help = "Add demo notices, messages, produce listings and a broadcast."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="only when no notice exists")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, if_empty: bool, force: bool, seed: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_notices writes demo data; use --force with DEBUG off")
        if if_empty and Notice.objects.exists():
            self.stdout.write("notices exist already; demo notices not added")
            return
        cadres = list(
            StaffAssignment.objects.filter(
                role=Role.VILLAGE_CADRE, user__username__in=["cadre", "cadre2"]
            )
            .select_related("user", "region__parent__parent")
            .order_by("user__username")
        )
        if not cadres:
            raise CommandError("run seed_demo first: the demo cadres are missing")
        rng = random.Random(seed)  # noqa: S311 (demo data)
        today = timezone.localdate()
        township = cadres[0].region.parent
        county = township.parent if township else None
        if township is None or county is None:
            raise CommandError("the demo cadres' villages have no township or county")
        officer = (
            StaffAssignment.objects.filter(role=Role.TOWNSHIP_OFFICER, region=township)
            .select_related("user")
            .first()
        )
        county_officer = (
            StaffAssignment.objects.filter(role=Role.COUNTY_OFFICER, region=county)
            .select_related("user")
            .first()
        )
        author = (county_officer or cadres[0]).user
        with transaction.atomic():
            self._notice(
                county,
                author,
                Category.POLICY,
                "政策明白纸：困难自主申报",
                POLICY,
                pinned=True,
                on=today - datetime.timedelta(days=40),
            )
            self._notice(
                township,
                (officer or cadres[0]).user,
                Category.ANNOUNCEMENT,
                f"{township.name}关于冬季森林防火的通告",
                "进入森林防火期，严禁野外用火。发现火情请立即拨打 12119。",
                on=today - datetime.timedelta(days=5),
            )
            for assignment in cadres:
                self._village(assignment.region, assignment.user, rng, today)
            if officer:
                services.broadcast_send(
                    sender=officer.user,
                    region=township,
                    audience=Audience.ALL,
                    title="本周五前完成防返贫监测入户核查",
                    body="请各村对预警名单逐户核实，在系统中填写核查结果。",
                )
            for assignment in cadres:
                self._callouts(assignment.region, assignment.user)
        self.stdout.write(f"notices: {Notice.objects.count()} notices in {len(cadres)} villages")

    def _callouts(self, village, cadre) -> None:
        """The village's loudspeaker zones (one a villager group, one at the village
        office for the whole village) and two broadcasts: a fire warning to the whole
        village, and a reminder to the households with an open hazard (sent at once:
        emergencies do not wait for the day)."""
        groups = Region.objects.filter(parent=village, level=Level.GROUP).order_by("code")
        if not SpeakerZone.objects.filter(village=village).exists():
            callouts.zone_add(
                user=None, village=village, name="村部广场", zone_id=f"{village.code}-00"
            )
            for index, group in enumerate(groups, start=1):
                callouts.zone_add(
                    user=None,
                    village=village,
                    name=f"{group.name}喇叭",
                    zone_id=f"{village.code}-{index:02d}",
                    groups=[group],
                )
        callouts.callout_create(
            sender=cadre,
            region=village,
            kind=CalloutKind.FIRE,
            title="冬季森林防火",
            text="天干物燥，严禁上山烧纸、野外用火。发现火情请立即报告村委会。",
            hours=72,
        )
        # 点对点: the households of an open hazard, else (the demo's hazards are at places)
        # the first of the village's low-lying households by the river
        flagged = Hazard.objects.open().filter(village=village, household__isnull=False)
        households = list(
            Household.objects.filter(pk__in=flagged.values("household_id"))[:20]
        ) or list(Household.objects.filter(village=village).order_by("number")[:8])
        callouts.callout_create(
            sender=cadre,
            region=village,
            kind=CalloutKind.FLOOD,
            title="低洼住户注意防汛",
            text="近期有降雨，请检查房屋周边排水沟，备好手电和雨具，险情请报告网格员。",
            households=households,
            by_speaker=False,
            hours=48,
        )

    def _notice(self, region, user, category, title, body, *, on, pinned=False, until=None):
        notice = services.notice_save(
            Notice(
                region=region,
                category=category,
                title=title,
                body=body,
                pinned=pinned,
                publish_on=on,
                expires_on=until,
            ),
            user=user,
        )
        return services.notice_publish(notice, user=user)

    def _village(self, village, cadre, rng: random.Random, today: datetime.date) -> None:
        self._notice(
            village,
            cadre,
            Category.RULES,
            f"{village.name}村规民约",
            RULES,
            pinned=True,
            on=today - datetime.timedelta(days=90),
        )
        self._notice(
            village,
            cadre,
            Category.POINTS,
            "道德积分细则",
            POINTS,
            on=today - datetime.timedelta(days=60),
        )
        self._notice(
            village,
            cadre,
            Category.PARTY,
            "第四季度党员大会决议公开",
            "全体党员大会于本月召开，审议通过了村集体经济发展计划。",
            on=today - datetime.timedelta(days=12),
        )
        self._notice(
            village,
            cadre,
            Category.VILLAGE,
            "村道硬化工程招标结果公示",
            "公示期七天，有异议请向村务监督委员会反映。",
            on=today - datetime.timedelta(days=30),
            until=today - datetime.timedelta(days=23),
        )
        finance = services.notice_save(
            Notice(
                region=village,
                category=Category.FINANCE,
                title=f"{today.year}年第三季度财务公开",
                body="村集体收支情况如下，欢迎村民监督。",
                publish_on=today - datetime.timedelta(days=20),
            ),
            user=cadre,
        )
        for month in (7, 8, 9):
            first = datetime.date(today.year, month, 1)
            for item, amount in INCOME:
                services.finance_line_add(
                    finance,
                    month=first,
                    direction=Direction.INCOME,
                    item=item,
                    amount=Decimal(amount + rng.randint(0, 900)),
                    by=None,
                )
            for item, amount in EXPENSE:
                services.finance_line_add(
                    finance,
                    month=first,
                    direction=Direction.EXPENSE,
                    item=item,
                    amount=Decimal(amount + rng.randint(0, 400)),
                    by=None,
                )
        services.notice_publish(finance, user=cadre)
        households = list(Household.objects.filter(village=village).order_by("number")[:40])
        if not households:
            return
        named = services.feedback_receive(
            household=households[0],
            topic=Topic.SUGGESTION,
            text="村口路灯坏了两盏，晚上走路不安全，建议尽快修理。",
            anonymous=False,
            name="张大叔",
            phone="",
            publish_reply=True,
        )
        services.feedback_reply(named, user=cadre, reply="已联系电工，本周内修好。谢谢您的建议！")
        services.feedback_receive(
            household=households[1],
            topic=Topic.COMPLAINT,
            text="垃圾清运不及时，村东头垃圾桶经常满出来。",
            anonymous=True,
        )
        services.feedback_receive(
            household=households[2],
            topic=Topic.QUESTION,
            text="今年的医保缴费什么时候截止？能在村里代缴吗？",
            anonymous=False,
            name="李阿姨",
            phone="13907911234",
        )
        for index, (kind, product, quantity, unit, price, note) in enumerate(PRODUCE):
            household = households[(index * 3 + 4) % len(households)]
            listing = registry.listing_post(
                household=household,
                kind=kind,
                product=product,
                quantity=Decimal(quantity),
                unit=unit,
                price=price,
                note=note,
            )
            if index < len(PRODUCE) - 1:
                registry.listing_approve(listing, user=cadre)
