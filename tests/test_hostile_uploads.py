"""Hostile files through the apps' own upload services (issue 21): each refuses them
with a sentence and none makes the server run another program."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.tests.test_images import EPS


@pytest.mark.django_db
def test_an_eps_uploaded_as_a_document_hazard_or_notice_picture_runs_nothing(
    ghostscript_calls, household, village_cadre, village
):
    from grid.services import hazard_record, visit_record
    from households.services import document_upload
    from notices.models import Notice
    from notices.services import attachment_add, notice_save

    def eps() -> SimpleUploadedFile:
        return SimpleUploadedFile("id.jpg", EPS, content_type="image/jpeg")

    with pytest.raises(ValidationError):
        document_upload(household=household, user=village_cadre, kind="id_card", upload=eps())
    patrol = visit_record(
        household=household,
        user=village_cadre,
        kind="safety",
        visited_on=household.created_at.date(),
        findings="排查",
    )
    with pytest.raises(ValidationError):
        hazard_record(
            visit=patrol,
            kind="fire",
            description="柴草",
            deadline=patrol.visited_on,
            photo=eps(),
            by=None,
        )
    notice = notice_save(
        Notice(region=village, category="announcement", title="通知"), user=village_cadre
    )
    with pytest.raises(ValidationError):
        attachment_add(notice, eps(), by=None)
    assert ghostscript_calls == []
