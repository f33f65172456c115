"""The co-op's discounts and produce buying (issue 25, item 7): points cover up to the
share the village sets of a purchase, never below zero; the co-op buys a listed product,
the listing closes and the family reads it on its page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from households import services as registry
from households.models import ListingStatus
from points import services
from points.models import CoopTerms, Discount, PointAccount, ProduceBuy
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village)
    PointAccount.objects.create(household=household, balance=50)
    CoopTerms.objects.create(village=village, discount_share=20, yuan_per_point=Decimal("0.50"))
    return household


@pytest.mark.parametrize(("points", "allowed"), [(20, True), (21, False)])
def test_points_cover_up_to_the_villages_share(home, coop_clerk, points, allowed):
    """A 50-yuan purchase: 20 % is 10 yuan, 20 points of 0.50."""
    assert services.discount_max(home, Decimal("50")) == 20
    if allowed:
        done = services.discount(
            household=home, amount=Decimal("50"), points=points, clerk=coop_clerk
        )
        assert done.discount == Decimal("10.00")
        assert services.balance_of(home.pk) == 30
    else:
        with pytest.raises(services.PointsRefused, match="20"):
            services.discount(household=home, amount=Decimal("50"), points=points, clerk=coop_clerk)
        assert services.balance_of(home.pk) == 50


@pytest.mark.parametrize(("balance", "allowed"), [(10, True), (9, False)])
def test_a_discount_never_takes_the_balance_below_zero(home, coop_clerk, balance, allowed):
    PointAccount.objects.filter(household=home).update(balance=balance)
    if allowed:
        services.discount(household=home, amount=Decimal("100"), points=10, clerk=coop_clerk)
        assert services.balance_of(home.pk) == 0
    else:
        with pytest.raises(services.PointsRefused):
            services.discount(household=home, amount=Decimal("100"), points=10, clerk=coop_clerk)
        assert not Discount.objects.exists()


def test_only_the_villages_clerk_gives_a_discount(home, village_cadre):
    with pytest.raises(PermissionDenied):
        services.discount(household=home, amount=Decimal("50"), points=5, clerk=village_cadre)


def test_without_terms_no_discount(village, coop_clerk):
    household = HouseholdFactory(village=village)
    PointAccount.objects.create(household=household, balance=50)
    with pytest.raises(services.PointsRefused):
        services.discount(household=household, amount=Decimal("50"), points=5, clerk=coop_clerk)


def test_the_coop_buys_a_listing_and_the_family_reads_it(
    client, village, village_cadre, coop_clerk
):
    household = HouseholdFactory(village=village)
    listing = registry.listing_post(
        household=household,
        kind="sell",
        product="脐橙",
        quantity=Decimal("200"),
        unit="斤",
        price=Decimal("3.5"),
    )
    registry.listing_approve(listing, user=village_cadre)
    with pytest.raises(services.PointsRefused):  # more than is offered
        services.produce_buy(
            listing=listing, quantity=Decimal("201"), price=Decimal("3.5"), clerk=coop_clerk
        )
    bought = services.produce_buy(
        listing=listing, quantity=Decimal("200"), price=Decimal("3.2"), clerk=coop_clerk
    )
    assert bought.total == Decimal("640.0")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED
    assert "合作社" in listing.closed_note
    page = client.get(f"/h/{household.public_token}/").content.decode()
    assert 'id="produce-closed"' in page
    assert "村合作社收购：200斤，每斤 ¥3.2" in page
    with pytest.raises(services.PointsRefused):  # closed: bought once
        services.produce_buy(
            listing=listing, quantity=Decimal("1"), price=Decimal("3"), clerk=coop_clerk
        )
    assert ProduceBuy.objects.count() == 1


def test_the_coop_page_takes_a_discount(client, home, coop_clerk):
    client.force_login(coop_clerk)
    url = reverse("points:coop_sales")
    response = client.post(
        url,
        {
            "form": "discount",
            "village": home.village_id,
            "number": home.number,
            "amount": "50",
            "points": "21",
        },
    )
    assert "这笔最多 20 分" in response.content.decode()
    assert not Discount.objects.exists()
    response = client.post(
        url,
        {
            "form": "discount",
            "village": home.village_id,
            "number": home.number,
            "amount": "50",
            "points": "20",
            "description": "大米一袋",
        },
    )
    assert response.status_code == 302
    assert Discount.objects.get().points == 20
