"""The page benches' anchor view (issue 26): one indexed lookup and a small template,
and no page at all unless a bench asks for it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from config.anchor import anchor

pytestmark = pytest.mark.django_db


def test_a_deployment_serves_no_anchor(household):
    with pytest.raises(Resolver404):
        resolve(f"/bench/anchor/{household.public_token}/")


def test_the_anchor_is_one_query_and_a_small_page(household, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(1):
        response = anchor(request, household.public_token)
    assert household.number in response.content.decode()
