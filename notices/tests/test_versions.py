"""A published notice is never rewritten (issue 21: a published 财务公开 was changed by
switching its category in the edit form). It is corrected by a new version; the old one
stays readable, marked as replaced, and the board shows the correction."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from notices import services
from notices.models import Category, FinanceLine, Notice, NoticeStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def disclosure(village, village_cadre):
    notice = services.notice_save(
        Notice(region=village, category=Category.FINANCE, title="十月财务公开"), user=village_cadre
    )
    services.finance_line_add(
        notice,
        month=datetime.date(2026, 10, 1),
        direction="income",
        item="租金",
        amount=Decimal("1200"),
        by=None,
    )
    return services.notice_publish(notice, user=village_cadre)


def test_a_published_disclosure_cannot_be_changed_by_switching_its_category(
    cadre_client, disclosure, village
):
    response = cadre_client.post(
        f"/notices/{disclosure.pk}/edit/",
        {
            "region": village.pk,
            "category": "announcement",
            "title": "改过的账",
            "body": "",
            "publish_on": "2026-11-23",
        },
    )
    assert response.status_code == 200
    assert "更正" in response.content.decode()  # the sentence says how to correct it
    disclosure.refresh_from_db()
    assert (disclosure.category, disclosure.title) == (Category.FINANCE, "十月财务公开")


@pytest.mark.parametrize("category", [Category.ANNOUNCEMENT, Category.FINANCE])
def test_no_published_notice_takes_a_change_a_line_or_a_file(village, village_cadre, category):
    notice = services.notice_save(
        Notice(region=village, category=category, title="通知", body="正文"), user=village_cadre
    )
    if category == Category.FINANCE:
        services.finance_line_add(
            notice,
            month=datetime.date(2026, 10, 1),
            direction="income",
            item="租金",
            amount=Decimal("1"),
            by=None,
        )
    services.notice_publish(notice, user=village_cadre)
    notice.refresh_from_db()
    notice.title = "改过"
    with pytest.raises(ValidationError):
        services.notice_save(notice, user=village_cadre)
    with pytest.raises(ValidationError):
        services.attachment_add(notice, SimpleUploadedFile("a.pdf", PDF), by=None)
    if category == Category.FINANCE:
        with pytest.raises(ValidationError):
            services.finance_line_delete(notice.lines.get(), by=None)


def test_a_correction_takes_the_place_of_the_published_notice_which_stays_readable(
    client, cadre_client, disclosure, village, village_cadre, django_capture_on_commit_callbacks
):
    response = cadre_client.post(f"/notices/{disclosure.pk}/action/", {"action": "correct"})
    draft = Notice.objects.get(replaces=disclosure)
    assert response["Location"] == f"/notices/{draft.pk}/"
    assert (draft.status, draft.category, draft.title) == (
        NoticeStatus.DRAFT,
        Category.FINANCE,
        disclosure.title,
    )
    assert list(draft.lines.values_list("item", "amount")) == [("租金", Decimal("1200.00"))]
    services.finance_line_delete(draft.lines.get(), by=None)
    services.finance_line_add(
        draft,
        month=datetime.date(2026, 10, 1),
        direction="income",
        item="租金",
        amount=Decimal("1250"),
        by=None,
    )
    board = f"/v/{village.code}/"
    assert disclosure.title in client.get(board).content.decode()  # still the old one
    with django_capture_on_commit_callbacks(execute=True):  # the board's kept copy goes
        services.notice_publish(draft, user=village_cadre)
    disclosure.refresh_from_db()
    assert disclosure.status == NoticeStatus.REPLACED
    assert FinanceLine.objects.filter(notice=disclosure, amount=Decimal("1200")).exists()
    old_page = client.get(f"/v/{village.code}/notices/{disclosure.pk}/")
    assert old_page.status_code == 200  # readable, as it was published
    text = old_page.content.decode()
    assert 'id="replaced"' in text
    assert f"/v/{village.code}/notices/{draft.pk}/" in text
    assert "1,200" in text
    listed = client.get(board).content.decode()
    assert f"/notices/{draft.pk}/" in listed
    assert f"/notices/{disclosure.pk}/" not in listed


def test_one_correction_at_a_time(disclosure, village_cadre):
    first = services.notice_correct(disclosure, user=village_cadre)
    assert services.notice_correct(disclosure, user=village_cadre) == first
    with pytest.raises(ValidationError):
        services.notice_correct(first, user=village_cadre)  # a draft is edited, not corrected
