from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from villages.models import Level, Region, Role, StaffAssignment
from villages.scoping import region_codes
from villages.services import regions_load

SEED = Path(settings.BASE_DIR).parent / "shared" / "data" / "regions" / "seed-counties-2023.csv"


@pytest.mark.django_db
def test_load_regions_loads_the_real_file_as_it_is(capsys):
    call_command("load_regions", str(SEED))
    rows = SEED.read_text(encoding="utf-8").strip().splitlines()[1:]
    assert Region.objects.count() == len(rows) == 103
    assert Region.objects.filter(level=Level.COUNTY).count() == 5
    youlan = Region.objects.get(code="360121104")
    assert youlan.name == "幽兰镇"
    assert youlan.level == Level.TOWNSHIP
    assert youlan.parent.name == "南昌县"
    assert "103 created" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_regions_twice_changes_nothing():
    data = SEED.read_bytes()
    regions_load(data=data)
    again = regions_load(data=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 103)


@pytest.mark.django_db
def test_load_regions_accepts_padded_codes_gb18030_and_reports_bad_rows():
    text = (
        "code,name\n360121000000,南昌县\n360121104000,幽兰镇\n360121104201,渡头村\n"
        "360121104201003,三组\n12345,坏代码\n360999101,无上级\n"
    )
    result = regions_load(data=text.encode("gb18030"))
    assert result.created == 4
    assert Region.objects.get(code="360121104201003").parent.code == "360121104201"
    assert len(result.errors) == 2
    assert "12345" in result.errors[0]
    assert "360999" in result.errors[1]


@pytest.mark.django_db
def test_township_officer_sees_exactly_the_villages_of_the_township(
    township_officer, village, sibling_village, other_village
):
    seen = set(Region.objects.visible_to(township_officer).villages())
    assert seen == {village, sibling_village}


@pytest.mark.django_db
def test_county_officer_sees_every_village(county_officer, village, sibling_village, other_village):
    seen = set(Region.objects.visible_to(county_officer).villages())
    assert seen == {village, sibling_village, other_village}


@pytest.mark.django_db
def test_nested_assignments_collapse_to_the_broadest(township, village, county_officer):
    StaffAssignment.objects.create(user=county_officer, region=village, role=Role.VILLAGE_CADRE)
    county_officer._portal_assignments = None
    assert region_codes(county_officer) == ["360121"]


@pytest.mark.django_db
def test_user_without_assignment_sees_nothing(village, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    assert not Region.objects.visible_to(user).exists()


def test_a_printed_page_names_the_outermost_regions_one_works_in(
    village_cadre, village, township, other_village
):
    """The print head (issue 22): an account with the village and its township names the
    township only; one in two places names both; an anonymous user none."""
    from django.contrib.auth.models import AnonymousUser

    from villages.scoping import region_names

    assert region_names(village_cadre) == [village.name]
    StaffAssignment.objects.create(user=village_cadre, region=township, role=Role.TOWNSHIP_OFFICER)
    StaffAssignment.objects.create(user=village_cadre, region=other_village, role=Role.GRID_WORKER)
    village_cadre._portal_assignments = None  # (loaded once per request)
    assert region_names(village_cadre) == [township.name, other_village.name]
    assert region_names(AnonymousUser()) == []
