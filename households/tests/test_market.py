"""The produce market (我家有农货, issue 11): a household posts from its public page; the
listing waits for a cadre of the village; published, it shows on the village market and
the household's page until it expires or is closed; a buyer sees the sellers of the same
product in the village only; the form is limited and has a honeypot."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from common.ratelimit import PER_SENDER_AND_HOUSEHOLD
from households import services
from households.models import Listing, ListingStatus
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(village, group):
    household = HouseholdFactory(village=village, group=group, number="0088")
    ResidentFactory(household=household, relation="head", name="刘德华")
    return household


def market(client, village, **params) -> str:
    response = client.get(reverse("households:market", args=[village.code]), params)
    assert response.status_code == 200
    return response.content.decode()


def post(client, household, ip="203.0.113.5", **data):
    listing = {
        "kind": "sell",
        "product": "赣南脐橙",
        "quantity": "500",
        "unit": "斤",
        "price": "3.5",
        "note": "自家果园",
        **data,
    }
    return client.post(
        reverse("households:listing_new", args=[household.public_token]), listing, REMOTE_ADDR=ip
    )


def test_a_posted_listing_waits_for_approval_then_shows(
    client, cadre_client, home, village, django_capture_on_commit_callbacks
):
    assert post(client, home).status_code == 200
    listing = Listing.objects.get()
    assert listing.status == ListingStatus.PENDING
    assert (listing.product_key, listing.price, listing.village_id) == (
        "赣南脐橙",
        Decimal("3.50"),
        village.id,
    )
    assert "赣南脐橙" not in market(client, village)
    queue = cadre_client.get(reverse("households:market_queue")).content.decode()
    assert "赣南脐橙" in queue
    assert "刘*华" in queue
    with django_capture_on_commit_callbacks(execute=True):
        cadre_client.post(
            reverse("households:market_action", args=[listing.pk]), {"action": "approve"}
        )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.expires_on == timezone.localdate() + datetime.timedelta(days=30)
    page = market(client, village)
    assert "赣南脐橙" in page
    assert "刘*华" in page
    assert "刘德华" not in page
    home_page = client.get(reverse("households:public", args=[home.public_token])).content
    assert "赣南脐橙" in home_page.decode()


def test_a_refused_listing_needs_a_reason_and_never_shows(cadre_client, client, home, village):
    post(client, home)
    listing = Listing.objects.get()
    action = reverse("households:market_action", args=[listing.pk])
    cadre_client.post(action, {"action": "refuse", "reason": ""})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING
    cadre_client.post(action, {"action": "refuse", "reason": "含联系电话，请改后再发"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REFUSED
    assert listing.refusal
    assert "赣南脐橙" not in market(client, village)


def test_a_price_left_empty_is_to_be_agreed(client, home, village, village_cadre):
    post(client, home, price="")
    listing = Listing.objects.get()
    assert listing.price is None
    services.listing_approve(listing, user=village_cadre)
    assert "面议" in market(client, village)


def test_a_buyer_sees_the_sellers_of_the_same_product_in_the_village_only(
    client, village, group, other_village, village_cadre, other_village_cadre
):
    def listed(where, number, product, kind="sell"):
        household = HouseholdFactory(village=where, number=number)
        listing = services.listing_post(household=household, kind=kind, product=product)
        moderator = other_village_cadre if where == other_village else village_cadre
        return services.listing_approve(listing, user=moderator)

    listed(village, "0101", "脐橙")
    listed(village, "0102", " 脐 橙 ")  # the same product, typed with spaces
    listed(village, "0103", "土鸡蛋")
    listed(village, "0104", "脐橙", kind="buy")
    listed(other_village, "0901", "脐橙")
    page = market(client, village, product="脐橙")
    section = page[page.index('id="market-listings"') :]
    assert "0101" in section
    assert "0102" in section
    assert "0104" in section
    assert "0103" not in section  # another product
    assert "0901" not in section  # another village
    sellers = market(client, village, product="脐橙", kind="sell")
    assert "0104" not in sellers[sellers.index('id="market-listings"') :]


def test_listings_expire_and_are_closed_with_the_code_shown_once(
    client, home, village, village_cadre, django_capture_on_commit_callbacks
):
    response = post(client, home)
    listing = Listing.objects.get()
    close_url = reverse("households:listing_close", args=[listing.close_code])
    assert close_url in response.content.decode()
    services.listing_approve(listing, user=village_cadre)
    assert "赣南脐橙" in market(client, village)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31), tick=False):
        assert "赣南脐橙" not in market(client, village)  # expired
    assert client.get(close_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(close_url)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.CLOSED
    assert "赣南脐橙" not in market(client, village)
    assert client.get(reverse("households:listing_close", args=["z" * 22])).status_code == 404


def test_posting_is_limited_and_bots_are_dropped(client, home):
    for n in range(20):
        assert (
            post(client, home, website="http://spam.example", product=f"垃圾{n}").status_code == 200
        )
    assert not Listing.objects.exists()
    statuses = [post(client, home, product=f"产品{n}").status_code for n in range(30)]
    # one address for one household: the per-sender limit (a stranger cannot use up
    # the household's day); the address's own limit holds over households too
    assert Listing.objects.count() == PER_SENDER_AND_HOUSEHOLD
    assert set(statuses[PER_SENDER_AND_HOUSEHOLD:]) == {429}


def test_bad_input_gets_a_sentence_and_nothing_is_kept(client, home):
    response = post(client, home, product="", price="abc")
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Listing.objects.exists()


def test_only_the_villages_cadre_moderates(client, home, other_village_cadre, grid_worker):
    post(client, home)
    listing = Listing.objects.get()
    action = reverse("households:market_action", args=[listing.pk])
    client.force_login(other_village_cadre)
    assert client.post(action, {"action": "approve"}).status_code == 404
    client.force_login(grid_worker)
    assert client.post(action, {"action": "approve"}).status_code == 403
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING


def test_the_market_pages_queries_do_not_grow(
    client, village, village_cadre, django_assert_max_num_queries
):
    for n in range(60):
        household = HouseholdFactory(village=village)
        ResidentFactory(household=household, relation="head")
        services.listing_approve(
            services.listing_post(household=household, kind="sell", product=f"产品{n % 7}"),
            user=village_cadre,
        )
    # the village, the listings' count and page (head names a subquery), the public info
    with django_assert_max_num_queries(4):
        market(client, village)


def test_a_phone_number_in_a_listing_is_refused_with_a_sentence(client, home):
    for note in ["联系 13907915678", "电话：139-0791-5678", "１３９０７９１５６７８"]:
        response = post(client, home, note=note)
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>[^<]*电话号码', html), note
    assert not Listing.objects.exists()
    post(client, home, note="500斤起批，2026年新果")  # numbers that are no phone
    assert Listing.objects.count() == 1


def test_the_poster_reads_why_a_listing_was_refused_on_their_receipt(
    cadre_client, client, home, village
):
    """Issue 22: a refused poster was never told why."""
    from django.test import Client

    resident = Client()
    page = post(resident, home).content.decode()
    receipt = re.search(r'id="close-link"[^>]*href="([^"]+)"', page)[1]
    assert "等待村委会审核" in resident.get(receipt).content.decode()
    listing = Listing.objects.get()
    cadre_client.post(
        reverse("households:market_action", args=[listing.pk]),
        {"action": "refuse", "reason": "含联系电话，请改后再发"},
    )
    page = resident.get(receipt).content.decode()
    assert "村委会未予发布" in page
    assert "含联系电话，请改后再发" in page
    assert resident.post(receipt).status_code == 200  # nothing to close
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REFUSED


def test_the_market_says_how_to_reach_a_seller_never_with_their_phone(
    client, home, village, village_cadre, django_capture_on_commit_callbacks
):
    listing = services.listing_post(household=home, kind="sell", product="脐橙")
    services.listing_approve(listing, user=village_cadre)
    page = market(client, village)
    assert "脐橙" in page
    assert "尚未公布联系电话" in page
    with django_capture_on_commit_callbacks(execute=True):
        services.public_info_save(region=village, user=village_cadre, office_phone="0791-85710000")
    page = market(client, village)
    assert 'href="tel:0791-85710000"' in page
    from common.masking import has_mobile_number

    assert not has_mobile_number(page)  # no resident's phone, however written
