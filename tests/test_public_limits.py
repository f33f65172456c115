"""The public pages' limits (issue 21): the guard against guessing codes covers every
page under /h/<code>/ (the forms too), and no variant of an address (?page=, a typed
product) can fill the cache."""

from __future__ import annotations

import secrets

import pytest
from django.core.cache import cache

from households import public
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(village, group):
    household = HouseholdFactory(village=village, group=group)
    ResidentFactory(household=household, relation="head", name="王大成")
    return household


@pytest.mark.parametrize("form", ["voice", "produce", "hardship"])
def test_guessing_codes_through_a_form_is_refused_like_through_the_page(client, family, form):
    ip = "192.0.2.44"
    answers = [
        client.get(f"/h/{secrets.token_urlsafe(24)}/{form}/", REMOTE_ADDR=ip).status_code
        for _n in range(public.MISSES_ALLOWED + 3)
    ]
    assert answers[: public.MISSES_ALLOWED] == [404] * public.MISSES_ALLOWED
    assert set(answers[public.MISSES_ALLOWED :]) == {429}
    # the real household's form and page are refused to that connection too, not to others
    assert client.get(f"/h/{family.public_token}/{form}/", REMOTE_ADDR=ip).status_code == 429
    assert client.get(f"/h/{family.public_token}/", REMOTE_ADDR=ip).status_code == 429
    assert (
        client.get(f"/h/{family.public_token}/{form}/", REMOTE_ADDR="192.0.2.45").status_code == 200
    )


def _kept_pages() -> int:
    pages = ("public-household:", "market:", "village-board:")
    return sum(1 for key in cache._cache if key.split(":", 2)[-1].startswith(pages))


def test_page_variants_do_not_fill_the_cache(client, family, village):
    paths = [f"/h/{family.public_token}/", f"/v/{village.code}/", f"/v/{village.code}/market/"]
    for path in paths:
        for page in range(1, 60):
            assert client.get(path, {"page": page}).status_code == 200
    for n in range(60):
        client.get(f"/v/{village.code}/market/", {"product": f"产品{n}"})
    # three kept pages of each, whatever was asked
    assert _kept_pages() == 3 * len(paths)
