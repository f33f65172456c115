"""Fixtures of the cross-app tests: one object of each kind in village A (渡头村), for the
tests that walk every staff URL (the permission matrix, the downloads, the fuzz test)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grid.models import DailyLog
from grid.services import (
    grid_create,
    grid_member_add,
    hazard_close,
    hazard_record,
    matter_create,
    visit_record,
)
from households.exports import export_run, export_submit
from households.imports import import_submit
from households.models import Inflow
from households.services import document_upload, listing_post
from monitoring.feeds import feed_receive
from monitoring.models import (
    CheckCampaign,
    DataItem,
    Department,
    Monitored,
    Reminder,
    ReviewMeeting,
    RiskRule,
)
from monitoring.services import alert_raise
from notices.callouts import callout_create
from notices.models import Notice
from notices.services import attachment_add, feedback_receive, finance_line_add, notice_save
from points.models import Good, PointRule
from points.services import entry_record


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile("id.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def objects_elsewhere(other_household, other_village, other_village_cadre):
    """Objects of 塔城村, a village of the sibling township in the same county."""
    alert, _new = alert_raise(household=other_household, source="visit", level="high")
    matter = matter_create(
        village=other_village,
        user=other_village_cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="水渠堵了",
    )
    return {
        "other_household": other_household.pk,
        "other_alert": alert.pk,
        "other_matter": matter.pk,
    }


@pytest.fixture
def objects(
    objects_elsewhere,
    monitoring_catalogue,
    household,
    resident,
    village_cadre,
    village,
    two_county_account,
    django_capture_on_commit_callbacks,
):
    document = document_upload(
        household=household, user=village_cadre, kind="id_card", upload=_jpeg()
    )
    other_document = document_upload(
        household=household, user=village_cadre, kind="other", upload=_jpeg()
    )
    csv = "户编号,姓名,身份证号,与户主关系,劳动能力,就业状况\n"
    csv += "9001,李四,11010519491231002X,户主,普通劳动力,务农\n"
    csv += "9002,王五,110105194912310021,户主,普通劳动力,务农\n"  # wrong check digit
    upload = SimpleUploadedFile("a.csv", csv.encode())
    with django_capture_on_commit_callbacks(execute=True):
        job = import_submit(user=village_cadre, village=village, upload=upload, language="zh-hans")
    export = export_submit(user=village_cadre, kind="households", params="", full=False, reason="")
    export_run(job_id=export.pk)
    alert, _new = alert_raise(household=household, source="visit", level="high")
    batch, _new = feed_receive(
        county=village.parent.parent,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="yb.csv",
        data=b"id_number,item_code,value,period\r\n",
    )
    monitored = Monitored.objects.create(
        household=household,
        alert=alert,
        category="sudden",
        causes=["illness"],
        enrolled_on=datetime.date(2026, 11, 1),
        approved_by=village_cadre,
    )
    point_rule = PointRule.objects.create(
        village=village, category="volunteering", name="志愿服务", points=3
    )
    entry = entry_record(
        household=household,
        rule=point_rule,
        occurred_on=datetime.date(2026, 11, 1),
        place="村广场",
        description="义务劳动",
        user=village_cadre,
    )
    good = Good.objects.create(village=village, name="肥皂", price=4, stock=10)
    grid = grid_create(village=village, name="第一网格", by=None)
    grid_member = grid_member_add(grid=grid, role="supervisor", name="李监督", by=None)
    matter = matter_create(
        village=village,
        user=village_cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="路灯坏了",
    )
    patrol = visit_record(
        household=household,
        user=village_cadre,
        kind="safety",
        visited_on=datetime.date(2026, 11, 20),
        findings="排查",
    )
    hazard = hazard_record(
        visit=patrol,
        kind="fire",
        description="柴草堆放",
        deadline=datetime.date(2026, 11, 30),
        photo=_jpeg(),
        by=None,
    )
    closed_hazard = hazard_record(
        visit=patrol,
        kind="electricity",
        description="电线老化",
        deadline=datetime.date(2026, 11, 30),
        by=None,
    )
    hazard_close(hazard=closed_hazard, user=village_cadre, note="已更换电线", photo=_jpeg())
    notice = notice_save(
        Notice(region=village, category="finance", title="财务公开"), user=village_cadre
    )
    line = finance_line_add(
        notice,
        month=datetime.date(2026, 10, 1),
        direction="income",
        item="租金",
        amount=Decimal(100),
        by=None,
    )
    attachment = attachment_add(notice, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"), by=None)
    feedback = feedback_receive(
        household=household,
        topic="question",
        text="医保怎么交？",
        anonymous=False,
        name="王五",
        phone="13907912345",
    )
    listing = listing_post(household=household, kind="sell", product="脐橙")
    reminder = Reminder.objects.create(
        village=village, month="2026-11", colour="yellow", kinds=["overdue"], sent_by=village_cadre
    )
    check = CheckCampaign.objects.create(
        county=village.parent.parent,
        name="十一月排查",
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
        seed="abc",
        created_by=village_cadre,
    )
    meeting = ReviewMeeting.objects.create(
        village=village,
        month="2026-10",
        held_on=datetime.date(2026, 10, 28),
        attendees="王书记、李主任",
        minutes="研判三户",
        recorded_by=village_cadre,
    )
    log = DailyLog.objects.create(
        village=village,
        on=datetime.date(2026, 11, 20),
        place="村广场",
        people="几位老人",
        raised="路灯坏了",
        author=village_cadre,
    )
    callout = callout_create(
        sender=village_cadre,
        region=village,
        kind="notice",
        title="停水通知",
        text="明天上午停水",
        by_speaker=False,
        by_text=False,
    )
    inflow = Inflow.objects.create(
        village=village,
        household=household,
        name="赵六",
        sex="M",
        from_place="湖南衡阳",
        reason="work",
        arrived_on=datetime.date(2026, 10, 1),
    )
    return {
        "inflow": inflow.pk,
        "callout": callout.pk,
        "closed_hazard": closed_hazard.pk,
        "log": log.pk,
        "reminder": reminder.pk,
        "check": check.pk,
        "meeting": meeting.pk,
        **objects_elsewhere,
        "notice": notice.pk,
        "line": line.pk,
        "attachment": attachment.pk,
        "feedback": feedback.pk,
        "listing": listing.pk,
        "patrol": patrol.pk,
        "hazard": hazard.pk,
        "matter": matter.pk,
        "grid": grid.pk,
        "grid_member": grid_member.pk,
        "good": good.pk,
        "point_rule": point_rule.pk,
        "entry": entry.pk,
        "monitored": monitored.pk,
        "alert": alert.pk,
        "batch": batch.pk,
        "department": "YB",
        "item": DataItem.objects.get(code="YB02").pk,
        "rule": RiskRule.objects.first().pk,
        "export": export.token,
        "household": household.pk,
        "village": household.village_id,
        "resident": resident.pk,
        "document": document.pk,
        "other_document": other_document.pk,
        "two_county": two_county_account.pk,
        "two_county_grid": two_county_account.assignments.get(region=village).pk,
        "job": job.token,
        "staff": village_cadre.pk,
    }


def pytest_terminal_summary(terminalreporter):
    """The fuzz test's figures (issue 21 asks for them in CI's output)."""
    from django.db import connection

    from tests.test_fuzz import SENT, _patterns

    if SENT["requests"]:
        from django.urls import get_resolver

        patterns = sum(1 for _p in _patterns(get_resolver().url_patterns))
        terminalreporter.write_line(
            f"fuzz ({connection.vendor}): {SENT['requests']} requests, "
            f"{len(SENT['personas'])} personas (every role and anonymous), "
            f"{len(SENT['urls'])} URLs from {patterns} URL patterns, "
            f"{SENT['server_errors']} answers >= 500"
        )
