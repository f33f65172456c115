"""The defects a new user met trying the portal (issue 6), each as they noticed it."""

from __future__ import annotations

import re

import pytest

from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_a_duplicate_household_number_is_said_in_words(cadre_client, village, household):
    response = cadre_client.post(
        "/households/new/",
        {"village": village.pk, "number": household.number, "poverty_status": "none"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"本村已有户编号为 {household.number} 的户" in body
    assert "already exists" not in body
    assert "已存在" not in body


def test_favicon_ico_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_life_event_choices_are_event_words(cadre_client, resident):
    page = cadre_client.get(f"/residents/{resident.pk}/events/new/").content.decode()
    choices = re.findall(r'<option value="\w+"[^>]*>([^<]+)</option>', page)
    assert {"迁出", "迁入", "死亡", "出生", "结婚"} <= set(choices)
    assert "已迁出" not in choices


def test_the_add_member_form_asks_for_the_id_number_first(cadre_client, household):
    page = cadre_client.get(f"/households/{household.pk}/residents/new/").content.decode()
    form = page.split('<form method="post" class="card stack"')[1]
    fields = re.findall(r'name="(\w+)"', form)
    first_field = next(f for f in fields if f != "csrfmiddlewaretoken")
    assert first_field == "id_number"


def test_the_disability_badge_says_disability(cadre_client, household):
    ResidentFactory(household=household, disability_grade=2, disability_kind="physical")
    page = cadre_client.get("/residents/").content.decode()
    assert "残疾：二级" in page


def test_detail_pages_lead_back(cadre_client, household, resident):
    page = cadre_client.get(f"/residents/{resident.pk}/move/").content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs.*?</nav>', page, re.S).group(0)
    assert 'href="/households/"' in crumbs
    assert f'href="/households/{household.pk}/"' in crumbs


def test_the_county_region_picker_is_grouped_by_township(client, county_officer, village):
    HouseholdFactory(village=village)
    client.force_login(county_officer)
    page = client.get("/").content.decode()
    group = re.search(rf'<optgroup label="{village.parent.name}">(.*?)</optgroup>', page, re.S)
    assert group is not None
    assert village.name in group.group(1)


def test_the_staff_form_says_what_each_role_may_do(client, county_officer):
    client.force_login(county_officer)
    help_ = client.get("/staff/new/").content.decode().split('id="role-help"')[1]
    assert "村干部" in help_
    assert "登记和修改户、人员信息" in help_  # declared by the registry app
    assert "管理本县的工作人员账号" in help_  # declared by villages
