"""Every refusal of the points bank reads as its sentence, in Chinese, to the cadre or
clerk who meets it (and the public pages' version moves with every change they show)."""

from __future__ import annotations

import datetime

import pytest

from points import services
from points.models import Category, Good, HonourKind, PointRule
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def rule(village):
    return PointRule.objects.create(
        village=village, category=Category.GOOD_DEEDS, name="扶老人过马路", points=5
    )


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village, number="0007")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def _refused(sentence: str, call, *args, **kwargs) -> None:
    with pytest.raises(services.PointsRefused) as refused:
        call(*args, **kwargs)
    assert str(refused.value) == sentence


def _record(home, rule, user, **kw):
    data = {
        "household": home,
        "rule": rule,
        "occurred_on": DAY,
        "place": "村委会",
        "description": "好事",
        "user": user,
    } | kw
    return services.entry_record(**data)


def test_recording_is_refused_with_its_reason(home, rule, village_cadre, other_village):
    other_rule = PointRule.objects.create(
        village=other_village, category=Category.GOOD_DEEDS, name="别村规则", points=5
    )
    _refused("该规则属于其他村的积分细则。", _record, home, other_rule, village_cadre)
    stopped = PointRule.objects.create(
        village=home.village, category=Category.GOOD_DEEDS, name="停用规则", points=5, active=False
    )
    _refused("该规则已停用。", _record, home, stopped, village_cadre)
    stranger = ResidentFactory(household=HouseholdFactory(village=home.village))
    _refused("此人不是该户成员。", _record, home, rule, village_cadre, resident=stranger)
    _refused(
        "日期不能晚于今天。",
        _record,
        home,
        rule,
        village_cadre,
        occurred_on=datetime.date(2027, 1, 1),
    )


def test_a_bulk_record_is_refused_with_its_reason(home, rule, village_cadre):
    data = {
        "village_id": home.village_id,
        "rule": rule,
        "occurred_on": DAY,
        "place": "村广场",
        "description": "义务劳动",
        "user": village_cadre,
    }
    _refused("请至少输入一个户号。", services.entries_record_bulk, numbers=[" "], **data)
    _refused(
        "本村没有户号为 9999 的农户，全部未登记。",
        services.entries_record_bulk,
        numbers=["0007", "9999"],
        **data,
    )


def test_approval_and_revocation_are_refused_with_their_reasons(
    home, rule, village_cadre, plain_cadre
):
    entry = _record(home, rule, village_cadre)
    _refused(
        "您登记的积分需由另一名村干部审核。",
        services.entry_approve,
        entry=entry,
        user=village_cadre,
    )
    services.entry_approve(entry=entry, user=plain_cadre)
    _refused("该积分记录已不在待审核状态。", services.entry_approve, entry=entry, user=plain_cadre)
    _refused("请填写撤销理由。", services.entry_revoke, entry=entry, user=village_cadre, reason=" ")
    reversal = services.entry_revoke(entry=entry, user=village_cadre, reason="记错了户")
    _refused(
        "该记录已撤销。", services.entry_revoke, entry=entry, user=village_cadre, reason="又一次"
    )
    services.entry_approve(entry=reversal, user=plain_cadre)
    _refused(
        "撤销一经审核即生效；如原记录无误，请重新登记。",
        services.entry_revoke,
        entry=reversal,
        user=village_cadre,
        reason="撤回撤销",
    )


@pytest.mark.parametrize(("stars", "refused"), [(0, True), (1, False), (5, False), (6, True)])
def test_a_star_household_has_one_to_five_stars(home, village_cadre, stars, refused):
    award = {
        "household": home,
        "kind": HonourKind.STAR_FAMILY,
        "year": 2026,
        "user": village_cadre,
        "stars": stars,
    }
    if refused:
        _refused("星级文明户为 1 至 5 星。", services.honour_award, **award)
    else:
        assert services.honour_award(**award).stars == stars
        _refused("该户 2026 年已获得此项荣誉。", services.honour_award, **award)


def test_redeeming_is_refused_with_its_reason(
    home, rule, village_cadre, plain_cadre, coop_clerk, other_village
):
    services.entry_approve(entry=_record(home, rule, village_cadre), user=plain_cadre)  # 5
    elsewhere = Good.objects.create(village=other_village, name="别村肥皂", price=1, stock=5)
    _refused(
        "该商品属于其他村的供销社。",
        services.redeem,
        household=home,
        good=elsewhere,
        quantity=1,
        clerk=coop_clerk,
    )
    soap = Good.objects.create(village=home.village, name="肥皂", price=2, stock=1)
    _refused(
        "兑换数量至少为 1。",
        services.redeem,
        household=home,
        good=soap,
        quantity=0,
        clerk=coop_clerk,
    )
    _refused(
        "积分不足：该户有 5 分，本次需要 6 分。",
        services.redeem,
        household=home,
        good=soap,
        quantity=3,
        clerk=coop_clerk,
    )
    _refused(
        "该商品库存不足。", services.redeem, household=home, good=soap, quantity=2, clerk=coop_clerk
    )


def test_the_public_pages_version_moves_with_an_approval(
    home, rule, village_cadre, plain_cadre, django_capture_on_commit_callbacks
):
    before = services.public_version(home.village_id)
    entry = _record(home, rule, village_cadre)
    assert services.public_version(home.village_id) == before  # pending: not shown
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_approve(entry=entry, user=plain_cadre)
    assert services.public_version(home.village_id) != before


@pytest.mark.parametrize(("days", "refused"), [(0, False), (1, True)])
def test_an_entry_may_be_dated_today_not_tomorrow(home, rule, village_cadre, days, refused):
    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(days=days)
    if refused:
        _refused("日期不能晚于今天。", _record, home, rule, village_cadre, occurred_on=day)
    else:
        entry = _record(home, rule, village_cadre, occurred_on=day)
        assert entry.event == ""  # recorded singly: no event of a bulk record


def test_unknown_numbers_are_named_twenty_at_most(home, rule, village_cadre):
    data = {
        "village_id": home.village_id,
        "rule": rule,
        "occurred_on": DAY,
        "place": "村广场",
        "description": "义务劳动",
        "user": village_cadre,
    }
    _refused(
        "本村没有户号为 9001、9002 的农户，全部未登记。",
        services.entries_record_bulk,
        numbers=["9001", "9002"],
        **data,
    )
    many = [f"{9000 + i}" for i in range(1, 22)]  # 21 unknown numbers
    with pytest.raises(services.PointsRefused) as refused:
        services.entries_record_bulk(numbers=many, **data)
    assert "9020" in str(refused.value)
    assert "9021" not in str(refused.value)


@pytest.mark.parametrize(("length", "kept"), [(200, 200), (201, 200)])
def test_a_revocation_keeps_two_hundred_characters_of_its_reason(
    home, rule, village_cadre, plain_cadre, length, kept
):
    pending = services.entry_revoke(
        entry=_record(home, rule, village_cadre), user=village_cadre, reason="理" * length
    )
    assert len(pending.revoke_reason) == kept
    entry = services.entry_approve(entry=_record(home, rule, village_cadre), user=plain_cadre)
    reversal = services.entry_revoke(entry=entry, user=village_cadre, reason="由" * length)
    assert len(reversal.revoke_reason) == kept
    assert reversal.description == ("撤销：" + "由" * length)[:200]  # what the ledger shows


def test_a_model_family_has_no_stars(home, village_cadre):
    honour = services.honour_award(
        household=home, kind=HonourKind.MODEL_FAMILY, year=2026, user=village_cadre, stars=3
    )
    honour.refresh_from_db()
    assert honour.stars is None


def test_the_members_offered_are_the_living_ones_in_order(home):
    from households.models import ResidentStatus

    head = home.residents.get()
    spouse = ResidentFactory(household=home, relation="spouse", name="李四梅")
    ResidentFactory(household=home, relation="parent", name="张老", status=ResidentStatus.DECEASED)
    members = services.living_members(home.pk)
    assert [(m.pk, m.name) for m in members] == [(head.pk, "张三力"), (spouse.pk, "李四梅")]
