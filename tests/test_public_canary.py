"""Canary (issues 9, 11): a household with a unique marker in every sensitive field
(DESIGN §5: ID number, phone, health, disability, religion, income, 低保 and 特困 status,
full names, address, notes, a message to the village). Its public page, the village
leaderboard, market and board show none of them, in any form: not whole, not in part,
not masked where the mask would still say something."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from grid.services import matter_create, matter_resolve
from households.masking import mask
from households.services import household_update, listing_approve, listing_post
from monitoring.models import HouseholdIncome
from notices.services import feedback_receive, feedback_reply
from points.models import Category, EntryStatus, PointEntry, PointRule
from tests.factories import HouseholdFactory, ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db


def _public(client, household):
    return client.get(reverse("households:public", args=[household.public_token]))


def _entries(household, rule, user, count, resident=None):
    PointEntry.objects.bulk_create(
        PointEntry(
            household=household,
            resident=resident,
            rule=rule,
            points=rule.points,
            occurred_on=datetime.date(2026, 11, 1),
            place="村广场",
            description="义务劳动",
            status=EntryStatus.APPROVED,
            recorded_by=user,
            approved_by=user,
        )
        for _n in range(count)
    )


def test_no_sensitive_field_reaches_the_public_page_or_the_leaderboard(
    client, village, group, village_cadre
):
    rule = PointRule.objects.create(
        village=village, category=Category.VOLUNTEERING, name="志愿服务", points=3
    )
    """Canary: a unique marker in every sensitive field; none of them shows, in any form."""
    number = make_id_number()
    household = HouseholdFactory(village=village, group=group, number="0101", motto="和为贵")
    household_update(
        household=household,
        user=village_cadre,
        is_dibao=True,
        is_tekun=True,
        notes="CANARYNOTES低保户",
        address="CANARYADDR幸福路8号",
    )
    head = ResidentFactory(
        household=household,
        relation="head",
        name="欧阳金花",
        id_number=number,
        phone="13912345678",
        health="serious",
        disability_grade=2,
        disability_kind="physical",
        religion="CANARYFAITH",
        notes="CANARYHEALTH",
        skills="CANARYSKILL",
        work_place="CANARYWORK",
    )
    ResidentFactory(household=household, relation="child", name="欧阳小明")
    _entries(household, rule, village_cadre, 3, resident=head)
    matter = matter_create(
        village=village,
        user=village_cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="CANARYMATTER低保申请",
        household=household,
        notify_resident=True,
    )
    matter_resolve(matter=matter, user=village_cadre, reply="已办理，请留意短信")
    HouseholdIncome.objects.create(
        household=household,
        year=2026,
        wages=98765.43,
        transfers=4321,
        medical=55555,
        members=2,
    )
    # a message to the village (named, reply allowed) and a listing of the family: the
    # household page shows the reply, the market the listing; neither the message, nor
    # the sender's name or phone
    feedback = feedback_receive(
        household=household,
        topic="question",
        text="CANARYVOICE低保申请为什么没批？",
        anonymous=False,
        name="欧阳金花",
        phone="13912345678",
        publish_reply=True,
    )
    feedback_reply(feedback, user=village_cadre, reply="已转村里核实，请留意")
    listing_approve(
        listing_post(household=household, kind="sell", product="土鸡蛋", note="自家散养"),
        user=village_cadre,
    )
    pages = [
        _public(client, household).content.decode(),
        client.get(reverse("points:leaderboard", args=[village.code])).content.decode(),
        client.get(reverse("households:market", args=[village.code])).content.decode(),
        client.get(
            reverse("households:market", args=[village.code]), {"product": "土鸡蛋"}
        ).content.decode(),
        client.get(reverse("notices:board", args=[village.code])).content.decode(),
    ]
    forbidden = [
        number,
        number[:10],
        number[6:14],
        number[-6:],
        mask(number, "id"),
        "13912345678",
        "3912345678",
        "139****5678",
        "欧阳金花",
        "欧阳小明",
        "金花",
        "小明",
        "低保",
        "特困",
        "五保",
        "幸福路",
        "serious",
        "physical",
        "残疾",
        "重病",
        "income",
        "收入",
        "98765",
        "98,765",
        "4321",
        "4,321",
        "55555",
        "55,555",
        "CANARY",
    ]
    assert "已转村里核实" in pages[0]  # the village's reply the family allowed
    assert "土鸡蛋" in pages[0]
    assert "土鸡蛋" in pages[2]
    for page in pages[:4]:
        assert "欧**花" in page  # the masked name is there …
    for page in pages:
        assert "已办理" in pages[0]  # the reply the family asked for, without its matter
        for marker in forbidden:  # … and nothing else of them
            assert marker not in page, marker
        assert not re.search(r"\d{17}[\dX]", page)
