"""Safety patrols (issue 10): hazards with a photo stripped of its EXIF, a deadline, the
open ones on the grid page (overdue marked), closed with a note; photos only in scope."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grid import services
from grid.models import Hazard, Visit
from tests.factories import HouseholdFactory
from tests.test_security import _photo_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def patrolled(village):
    grid = services.grid_create(village=village, name="一网格", by=None)
    household = HouseholdFactory(village=village, number="0021")
    services.households_assign(grid=grid, households=[household], by=None)
    return grid, household


def test_a_patrol_records_hazards_with_clean_photos(client, patrolled, grid_worker):
    grid, household = patrolled
    client.force_login(grid_worker)
    patrol = {"visited_on": "2026-11-20", "kind": "safety", "findings": "排查用电"}
    response = client.post(reverse("grid:visit_new", args=[household.pk]), patrol)
    visit = Visit.objects.get()
    assert response["Location"] == reverse("grid:hazard_new", args=[visit.pk])
    raw = _photo_with_everything()
    response = client.post(
        reverse("grid:hazard_new", args=[visit.pk]),
        {
            "kind": "electricity",
            "description": "电线老化裸露",
            "deadline": "2026-11-22",
            "photo": SimpleUploadedFile("p.jpg", raw, "image/jpeg"),
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.grid == grid
    with hazard.photo.open("rb") as handle:
        stored = handle.read()
    for marker in (b"PhoneMaker", b"COMMENT-SECRET", b"XMP-SECRET-LOCATION"):
        assert marker not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    page = client.get(reverse("grid:detail", args=[grid.pk])).content.decode()
    assert "电线老化裸露" in page
    assert '<span class="badge red">逾期</span>' in page  # due 11-22, today 11-23
    photo = client.get(reverse("grid:hazard_photo", args=[hazard.pk]))
    assert photo["Content-Type"] == "image/jpeg"
    client.post(reverse("grid:hazard_close", args=[hazard.pk]), {"note": "已更换电线"})
    hazard.refresh_from_db()
    assert hazard.closing_note == "已更换电线"
    assert "电线老化裸露" not in client.get(reverse("grid:detail", args=[grid.pk])).content.decode()


def test_hazards_belong_to_safety_patrols_and_photos_stay_in_scope(
    client, patrolled, grid_worker, other_village_cadre
):
    _grid, household = patrolled
    routine = services.visit_record(
        household=household,
        user=grid_worker,
        visited_on=datetime.date(2026, 11, 20),
        kind="routine",
        findings="正常",
    )
    with pytest.raises(ValidationError):
        services.hazard_record(
            visit=routine,
            kind="fire",
            description="x",
            deadline=datetime.date(2026, 11, 30),
            by=None,
        )
    patrol = services.visit_record(
        household=household,
        user=grid_worker,
        visited_on=datetime.date(2026, 11, 20),
        kind="safety",
        findings="排查",
    )
    hazard = services.hazard_record(
        visit=patrol,
        kind="fire",
        description="柴草堆放",
        deadline=datetime.date(2026, 11, 30),
        by=None,
    )
    client.force_login(other_village_cadre)
    assert client.get(reverse("grid:hazard_photo", args=[hazard.pk])).status_code == 404
    assert (
        client.post(reverse("grid:hazard_close", args=[hazard.pk]), {"note": "x"}).status_code
        == 404
    )


def test_the_hazard_page_does_not_grow_with_the_hazards(
    client, patrolled, grid_worker, django_assert_max_num_queries
):
    _grid, household = patrolled
    patrol = services.visit_record(
        household=household,
        user=grid_worker,
        visited_on=datetime.date(2026, 11, 20),
        kind="safety",
        findings="排查",
    )
    client.force_login(grid_worker)
    for count in (1, 12):
        for n in range(count):
            services.hazard_record(
                visit=patrol,
                kind="road",
                description=f"路面塌陷{n}",
                deadline=datetime.date(2026, 11, 30),
                by=None,
            )
        with django_assert_max_num_queries(8):
            assert client.get(reverse("grid:hazard_new", args=[patrol.pk])).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(reverse("grid:detail", args=[_grid.pk])).status_code == 200
