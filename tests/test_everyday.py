"""Everyday use (issue 22): what a cadre, an officer, a clerk and a resident stumbled on,
each checked where they meet it. The journeys are in tests/test_browser_everyday.py."""

from __future__ import annotations

import datetime
import importlib
import inspect
import re

import pytest
from django import forms
from django.utils import translation

from common.widgets import DateInput

APPS = ["villages", "households", "grid", "points", "notices", "monitoring"]


def _forms():
    for app in APPS:
        module = importlib.import_module(f"{app}.forms")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield f"{app}.{name}", cls


def test_every_date_field_of_every_form_uses_the_browsers_date_format():
    """An <input type="date"> shows only YYYY-MM-DD; Django's zh-hans format (2026/11/20)
    left the life-event form's date empty."""
    dates = {
        f"{name}.{field_name}": field
        for name, cls in _forms()
        for field_name, field in cls.base_fields.items()
        if isinstance(field, forms.DateField)
    }
    assert "households.LifeEventForm.date" in dates  # the scan sees model forms too
    wrong = [name for name, field in dates.items() if not isinstance(field.widget, DateInput)]
    assert wrong == []
    with translation.override("zh-hans"):
        for field in dates.values():
            assert field.widget.format_value(datetime.date(2026, 3, 5)) == "2026-03-05"


@pytest.mark.django_db
def test_the_life_event_form_shows_todays_date_and_keeps_a_refused_one(cadre_client, resident):
    from django.utils import timezone

    page = cadre_client.get(f"/residents/{resident.pk}/events/new/").content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = cadre_client.post(
        f"/residents/{resident.pk}/events/new/",
        {"kind": "moved_out", "date": f"{tomorrow:%Y-%m-%d}", "note": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "日期不能晚于今天。" in page
    assert f'value="{tomorrow:%Y-%m-%d}"' in page


def test_robots_txt_disallows_everything(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().splitlines() == ["User-agent: *", "Disallow: /"]


@pytest.mark.django_db
def test_every_kind_of_page_links_the_favicon(cadre_client, household):
    from django.test import Client

    anonymous = Client()
    pages = [
        anonymous.get("/login/"),
        anonymous.get(f"/h/{household.public_token}/"),
        anonymous.get("/no-such-page/"),
        cadre_client.get("/households/"),
    ]
    for response in pages:
        assert '<link rel="icon" href="/static/favicon' in response.content.decode(), response


def test_kinds_of_help_are_not_read_as_registry_fields():
    """就业状况 is a resident's employment; help with it is 就业帮扶 (pgettext context)."""
    from grid.models import HazardKind
    from households.models import Resident
    from monitoring.models import MeasureKind

    with translation.override("zh-hans"):
        kinds = {str(label) for _value, label in MeasureKind.choices}
        assert {"就业帮扶", "健康帮扶", "教育帮扶", "住房安全"} <= kinds
        assert not kinds & {"就业状况", "健康状况", "文化程度", "住房保障"}
        assert str(Resident._meta.get_field("employment").verbose_name) == "就业状况"
        assert str(HazardKind.HOUSING.label) == "房屋安全"


@pytest.mark.django_db
def test_the_catalogue_says_what_items_mean_in_chinese(
    client, county_officer, monitoring_catalogue
):
    client.force_login(county_officer)
    page = client.get("/monitoring/catalogue/").content.decode()
    assert "<th>项目名称</th>" in page
    assert "<th>姓名</th>" not in page
    assert "享受农村最低生活保障" in page  # MZ01, from the shared catalogue's meaning_zh
    assert "household receives rural minimum living allowance" not in page
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get("/monitoring/catalogue/").content.decode()
    assert "household receives rural minimum living allowance" in page


@pytest.mark.django_db
def test_a_matter_is_offered_only_to_people_who_can_act_on_it(
    client, village, village_cadre, grid_worker, coop_clerk, township_officer, county_officer
):
    """Who is who (item 6): name, region and role tell two cadres apart; a co-op clerk
    or a county officer cannot act on a village's matter, so neither is offered."""
    from grid.services import matter_create, matter_escalate
    from villages import people

    matter = matter_create(
        village=village,
        user=village_cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="路灯坏了",
    )
    client.force_login(village_cadre)
    page = client.get(f"/matters/{matter.pk}/").content.decode()
    offered = set(re.findall(r'<option value="(\d+)">([^<]+)</option>', page))
    assert offered == {
        (str(village_cadre.pk), people.label(village_cadre)),
        (str(grid_worker.pk), people.label(grid_worker)),
    }
    assert "渡头村 村干部" in people.label(village_cadre)
    response = client.post(
        f"/matters/{matter.pk}/action/", {"action": "assign", "user": coop_clerk.pk}, follow=True
    )
    assert "请选择能办理此诉求的人。" in response.content.decode()

    matter_escalate(matter=matter, user=village_cadre)
    client.force_login(township_officer)
    page = client.get(f"/matters/{matter.pk}/").content.decode()
    offered = set(re.findall(r'<option value="(\d+)">', page))
    assert offered == {str(township_officer.pk)}
