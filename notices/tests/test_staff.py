"""Staff pages of notices (issue 11): who writes for which region, a notice's files
(checked by their bytes and size, pictures without their metadata, served to the public
only while the notice shows), and list pages whose queries do not grow."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from notices import services
from notices.models import Attachment, Category, Feedback, Notice, NoticeStatus
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _photo_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0110] = "PhoneModel"  # camera model
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _draft(village, user) -> Notice:
    notice = Notice(region=village, category=Category.VILLAGE, title="村务公开", body="见附件")
    return services.notice_save(notice, user=user)


def test_a_cadre_writes_for_their_village_only(cadre_client, village, township):
    form = cadre_client.get(reverse("notices:new")).content.decode()
    assert f'value="{village.pk}"' in form
    assert f'value="{township.pk}"' not in form
    response = cadre_client.post(
        reverse("notices:new"),
        {
            "region": township.pk,
            "category": "announcement",
            "title": "冒充镇里发通知",
            "body": "正文",
            "publish_on": "2026-11-23",
        },
    )
    assert response.status_code == 200
    assert not Notice.objects.exists()
    response = cadre_client.post(
        reverse("notices:new"),
        {
            "region": village.pk,
            "category": "announcement",
            "title": "停水通知",
            "body": "周三停水一天",
            "publish_on": "2026-11-23",
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert (notice.region, notice.status) == (village, NoticeStatus.DRAFT)


def test_an_expiry_before_publication_is_refused_with_a_sentence(cadre_client, village):
    response = cadre_client.post(
        reverse("notices:new"),
        {
            "region": village.pk,
            "category": "announcement",
            "title": "停水通知",
            "body": "停水",
            "publish_on": "2026-11-23",
            "expires_on": "2026-11-01",
        },
    )
    assert response.status_code == 200
    assert "截止日期早于开始日期" in response.content.decode()
    assert not Notice.objects.exists()


def test_the_township_writes_for_the_township_and_a_cadre_cannot_change_it(
    client, township_officer, village_cadre, township
):
    client.force_login(township_officer)
    client.post(
        reverse("notices:new"),
        {
            "region": township.pk,
            "category": "policy",
            "title": "医保缴费政策明白纸",
            "body": "12 月 31 日前缴费",
            "publish_on": "2026-11-23",
        },
    )
    notice = Notice.objects.get()
    client.post(reverse("notices:action", args=[notice.pk]), {"action": "publish"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    client.force_login(village_cadre)  # sees it on the board, may not change it
    assert client.get(reverse("notices:edit", args=[notice.pk])).status_code == 404
    assert (
        client.post(reverse("notices:action", args=[notice.pk]), {"action": "archive"}).status_code
        == 404
    )


def test_a_pdf_and_a_picture_are_attached_and_the_picture_loses_its_metadata(
    cadre_client, village, village_cadre
):
    notice = _draft(village, village_cadre)
    url = reverse("notices:file_add", args=[notice.pk])
    cadre_client.post(url, {"file": SimpleUploadedFile("决议.pdf", PDF)})
    photo = _photo_with_exif()
    assert b"PhoneMaker" in photo
    cadre_client.post(url, {"file": SimpleUploadedFile("现场.jpg", photo)})
    pdf, picture = Attachment.objects.order_by("pk")
    assert (pdf.kind, pdf.name) == ("pdf", "决议.pdf")
    stored = picture.file.open("rb").read()
    picture.file.close()
    assert picture.kind == "image"
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    served = cadre_client.get(reverse("notices:file", args=[pdf.pk]))
    assert served.content == PDF
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Security-Policy"].startswith("sandbox;")


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "请上传 PDF 文件或图片"),
        # a name is not a type
        ("伪装.pdf", b"<html><script>alert(1)</script></html>", "请上传 PDF 文件或图片"),
        ("cut.pdf", b"%PDF-1.4\n" + b"x" * 2000, "PDF 文件不完整或已损坏"),  # truncated
        ("broken.jpg", b"\xff\xd8\xff" + b"not really a jpeg", "JPEG"),
    ],
)
def test_a_file_that_is_not_a_pdf_or_picture_is_refused_with_a_sentence(
    cadre_client, village, village_cadre, name, data, said
):
    notice = _draft(village, village_cadre)
    response = cadre_client.post(
        reverse("notices:file_add", args=[notice.pk]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_over_8_mb_is_refused(cadre_client, village, village_cadre):
    notice = _draft(village, village_cadre)
    big = PDF[:-6] + b"x" * (8 * 1024 * 1024) + b"%%EOF\n"
    upload = {"file": SimpleUploadedFile("big.pdf", big)}
    response = cadre_client.post(reverse("notices:file_add", args=[notice.pk]), upload, follow=True)
    assert "8 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_notices_file_is_public_only_while_the_notice_shows(client, village, village_cadre):
    notice = _draft(village, village_cadre)
    pdf = services.attachment_add(notice, SimpleUploadedFile("决议.pdf", PDF), by=None)
    url = reverse("notices:public_file", args=[village.code, notice.pk, pdf.pk])
    assert client.get(url).status_code == 404  # a draft
    services.notice_publish(notice, user=village_cadre)
    assert client.get(url).content == PDF
    services.notice_archive(notice, user=village_cadre)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 40])
def test_the_staff_lists_queries_do_not_grow(
    cadre_client, village, group, village_cadre, count, django_assert_max_num_queries
):
    household = HouseholdFactory(village=village, group=group)
    for n in range(count):
        services.notice_save(
            Notice(region=village, category=Category.ANNOUNCEMENT, title=f"通知{n}", body="正文"),
            user=village_cadre,
        )
        services.feedback_receive(
            household=household,
            topic="question",
            text=f"第{n}个问题？",
            anonymous=n % 2 == 0,
            name="王五",
        )
    cadre_client.get("/")  # the session's first page
    # session, user, assignments; the keeper's regions, the count and the page: 6
    with django_assert_max_num_queries(6):
        assert cadre_client.get(reverse("notices:list")).status_code == 200
    # session, user, assignments; the counts by status, the count and the page: 6
    with django_assert_max_num_queries(6):
        assert cadre_client.get(reverse("notices:voice")).status_code == 200
    # session, user, assignments; the count and the page; the text number: 6
    with django_assert_max_num_queries(6):
        assert cadre_client.get(reverse("notices:inbox")).status_code == 200
    assert Feedback.objects.count() == count
