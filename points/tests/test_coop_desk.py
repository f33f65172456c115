"""The co-op clerk's home is the redemption desk (issue 22: it was a placeholder): find a
household by its number or its plaque's code, see its balance and last redemptions."""

from __future__ import annotations

import pytest

from points.models import Good, Redemption
from points.selectors import find_household
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(village):
    household = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def test_the_clerks_home_is_the_redemption_desk(client, coop_clerk, village, family):
    soap = Good.objects.create(village=village, name="肥皂", price=4, stock=3)
    Redemption.objects.create(household=family, good=soap, quantity=1, points=4, clerk=coop_clerk)
    client.force_login(coop_clerk)
    page = client.get("/").content.decode()
    assert 'id="coop-desk"' in page
    assert "户编号或门牌码" in page
    assert "库存不多：" in page
    assert "肥皂 (3)" in page
    assert "今日：兑换 1 次，4 分。" in page
    assert "您的角色没有可显示的" not in page  # the placeholder is gone


@pytest.mark.parametrize("typed", ["0042", "００４２", "{url}", "{token}"])
def test_a_household_is_found_by_its_number_or_plaque_code(coop_clerk, village, family, typed):
    text = typed.format(url=family.public_url(), token=family.public_token)
    assert find_household([village], text) == family


def test_a_household_of_another_village_is_not_found(village, other_village, family):
    assert find_household([other_village], family.public_token) is None
    assert find_household([other_village], "0042") is None


def test_the_desk_shows_balance_and_last_redemptions(client, coop_clerk, village, family):
    soap = Good.objects.create(village=village, name="肥皂", price=4, stock=3)
    Redemption.objects.create(household=family, good=soap, quantity=2, points=8, clerk=coop_clerk)
    client.force_login(coop_clerk)
    page = client.get("/points/coop/", {"number": family.public_url()}).content.decode()
    assert "0042 号户（张*力）" in page
    assert "肥皂 ×2 · −8" in page
    assert 'name="number" value="0042"' in page  # the redeem form filled in
    page = client.get("/points/coop/", {"number": "9999"}).content.decode()
    assert "您村没有 9999 这户" in page


@pytest.mark.parametrize(("stock", "flagged"), [(5, True), (6, False)])
def test_goods_at_five_or_fewer_are_flagged_on_the_desk(
    client, coop_clerk, village, stock, flagged
):
    Good.objects.create(village=village, name="肥皂", price=4, stock=stock)
    client.force_login(coop_clerk)
    page = client.get("/").content.decode()
    assert (f"肥皂 ({stock})" in page) is flagged
