"""Permissions live in the services that write (issue 23): a view, a command and a task
meet the same rule. Each service is called here directly, as a command would, by someone
who may and by someone just outside (the sibling village's cadre, the wrong role)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import _staff
from grid import services as grid
from households import services as registry
from households.exports import export_submit
from households.imports import import_submit
from households.models import AccessKind, Listing, ListingStatus
from monitoring import services as monitoring
from monitoring.models import ScreeningSettings
from notices import services as notices
from notices.models import Category, Notice
from points import services as points
from points.models import Good, PointRule
from tests.factories import HouseholdFactory, ResidentFactory
from villages.models import Role


@pytest.fixture
def sibling_cadre(sibling_village):
    return _staff(Role.VILLAGE_CADRE, sibling_village, reveal=True)


def test_the_registry_is_kept_by_its_villages_cadres_only(
    village, sibling_village, village_cadre, sibling_cadre, grid_worker
):
    household = HouseholdFactory(village=village)
    with pytest.raises(PermissionDenied):
        registry.household_update(household=household, user=sibling_cadre, motto="别人家的")
    with pytest.raises(PermissionDenied):
        registry.household_update(household=household, user=grid_worker, motto="网格员改")
    assert registry.household_update(household=household, user=village_cadre, motto="耕读传家")
    # a move is a write at both ends: the cadre may not move a person into another village
    resident = ResidentFactory(household=household)
    elsewhere = HouseholdFactory(village=sibling_village)
    with pytest.raises(PermissionDenied):
        registry.resident_move(resident=resident, to_household=elsewhere, user=village_cadre)


def test_a_full_number_is_revealed_only_under_the_reveal_rule(village, village_cadre, grid_worker):
    resident = ResidentFactory(household=HouseholdFactory(village=village))
    with pytest.raises(PermissionDenied):
        registry.access_record(
            user=grid_worker, kind=AccessKind.VIEW_ID, region=village, resident=resident
        )
    event = registry.access_record(
        user=village_cadre, kind=AccessKind.VIEW_ID, region=village, resident=resident
    )
    assert event.user == village_cadre


def test_a_listing_is_closed_with_its_code_or_by_the_villages_moderator(
    village, village_cadre, sibling_cadre
):
    household = HouseholdFactory(village=village)
    listing = registry.listing_post(
        household=household, kind="sell", product="脐橙", quantity="100", unit="斤"
    )
    with pytest.raises(PermissionDenied):
        registry.listing_close(listing, code="not-the-code")
    with pytest.raises(PermissionDenied):
        registry.listing_close(listing, user=sibling_cadre)
    assert registry.listing_close(listing, code=listing.close_code).status == ListingStatus.CLOSED
    other = registry.listing_post(
        household=household, kind="sell", product="茶油", quantity="10", unit="斤"
    )
    assert registry.listing_close(other, user=village_cadre).status == ListingStatus.CLOSED
    assert Listing.objects.filter(status=ListingStatus.CLOSED).count() == 2


def test_grids_are_cut_by_the_villages_cadres_only(
    village, village_cadre, sibling_cadre, grid_worker
):
    for outsider in (sibling_cadre, grid_worker):
        with pytest.raises(PermissionDenied):
            grid.grid_create(village=village, name="一组网格", by=outsider)
    made = grid.grid_create(village=village, name="一组网格", by=village_cadre)
    with pytest.raises(PermissionDenied):
        grid.households_assign(grid=made, households=[], by=sibling_cadre)


def test_points_are_recorded_by_the_villages_cadres_and_redeemed_by_its_clerk(
    village, village_cadre, sibling_cadre, coop_clerk
):
    household = HouseholdFactory(village=village)
    rule = PointRule.objects.create(village=village, name="好人好事", points=5)
    entry = dict(  # noqa: C408 (keywords read as the call they are passed to)
        household=household,
        rule=rule,
        occurred_on=datetime.date(2026, 11, 20),
        place="村口",
        description="扶老人过马路",
    )
    with pytest.raises(PermissionDenied):
        points.entry_record(**entry, user=sibling_cadre)
    with pytest.raises(PermissionDenied):
        points.entry_record(**entry, user=coop_clerk)
    assert points.entry_record(**entry, user=village_cadre).points == 5


def test_notices_are_written_by_the_keepers_of_their_region(
    village, township, village_cadre, sibling_cadre, township_officer
):
    own = Notice(region=village, category=Category.ANNOUNCEMENT, title="停水通知", body="明天停水")
    with pytest.raises(PermissionDenied):
        notices.notice_save(own, user=sibling_cadre)
    notices.notice_save(own, user=village_cadre)
    with pytest.raises(PermissionDenied):
        notices.notice_publish(own, user=sibling_cadre)
    above = Notice(region=township, category=Category.ANNOUNCEMENT, title="全镇通知", body="开会")
    with pytest.raises(PermissionDenied):  # a village's cadre does not write for the township
        notices.notice_save(above, user=village_cadre)
    notices.notice_save(above, user=township_officer)
    with pytest.raises(PermissionDenied):
        notices.finance_line_add(
            own,
            month=datetime.date(2026, 10, 1),
            direction="income",
            item="租金",
            amount=Decimal(1),
            by=sibling_cadre,
        )


def test_a_matter_is_handled_where_it_stands_and_not_once_resolved(
    village, village_cadre, sibling_cadre, township_officer
):
    matter = grid.matter_create(
        village=village,
        user=village_cadre,
        source="phone",
        category="problem",
        urgency="normal",
        title="路灯坏了",
    )
    with pytest.raises(PermissionDenied):  # the sibling village's cadre
        grid.matter_resolve(matter=matter, user=sibling_cadre, reply="修好了")
    with pytest.raises(PermissionDenied):  # the township's, before it is sent up
        grid.matter_assign(matter=matter, user=township_officer, to=township_officer)
    grid.matter_resolve(matter=matter, user=village_cadre, reply="已修好")
    with pytest.raises(ValidationError):
        grid.matter_assign(matter=matter, user=village_cadre, to=village_cadre)


def test_imports_exports_the_coop_and_the_screening_settings_check_their_writers(
    village, village_cadre, grid_worker, coop_clerk, county_officer
):
    upload = SimpleUploadedFile("户籍.csv", "身份证号,姓名\r\n".encode())
    with pytest.raises(PermissionDenied):  # a grid worker reads the registry, not imports
        import_submit(user=grid_worker, village=village, upload=upload, language="zh-hans")
    without_reveal = _staff(Role.VILLAGE_CADRE, village)
    with pytest.raises(PermissionDenied):
        export_submit(user=without_reveal, kind="residents", params="", full=True, reason="核对")
    assert export_submit(user=village_cadre, kind="residents", params="", full=True, reason="核对")
    good = Good(village=village, name="食用油", price=50, stock=10)
    with pytest.raises(PermissionDenied):
        points.good_save(good, user=village_cadre)  # the co-op's clerk keeps its goods
    assert points.good_save(good, user=coop_clerk).pk
    bands = ScreeningSettings.current()
    bands.high_score = 90
    with pytest.raises(PermissionDenied):
        monitoring.settings_save(bands, user=village_cadre)
    monitoring.settings_save(bands, user=county_officer)
    assert ScreeningSettings.current().high_score == 90
