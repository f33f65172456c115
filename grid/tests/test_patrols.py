"""Village-wide patrols (issue 25, item 4): hazards at places of the village — a road, a
slope, a drinking-water source, a river, a bridge, a public building — with a place
name, optional coordinates, photos, a deadline and a closing photo; the village's open
hazards by kind, the township's overdue ones."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grid import services
from grid.models import Hazard, HazardKind

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def _jpeg_with_gps() -> SimpleUploadedFile:
    """A phone's photo: its EXIF holds where it was taken."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (28.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def _hazard(village, user, **fields):
    values = {
        "kind": HazardKind.SLOPE,
        "place": "三组后山",
        "description": "雨后坡面有裂缝",
        "deadline": TODAY + datetime.timedelta(days=7),
    }
    values.update(fields)
    return services.patrol_hazard(village=village, by=user, **values)


def test_a_grid_worker_records_a_hazard_at_a_place(village, grid_worker):
    hazard = _hazard(
        village,
        grid_worker,
        latitude=Decimal("28.512345"),
        longitude=Decimal("115.912345"),
        photo=_jpeg_with_gps(),
    )
    assert hazard.household is None
    assert hazard.where == "三组后山"
    assert hazard.found_on == TODAY
    with hazard.photo.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert not stored.getexif()  # the photo keeps no location


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"place": " "}, "place"),
        ({"latitude": Decimal("28.5")}, "longitude"),
        ({"deadline": TODAY - datetime.timedelta(days=1)}, "deadline"),
    ],
)
def test_a_hazard_without_its_place_half_coordinates_or_a_past_deadline_is_refused(
    village, village_cadre, fields, field
):
    with pytest.raises(ValidationError) as refused:
        _hazard(village, village_cadre, **fields)
    assert field in refused.value.message_dict


def test_the_deadline_may_be_the_patrol_day(village, village_cadre):
    assert _hazard(village, village_cadre, deadline=TODAY).deadline == TODAY


def test_another_villages_cadre_does_not_record_here(village, other_village_cadre):
    with pytest.raises(PermissionDenied):
        _hazard(village, other_village_cadre)


def test_closing_takes_a_photo_of_it_put_right(client, village, village_cadre):
    hazard = _hazard(village, village_cadre)
    client.force_login(village_cadre)
    response = client.post(
        reverse("grid:hazard_close", args=[hazard.pk]),
        {"note": "已清理坡面并设警示牌", "photo": _jpeg_with_gps()},
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.closed_by == village_cadre
    photo = client.get(reverse("grid:hazard_closing_photo", args=[hazard.pk]))
    assert photo["Content-Type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(photo.content)).getexif()


def test_a_file_that_is_not_a_photo_does_not_close_it(client, village, village_cadre):
    hazard = _hazard(village, village_cadre)
    client.force_login(village_cadre)
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    client.post(reverse("grid:hazard_close", args=[hazard.pk]), {"note": "x", "photo": fake})
    hazard.refresh_from_db()
    assert hazard.closed_at is None


@pytest.mark.parametrize(("days", "overdue"), [(0, False), (-1, True)])
def test_the_township_sees_its_villages_overdue_hazards(
    client, village, sibling_village, village_cadre, township_officer, days, overdue
):
    hazard = _hazard(village, village_cadre, deadline=TODAY)
    Hazard.objects.filter(pk=hazard.pk).update(deadline=TODAY + datetime.timedelta(days=days))
    client.force_login(township_officer)
    page = client.get(reverse("grid:hazards"), {"status": "overdue"}).content.decode()
    assert (f'id="hazard-{hazard.pk}"' in page) is overdue


def test_the_villages_list_counts_open_hazards_by_kind(
    client, village, other_village, village_cadre, other_village_cadre
):
    _hazard(village, village_cadre)
    _hazard(village, village_cadre, kind=HazardKind.BRIDGE, place="村东桥")
    _hazard(other_village, other_village_cadre, kind=HazardKind.RIVER, place="塔城河")
    client.force_login(village_cadre)
    page = client.get(reverse("grid:hazards")).content.decode()
    assert "村东桥" in page
    assert "塔城河" not in page  # another township's village
    assert 'id="hazards-by-kind"' in page
