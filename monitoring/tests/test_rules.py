"""County staff edit the risk rules, the monitoring line, the levels and due dates and
the catalogue; the next screening uses them; codes never change once given."""

from __future__ import annotations

import pytest

from monitoring.models import DataItem, MonitoringLine, RiskRule, ScreeningSettings

pytestmark = pytest.mark.django_db


def test_a_new_rule_and_bad_input(client, county_officer):
    client.force_login(county_officer)
    item = DataItem.objects.get(code="JR03")
    response = client.post(
        "/monitoring/rules/new/",
        {
            "kind": "item",
            "item": item.pk,
            "comparison": "gte",
            "threshold": "180",
            "weight": "20",
            "cause": "debt",
            "label": "贷款逾期超过半年",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert RiskRule.objects.get(label="贷款逾期超过半年").item == item
    bad = client.post(
        "/monitoring/rules/new/",
        {"kind": "item", "comparison": "gte", "threshold": "x", "weight": "500", "cause": "debt"},
    )
    page = bad.content.decode()
    assert bad.status_code == 200
    assert "请选择这条规则读取的数据项" in page
    assert "100" in page  # the weight's upper bound
    income = client.post(
        "/monitoring/rules/new/",
        {
            "kind": "income",
            "comparison": "gte",
            "threshold": "1",
            "weight": "10",
            "cause": "income",
        },
    )
    assert "“&lt;”或“≤”" in income.content.decode()


def test_the_line_and_the_bands(client, county_officer):
    client.force_login(county_officer)
    client.post("/monitoring/rules/", {"line-year": "2026", "line-amount": "8100"})
    assert MonitoringLine.objects.get(year=2026).amount == 8100
    page = client.post(
        "/monitoring/rules/",
        {
            "settings-high_score": "30",
            "settings-medium_score": "40",
            "settings-low_score": "20",
            "settings-alert_level": "medium",
            "settings-verify_days": "15",
            "settings-appraise_days": "10",
            "settings-notice_days": "5",
            "settings-township_days": "10",
            "settings-county_days": "10",
            "settings-measure_days": "7",
        },
    )
    assert "低 &lt; 中 &lt; 高" in page.content.decode()
    assert ScreeningSettings.current().high_score == 60


def test_a_new_item_and_a_code_that_stays(client, county_officer):
    client.force_login(county_officer)
    yb = DataItem.objects.get(code="YB01").department
    wrong = client.post(
        "/monitoring/catalogue/new/",
        {"code": "MZ77", "department": yb.pk, "name": "异地就医", "type": "flag"},
    )
    assert "YB" in wrong.content.decode()
    client.post(
        "/monitoring/catalogue/new/",
        {"code": "yb06", "department": yb.pk, "name": "异地就医", "type": "flag", "active": "on"},
    )
    item = DataItem.objects.get(code="YB06")
    change = {"code": "YB99", "name": "异地就医结算", "unit": "", "meaning": "", "active": "on"}
    client.post(f"/monitoring/catalogue/items/{item.pk}/", change)
    item.refresh_from_db()
    assert (item.code, item.name) == ("YB06", "异地就医结算")
