"""Fill an empty database with a believable demo county, so the portal can be tried at once.

Loads the real 2023 division codes from ../shared/data (DESIGN §2), then invents villages,
villager groups, households and residents below three real townships of 南昌县, and one
demo user per role. Only for trying the portal: it refuses to run with DEBUG off unless
--force is given, and it prints the demo passwords.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from faker import Faker

from households import services
from households.idnumbers import check_digit
from households.models import (
    Education,
    Employment,
    Health,
    Household,
    LifeEventKind,
    LivingEnvironment,
    PovertyStatus,
    Relation,
)
from households.services import NewHousehold, NewResident
from villages.models import Level, Region, Role, StaffAssignment
from villages.services import regions_load

SEED_FILE = settings.BASE_DIR.parent / "shared" / "data" / "regions" / "seed-counties-2023.csv"
COUNTY = "360121"  # 南昌县
TOWNSHIPS = ["360121104", "360121202", "360121203"]  # 幽兰镇, 塔城乡, 黄马乡
# Above this many households the demo becomes a whole county: every 镇 and 乡 of 南昌县
# (codes 1xx and 2xx), about a thousand households a village (issue 7's county scale).
COUNTY_SCALE = 20_000
HOUSEHOLDS_PER_VILLAGE = 1_000
# Households written per transaction step: memory stays flat whatever the total.
BATCH = 2_000
VILLAGE_SURNAMES = (
    "张李王刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
VILLAGE_SUFFIXES = [
    "村",
    "坊村",
    "桥村",
    "湖村",
    "山村",
    "垄村",
    "洲村",
    "岭村",
]  # 张家村, 李家桥村 …
VILLAGE_NAMES = [
    ["渡头村", "前湖村", "南山村", "东湖村"],
    ["塔城村", "河口村", "新坊村", "罗家村"],
    ["黄马村", "白虎村", "桥头村", "涂家村"],
]
GROUP_NAMES = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]
REASON = "演示数据"
DEMO_PASSWORD = "demo-village-2026"  # noqa: S105 (printed for the demo on purpose)
SKILLS = ["", "", "", "电工", "泥瓦工", "厨师", "驾驶", "养殖", "种植", "木工", "电商", "缝纫"]
PLACES = ["南昌市", "广东省东莞市", "浙江省义乌市", "上海市", "福建省厦门市", "江苏省苏州市"]


def pick(rng: random.Random, weighted: list[tuple[object, float]]):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class Command(BaseCommand):
    help = "Create a demo county with ≥5,000 households (only for trying the portal)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=5200)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if households exist already"
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--regions", type=Path, default=SEED_FILE)
        parser.add_argument(
            "--county",
            default=COUNTY,
            help="another county of the region codes, seeded beside the demo county "
            "(a province's benchmark, issue 27): its 镇 and 乡, no demo logins",
        )

    def handle(self, *args, households: int, seed: int, if_empty: bool, force: bool, **opts):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates demo users with known passwords; use --force")
        self.county = opts["county"]
        demo = self.county == COUNTY
        # another county goes beside what is there, once (the demo county comes first)
        mine = Household.objects.filter(village__code__startswith=self.county)
        taken = (Household.objects if demo else mine).exists()
        if if_empty and taken:
            self.stdout.write("households exist already; demo data not added")
            return
        if taken:
            raise CommandError("the database holds households already; seed an empty database")
        try:
            data = opts["regions"].read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read the region codes at {opts['regions']}: {exc}") from exc
        self.verbosity = opts["verbosity"]
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.today = datetime.date.today()  # noqa: DTZ011 (demo ages need no time zone)
        # the next sequence number per birth date and sex: bounded by the number of dates,
        # not by the number of people (a set of used numbers would grow with the county)
        self.next_seq: dict[tuple[datetime.date, str], int] = {}
        with transaction.atomic():
            loaded = regions_load(data=data)
            if not Region.objects.filter(code=self.county, level=Level.COUNTY).exists():
                raise CommandError(f"no county {self.county} among the region codes")
            villages = self._villages(households)
            created = self._households(villages, households)
            users = []
            if demo:
                self._inflows([villages[0], villages[4]] if len(villages) > 4 else villages[:1])
                users = self._users(villages)
        if opts["verbosity"] >= 1:
            self.stdout.write(
                f"regions: {loaded.created} loaded; villages: {len(villages)}; "
                f"households: {created[0]}; residents: {created[1]}"
            )
            self.stdout.write(f"\nDemo logins (demo only; password for all: {DEMO_PASSWORD})")
            for username, role, region in users:
                self.stdout.write(f"  {username:<10} {role:<18} {region}")

    # --- regions ---------------------------------------------------------------------
    def _village_plan(self, households: int) -> list[tuple[Region, list[str]]]:
        """(township, village names) for the demo's size."""
        if households <= COUNTY_SCALE and self.county == COUNTY:
            return [
                (Region.objects.get(code=code), names)
                for code, names in zip(TOWNSHIPS, VILLAGE_NAMES, strict=True)
            ]
        townships = list(
            Region.objects.filter(
                level=Level.TOWNSHIP,
                code__startswith=self.county,
                code__regex=r"^\d{6}[12]\d\d$",
            )
        )
        wanted = -(-households // HOUSEHOLDS_PER_VILLAGE)
        names = [f"{c}家{suffix}" for suffix in VILLAGE_SUFFIXES for c in VILLAGE_SURNAMES]
        self.rng.shuffle(names)
        plan: list[tuple[Region, list[str]]] = [(t, []) for t in townships]
        for index in range(wanted):
            plan[index % len(plan)][1].append(names[index % len(names)])
        return plan

    def _villages(self, households: int) -> list[Region]:
        villages = []
        groups = []
        for township, names in self._village_plan(households):
            for index, name in enumerate(names):
                # 2xx: 村委会 by the NBS coding rule
                village = Region(
                    code=f"{township.code}{201 + index:03d}",
                    name=name,
                    level=Level.VILLAGE,
                    parent=township,
                )
                villages.append(village)
        Region.objects.bulk_create(villages, batch_size=1000)
        for village in villages:
            for g in range(self.rng.randint(5, 8)):
                groups.append(
                    Region(
                        code=f"{village.code}{g + 1:03d}",
                        name=GROUP_NAMES[g],
                        level=Level.GROUP,
                        parent=village,
                    )
                )
        Region.objects.bulk_create(groups, batch_size=1000)
        # reloaded for their ids (SQLite's bulk_create does not set them)
        return list(Region.objects.filter(code__in=[v.code for v in villages]).order_by("code"))

    # --- people ----------------------------------------------------------------------
    def _id_number(self, birth: datetime.date, sex: str) -> str:
        # odd sequence numbers for men, even for women (GB 11643)
        seq = self.next_seq.get((birth, sex), 1 if sex == "M" else 0)
        if seq > 999:
            raise CommandError(f"more than 500 demo people of one sex born on {birth}")
        self.next_seq[(birth, sex)] = seq + 2
        first17 = f"{self.county}{birth:%Y%m%d}{seq:03d}"
        return first17 + check_digit(first17)

    def _birth(self, age: int) -> datetime.date:
        """A birth date that makes the person exactly `age` today (never in the future)."""
        try:
            last_birthday = self.today.replace(year=self.today.year - age)
        except ValueError:  # 29 February
            last_birthday = self.today.replace(year=self.today.year - age, day=28)
        return last_birthday - datetime.timedelta(days=self.rng.randrange(0, 365))

    def _person(self, household, relation, age, sex, surname=None) -> NewResident:
        rng = self.rng
        age = max(0, min(age, 99))
        given = self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()
        name = (surname or self.fake.last_name()) + given
        birth = self._birth(age)
        number = self._id_number(birth, sex)
        if age < 16:
            labour = "none"
        elif age <= 60:
            labour = pick(rng, [("normal", 70), ("skilled", 15), ("weak", 10), ("lost", 5)])
        elif age <= 70:
            labour = pick(rng, [("weak", 50), ("normal", 20), ("lost", 15), ("none", 15)])
        else:
            labour = pick(rng, [("none", 70), ("lost", 30)])
        if age < 6:
            employment = Employment.NOT_APPLICABLE
        elif age < 16 or (age <= 18 and rng.random() < 0.7):
            employment = Employment.STUDENT
        elif age <= 60:
            employment = pick(
                rng,
                [
                    (Employment.MIGRANT, 35),
                    (Employment.FARMING, 28),
                    (Employment.LOCAL, 15),
                    (Employment.BUSINESS, 5),
                    (Employment.PUBLIC_POST, 3),
                    (Employment.UNEMPLOYED, 9),
                    (Employment.STUDENT, 10 if age <= 22 else 0),
                ],
            )
            if labour == "lost":
                employment = Employment.UNEMPLOYED
        else:
            employment = pick(rng, [(Employment.RETIRED, 60), (Employment.FARMING, 40)])
        if age < 6:
            education = Education.PRESCHOOL
        elif age < 12:
            education = Education.PRIMARY
        elif age < 15:
            education = Education.JUNIOR
        elif age > 65:
            education = pick(
                rng, [(Education.ILLITERATE, 40), (Education.PRIMARY, 45), (Education.JUNIOR, 15)]
            )
        else:
            education = pick(
                rng,
                [
                    (Education.PRIMARY, 15),
                    (Education.JUNIOR, 40),
                    (Education.SENIOR, 18),
                    (Education.VOCATIONAL, 12),
                    (Education.COLLEGE, 9),
                    (Education.BACHELOR, 6),
                ],
            )
        old = age > 60
        health = pick(
            rng,
            [
                (Health.HEALTHY, 70 if old else 90),
                (Health.CHRONIC, 24 if old else 8),
                (Health.SERIOUS, 6 if old else 2),
            ],
        )
        grade = 0
        kind = ""
        if rng.random() < (0.1 if old else 0.05):
            grade = rng.randint(1, 4)
            kind = rng.choice(["visual", "hearing", "speech", "physical", "intellectual", "mental"])
            if grade <= 2 and age >= 16:
                labour = "lost"
                if employment not in (Employment.RETIRED, Employment.STUDENT):
                    employment = Employment.UNEMPLOYED
        if age >= 18 and rng.random() < 0.07:
            political = "cpc"
        elif 14 <= age <= 28 and rng.random() < 0.15:
            political = "cyl"
        else:
            political = "masses"
        phone = ""
        if 16 <= age <= 75 and rng.random() < 0.85:
            phone = rng.choice(["138", "139", "150", "151", "187", "199", "133"]) + "".join(
                rng.choices("0123456789", k=8)
            )
        # 现住: migrant workers are away at their place of work; some young adults away
        # at school; a few live elsewhere; since some month of the last year or two
        work_place = rng.choice(PLACES) if employment == Employment.MIGRANT else ""
        presence, away_reason, away_place = "here", "", ""
        if employment == Employment.MIGRANT and rng.random() < 0.8:
            presence, away_reason, away_place = "away", "work", work_place
        elif employment == Employment.STUDENT and 18 <= age <= 23 and rng.random() < 0.7:
            presence, away_reason, away_place = "away", "study", rng.choice(PLACES[:3])
        elif age >= 20 and rng.random() < 0.03:
            presence, away_reason, away_place = "away", "elsewhere", rng.choice(PLACES)
        since = (
            self.today - datetime.timedelta(days=rng.randint(5, 700))
            if presence == "away"
            else None
        )
        return NewResident(
            presence=presence,
            away_reason=away_reason,
            away_place=away_place,
            presence_since=since,
            household=household,
            name=name,
            id_number=number,
            relation=relation,
            ethnicity="汉族" if rng.random() > 0.01 else "畲族",
            education=education,
            health=health,
            disability_grade=grade,
            disability_kind=kind,
            labour_ability=labour,
            employment=employment,
            work_place=work_place,
            political_status=political,
            skills=rng.choice(SKILLS) if age >= 18 else "",
            phone=phone,
            is_floating=rng.random() < 0.03,
        )

    def _members(self, household: Household) -> list[NewResident]:
        rng = self.rng
        head_age = rng.randint(26, 82)
        head_sex = "M" if rng.random() < 0.82 else "F"
        surname = self.fake.last_name()
        members = [self._person(household, Relation.HEAD, head_age, head_sex, surname)]
        if rng.random() < 0.78:
            spouse_sex = "F" if head_sex == "M" else "M"
            members.append(
                self._person(household, Relation.SPOUSE, head_age + rng.randint(-5, 3), spouse_sex)
            )
        if head_age < 75:
            for _ in range(pick(rng, [(0, 15), (1, 35), (2, 35), (3, 15)])):
                child_age = head_age - rng.randint(22, 34)
                if child_age < 0:
                    continue
                sex = rng.choice("MF")
                relation = Relation.SON if sex == "M" else Relation.DAUGHTER
                members.append(self._person(household, relation, child_age, sex, surname))
        if head_age < 50 and rng.random() < 0.35:
            members.append(
                self._person(
                    household, Relation.PARENT, head_age + rng.randint(24, 32), rng.choice("MF")
                )
            )
        if head_age > 55 and rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                members.append(
                    self._person(
                        household,
                        Relation.GRANDCHILD,
                        rng.randint(0, 14),
                        rng.choice("MF"),
                        surname,
                    )
                )
        return members

    def _households(self, villages: list[Region], total: int) -> tuple[int, int]:
        groups: dict[int, list[Region]] = {}
        for g in Region.objects.filter(level=Level.GROUP, parent__in=villages):
            groups.setdefault(g.parent_id or 0, []).append(g)  # a group always has its village
        households = residents = 0
        for start in range(0, total, BATCH):
            done = self._batch(villages, groups, range(start, min(start + BATCH, total)))
            households += done[0]
            residents += done[1]
            # with DEBUG on, Django keeps the SQL of the last 9,000 queries: bulk INSERTs
            # of a thousand rows each would hold hundreds of megabytes
            reset_queries()
            if total > COUNTY_SCALE and self.verbosity >= 1:
                self.stdout.write(f"  {households} households, {residents} residents")
        return households, residents

    def _batch(self, villages, groups, indexes: range) -> tuple[int, int]:
        rng = self.rng
        houses = []
        for i in indexes:
            village = villages[i % len(villages)]
            number = f"{i // len(villages) + 1:04d}"
            group = rng.choice(groups[village.pk])
            houses.append(
                NewHousehold(
                    village=village,
                    group=group,
                    number=number,
                    address=f"{village.name}{group.name}{rng.randint(1, 120)}号",
                    # Monitored households come from monitoring's enrolments, not from here.
                    poverty_status=pick(
                        rng, [(PovertyStatus.NONE, 86), (PovertyStatus.LIFTED, 14)]
                    ),
                    is_dibao=rng.random() < 0.05,
                    is_tekun=rng.random() < 0.015,
                    land_area_mu=Decimal(rng.randint(5, 120)) / 10,
                    living_environment=rng.choice(LivingEnvironment.values),
                    motto=rng.choice(
                        ["", "", "勤俭持家", "耕读传家", "孝老爱亲", "诚信为本", "邻里和睦"]
                    ),
                )
            )
        # Through the registry's services, like every other writer (DESIGN §2).
        created = services.households_create_many(user=None, households=houses, reason=REASON)
        people = services.residents_register_many(
            user=None, residents=[p for h in created for p in self._members(h)], reason=REASON
        )
        # A few life events; the status they leave behind is the service's rule.
        for resident in rng.sample(people, k=max(1, len(people) // 80)):
            kind = rng.choice([LifeEventKind.DEATH, LifeEventKind.MOVE_OUT, LifeEventKind.MARRIAGE])
            if resident.relation == Relation.HEAD and kind != LifeEventKind.MARRIAGE:
                continue
            services.life_event_record(
                resident=resident,
                user=None,
                kind=kind,
                date=self.today - datetime.timedelta(days=rng.randint(10, 700)),
                reason=REASON,
            )
        return len(created), len(people)

    def _inflows(self, villages: list[Region]) -> None:
        """A few people living in the demo cadres' villages registered elsewhere (流入):
        workers, spouses, a teacher; some living with a family, one gone again."""
        rng = self.rng
        origins = ["湖南省衡阳市", "江西省赣州市", "湖北省黄冈市", "安徽省安庆市", "四川省南充市"]
        for village in villages:
            homes = list(Household.objects.filter(village=village).order_by("number")[:40])
            for i in range(8):
                person = services.inflow_add(
                    user=None,
                    village=village,
                    name=self.fake.name(),
                    sex=rng.choice("MF"),
                    birth_year=rng.randint(1960, 2000),
                    from_place=rng.choice(origins),
                    reason=rng.choice(["work", "work", "family", "study", "other"]),
                    household=rng.choice(homes) if homes and i % 2 == 0 else None,
                    address="" if i % 2 == 0 else f"{village.name}工业园宿舍",
                    arrived_on=self.today - datetime.timedelta(days=rng.randint(10, 330)),
                )
                if i == 7:
                    services.inflow_leave(
                        person, user=None, left_on=self.today - datetime.timedelta(days=3)
                    )

    # --- users -----------------------------------------------------------------------
    def _users(self, villages: list[Region]) -> list[tuple[str, str, str]]:
        User = get_user_model()
        county = Region.objects.get(code=COUNTY)
        township = Region.objects.get(code=TOWNSHIPS[0])
        plan: list[tuple[str, str, Role, Region, bool]] = [
            ("county", "县级干部", Role.COUNTY_OFFICER, county, True),
            ("township", "乡镇干部", Role.TOWNSHIP_OFFICER, township, False),
            ("cadre", "村干部", Role.VILLAGE_CADRE, villages[0], True),
            ("cadre2", "村干部", Role.VILLAGE_CADRE, villages[4], True),
            ("grid", "网格员", Role.GRID_WORKER, villages[0], False),
            ("coop", "供销社", Role.COOP_CLERK, villages[0], False),
            ("secretary", "驻村第一书记", Role.FIRST_SECRETARY, villages[0], False),
            ("team", "驻村工作队员", Role.WORK_TEAM, villages[0], False),
            # a grid worker who supervises the village's grids (监督员: demo_grids names her)
            ("supervisor", "网格监督员", Role.GRID_WORKER, villages[0], False),
        ]
        out: list[tuple[str, str, str]] = []
        for username, title, role, region, can_reveal in plan:
            user = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, first_name=f"{region.name}{title}"
            )
            StaffAssignment.objects.create(
                user=user, region=region, role=role, sees_identity=can_reveal
            )
            out.append((username, str(role.label), region.name))
        User.objects.create_superuser(username="admin", password=DEMO_PASSWORD)
        out.append(("admin", "superuser", "-"))
        return out
