from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook
from PIL import Image

from households.masking import mask
from households.models import AccessEvent, Document, Household, LifeEvent, Resident, ResidentStatus
from tests.factories import HouseholdFactory, ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db


def _sheet(response):
    wb = load_workbook(io.BytesIO(response.content))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def _resident_post(**overrides):
    data = {
        "name": "李小红",
        "id_number": make_id_number(sex="F"),
        "relation": "spouse",
        "ethnicity": "汉族",
        "education": "junior",
        "health": "healthy",
        "disability_grade": 0,
        "disability_kind": "",
        "labour_ability": "normal",
        "employment": "migrant",
        "work_place": "广东省东莞市",
        "political_status": "masses",
        "phone": "13900001111",
    }
    data.update(overrides)
    return data


def test_household_list_shows_own_village_only(cadre_client, resident, other_resident):
    response = cadre_client.get("/households/")
    body = response.content.decode()
    assert resident.household.number in body
    assert other_resident.name not in body
    assert other_resident.household.village.name not in body


def test_search_by_exact_id_number_finds_the_household(cadre_client, household, resident):
    HouseholdFactory.create_batch(3, village=household.village)
    number = resident.id_number()
    response = cadre_client.get("/households/", {"q": number, "page": 2}, follow=True)
    assert list(response.context["page"].object_list) == [household]
    # The number is swapped for its keyed hash: not in the URL, the page or the log.
    final_url = response.redirect_chain[-1][0]
    assert number not in final_url
    assert "idh=" in final_url
    assert number not in response.content.decode()
    residents = cadre_client.get("/residents/", {"q": number}, follow=True).context["page"]
    assert list(residents.object_list) == [resident]


def test_search_by_name(cadre_client, household):
    ResidentFactory(household=household, name="王建喆")
    other = HouseholdFactory(village=household.village)
    ResidentFactory(household=other, name="赵六")
    response = cadre_client.get("/households/", {"q": "建喆"})
    assert list(response.context["page"].object_list) == [household]


def test_filters_by_member_labour_ability_and_support(cadre_client, village):
    weak = HouseholdFactory(village=village, is_dibao=True)
    ResidentFactory(household=weak, labour_ability="weak")
    strong = HouseholdFactory(village=village)
    ResidentFactory(household=strong, labour_ability="normal")
    page = cadre_client.get("/households/", {"labour_ability": "weak"}).context["page"]
    assert list(page.object_list) == [weak]
    page = cadre_client.get("/households/", {"support": "dibao"}).context["page"]
    assert list(page.object_list) == [weak]


def test_monitored_households_are_filtered_exported_and_named(cadre_client, village, group):
    """The mirror of monitoring's enrolments (set by its service only) is what the list
    filter, the export and the household page show."""
    from households.services import monitoring_mirror_set

    plain = HouseholdFactory(village=village, group=group, number="0001")
    watched = HouseholdFactory(village=village, group=group, number="0002")
    monitoring_mirror_set(household=watched, category="marginal", user=None, reason="纳入监测")
    page = cadre_client.get("/households/", {"poverty_status": "monitored"}).context["page"]
    assert list(page.object_list) == [watched]
    rows = _sheet(cadre_client.get("/households/export/"))
    column = rows[0].index("监测户")
    assert {r[2]: r[column] or "" for r in rows[1:]} == {"0001": "", "0002": "边缘易致贫户"}
    assert "边缘易致贫户" in cadre_client.get(f"/households/{watched.pk}/").content.decode()
    assert "边缘易致贫户" not in cadre_client.get(f"/households/{plain.pk}/").content.decode()


def test_household_export_is_masked_and_scoped(cadre_client, resident, other_resident):
    response = cadre_client.get("/households/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response)
    flat = " ".join(str(c) for r in rows for c in r)
    assert mask(resident.id_number(), "id") in flat
    assert resident.id_number() not in flat
    assert other_resident.household.village.name not in flat
    assert AccessEvent.objects.filter(kind="export_masked").count() == 1


def test_resident_export_is_masked_and_scoped(cadre_client, resident, other_resident):
    rows = _sheet(cadre_client.get("/residents/export/"))
    names = [r[3] for r in rows[1:]]
    assert names == [resident.name]
    assert rows[1][5] == resident.masked_id()
    assert rows[1][15] == "138****5678"


def test_full_export_needs_a_reason_and_is_recorded(cadre_client, resident):
    response = cadre_client.post("/residents/export/", {"reason": ""})
    assert response.status_code == 302
    assert not AccessEvent.objects.exists()
    response = cadre_client.post("/residents/export/", {"reason": "医保核对"})
    rows = _sheet(response)
    assert rows[1][5] == resident.id_number()
    event = AccessEvent.objects.get()
    assert (event.kind, event.reason) == ("export_full", "医保核对")


def test_full_export_without_permission_is_403(client, plain_cadre, resident):
    client.force_login(plain_cadre)
    assert client.post("/residents/export/", {"reason": "x y"}).status_code == 403


def test_detail_shows_masked_id_and_members(cadre_client, resident):
    body = cadre_client.get(f"/households/{resident.household_id}/").content.decode()
    assert resident.masked_id() in body
    assert resident.id_number() not in body
    assert resident.name in body


def test_reveal_asks_for_a_reason_then_records_who_whose_when_why(
    cadre_client, village_cadre, resident
):
    url = f"/residents/{resident.pk}/reveal/id/"
    first = cadre_client.get(url)
    assert resident.id_number() not in first.content.decode()
    response = cadre_client.post(url, {"reason": "办理医保"})
    assert resident.id_number() in response.content.decode()
    event = AccessEvent.objects.get()
    assert (event.user, event.resident, event.kind, event.reason) == (
        village_cadre,
        resident,
        "view_id",
        "办理医保",
    )
    assert event.created_at is not None
    assert response["Cache-Control"] == "private, no-store"


def test_create_household_then_register_member(cadre_client, village, group):
    response = cadre_client.post(
        "/households/new/",
        {
            "village": village.pk,
            "group": group.pk,
            "number": " 0777 ",
            "address": "一组7号",
            "poverty_status": "none",
            "living_environment": "",
        },
    )
    household = Household.objects.get(number="0777")
    assert response.status_code == 302
    response = cadre_client.post(f"/households/{household.pk}/residents/new/", _resident_post())
    assert response.status_code == 302, response.context["form"].errors
    person = household.residents.get()
    assert person.sex == "F"
    assert person.phone() == "13900001111"
    assert person.history.first().history_user is not None


def test_household_group_must_belong_to_the_village(cadre_client, village, sibling_village):
    from tests.factories import RegionFactory

    foreign_group = RegionFactory(
        code="360121104202001", name="一组", level="group", parent=sibling_village
    )
    response = cadre_client.post(
        "/households/new/",
        {"village": village.pk, "group": foreign_group.pk, "number": "1", "poverty_status": "none"},
    )
    assert response.status_code == 200
    assert not Household.objects.exists()


def test_bad_id_number_gets_a_message_and_keeps_the_form(cadre_client, household):
    data = _resident_post(id_number="360121199001011230")
    response = cadre_client.post(f"/households/{household.pk}/residents/new/", data)
    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "李小红"
    assert response.context["form"].errors["id_number"]


def test_second_registration_of_same_person_points_to_existing(cadre_client, household, resident):
    other = HouseholdFactory(village=household.village)
    data = _resident_post(id_number=resident.id_number())
    response = cadre_client.post(f"/households/{other.pk}/residents/new/", data)
    assert response.status_code == 200
    assert response.context["existing"] == resident
    assert f"/households/{household.pk}/" in response.content.decode()
    assert Resident.objects.count() == 1


def test_duplicate_outside_region_is_refused_without_saying_where(
    cadre_client, household, other_resident
):
    data = _resident_post(id_number=other_resident.id_number())
    response = cadre_client.post(f"/households/{household.pk}/residents/new/", data)
    assert response.context["existing"] is None
    body = response.content.decode()
    assert other_resident.household.village.name not in body
    assert Resident.objects.count() == 1


def test_move_moves_the_same_record(cadre_client, household, resident):
    target = HouseholdFactory(village=household.village)
    response = cadre_client.post(f"/residents/{resident.pk}/move/", {"household": target.pk})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.household == target
    assert Resident.objects.count() == 1


def test_move_page_finds_the_target_by_number_or_head_name(
    cadre_client, household, resident, other_household, django_assert_max_num_queries
):
    target = HouseholdFactory(village=household.village, number="0417", address="渡头村三组")
    ResidentFactory(household=target, name="龚秀英", relation="head")
    for i in range(30):  # a village of many households: only matches are offered
        HouseholdFactory(village=household.village, number=f"2{i:03d}")
    url = f"/residents/{resident.pk}/move/"
    assert "move-matches" not in cadre_client.get(url).content.decode()
    # queries: session, user, assignments, the resident, the matches (with head names)
    with django_assert_max_num_queries(8):
        by_number = cadre_client.get(url, {"q": "0417"})
    assert [h.pk for h in by_number.context["matches"]] == [target.pk]
    assert [h.pk for h in cadre_client.get(url, {"q": "秀英"}).context["matches"]] == [target.pk]
    # another village's household never appears, whatever the search
    other = cadre_client.get(url, {"q": other_household.number}).context["matches"]
    assert other_household.pk not in [h.pk for h in other]
    assert "没有" in cadre_client.get(url, {"q": "不存在的户"}).content.decode()
    # a member's ID number finds the household, and leaves the address bar as its hash
    member = ResidentFactory(household=target, name="龚建军", relation="son")
    searched = cadre_client.get(url, {"q": member.id_number()})
    assert searched.status_code == 302
    assert member.id_number() not in searched["Location"]
    assert [h.pk for h in cadre_client.get(searched["Location"]).context["matches"]] == [target.pk]


def test_cannot_move_into_a_household_outside_the_region(cadre_client, resident, other_household):
    response = cadre_client.post(
        f"/residents/{resident.pk}/move/", {"household": other_household.pk}
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.household != other_household


def test_death_event_changes_status_and_shows_in_history(cadre_client, resident):
    response = cadre_client.post(
        f"/residents/{resident.pk}/events/new/", {"kind": "death", "date": "2026-10-01", "note": ""}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.status == "deceased"
    assert LifeEvent.objects.get().recorded_by is not None
    detail = cadre_client.get(f"/households/{resident.household_id}/")
    changes = [c for row in detail.context["history"] for c in row["changes"]]
    with translation.override("zh-hans"):
        expected = (str(ResidentStatus.LIVING.label), str(ResidentStatus.DECEASED.label))
    assert expected in [(old, new) for _name, old, new in changes]


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (28.0, 30.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_document_upload_strips_exif_and_serves_only_in_scope(
    cadre_client, client, other_village_cadre, household
):
    raw = _photo_with_gps()
    assert b"PhoneMaker" in raw
    response = cadre_client.post(
        f"/households/{household.pk}/documents/new/",
        {"kind": "other", "file": SimpleUploadedFile("card.jpg", raw, "image/jpeg")},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    served = cadre_client.get(f"/documents/{document.pk}/").content
    assert served[:2] == b"\xff\xd8"
    assert b"PhoneMaker" not in served
    assert not Image.open(io.BytesIO(served)).getexif()
    client.force_login(other_village_cadre)
    assert client.get(f"/documents/{document.pk}/").status_code == 404


def test_document_upload_rejects_non_images_with_a_message(cadre_client, household):
    response = cadre_client.post(
        f"/households/{household.pk}/documents/new/",
        {"kind": "id_card", "file": SimpleUploadedFile("x.jpg", b"not an image")},
        follow=True,
    )
    assert not Document.objects.exists()
    assert "JPEG" in response.content.decode()


def test_resident_preset_able_to_work_16_to_60_not_employed(cadre_client, household):
    import datetime

    today = datetime.date.today()  # noqa: DTZ011
    fits = ResidentFactory(
        household=household,
        employment="unemployed",
        labour_ability="normal",
        birth_date=today.replace(year=today.year - 30),
    )
    ResidentFactory(
        household=household, employment="migrant", birth_date=today.replace(year=today.year - 30)
    )
    ResidentFactory(
        household=household, employment="unemployed", birth_date=today.replace(year=today.year - 70)
    )
    ResidentFactory(
        household=household,
        employment="unemployed",
        labour_ability="lost",
        birth_date=today.replace(year=today.year - 30),
    )
    page = cadre_client.get("/residents/", {"preset": "able_unemployed"}).context["page"]
    assert list(page.object_list) == [fits]


def test_resident_preset_disabled_or_wubao(cadre_client, village):
    tekun = HouseholdFactory(village=village, is_tekun=True)
    a = ResidentFactory(household=tekun)
    b = ResidentFactory(
        household=HouseholdFactory(village=village), disability_grade=2, disability_kind="physical"
    )
    ResidentFactory(household=HouseholdFactory(village=village))
    page = cadre_client.get("/residents/", {"preset": "disabled_or_tekun"}).context["page"]
    assert set(page.object_list) == {a, b}


def test_bad_filter_values_get_a_message_not_a_500(cadre_client):
    response = cadre_client.get(
        "/residents/", {"age_min": "abc", "age_max": "-3", "village": "999"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_pagination(cadre_client, village, settings):
    settings.PAGE_SIZE = 5
    HouseholdFactory.create_batch(12, village=village)
    page = cadre_client.get("/households/", {"page": 3}).context["page"]
    assert (page.number, len(page.object_list), page.paginator.num_pages) == (3, 2, 3)


def test_township_officer_lists_exactly_the_households_of_the_township(
    client, township_officer, village, sibling_village, other_village
):
    mine = [HouseholdFactory(village=village), HouseholdFactory(village=sibling_village)]
    HouseholdFactory(village=other_village)
    client.force_login(township_officer)
    page = client.get("/households/").context["page"]
    assert set(page.object_list) == set(mine)


def test_county_officer_lists_every_household(client, county_officer, village, other_village):
    everything = [HouseholdFactory(village=village), HouseholdFactory(village=other_village)]
    client.force_login(county_officer)
    assert set(client.get("/households/").context["page"].object_list) == set(everything)


def test_village_filter_outside_the_region_is_rejected(cadre_client, household, other_village):
    response = cadre_client.get("/households/", {"village": other_village.pk})
    assert response.context["form"].errors["village"]
    assert list(response.context["page"].object_list) == [household]


def test_life_event_in_the_future_is_refused_with_a_message(cadre_client, resident):
    response = cadre_client.post(
        f"/residents/{resident.pk}/events/new/", {"kind": "death", "date": "2099-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"]
    resident.refresh_from_db()
    assert resident.status == "living"


def test_editing_without_retyping_keeps_id_and_phone(cadre_client, resident):
    number, phone = resident.id_number(), resident.phone()
    data = _resident_post(id_number="", phone="", name="张新名", relation="head")
    response = cadre_client.post(f"/residents/{resident.pk}/edit/", data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.name, resident.id_number(), resident.phone()) == ("张新名", number, phone)


def test_export_by_a_two_village_cadre_is_logged_at_their_township(
    cadre_client, village_cadre, sibling_village, township
):
    from villages.models import StaffAssignment

    StaffAssignment.objects.create(user=village_cadre, region=sibling_village, role="village_cadre")
    cadre_client.get("/households/export/")
    assert AccessEvent.objects.get().region == township


def test_home_can_show_one_village(
    cadre_client, client, township_officer, village, sibling_village
):
    ResidentFactory(household=HouseholdFactory(village=village))
    ResidentFactory(household=HouseholdFactory(village=sibling_village))
    ResidentFactory(household=HouseholdFactory(village=sibling_village))
    client.force_login(township_officer)
    whole = client.get("/")
    assert whole.context["selected"] is None
    one = client.get("/", {"region": village.code})
    assert one.context["selected"] == village
    assert "渡头村" in one.content.decode()
    numbers = one.content.decode().split('class="value">')[1:3]
    assert numbers[0].startswith("1<")  # one household in 渡头村
    assert whole.content.decode().split('class="value">')[1].startswith("3<")


def test_admin_cannot_write_the_registry_around_the_services(client, django_user_model, resident):
    admin_user = django_user_model.objects.create_superuser("root", password="x-pass-12345")
    client.force_login(admin_user)
    assert client.get("/admin/households/resident/add/").status_code == 403
    page = client.get(f"/admin/households/resident/{resident.pk}/change/")
    assert page.status_code == 200  # view only
    assert resident.id_cipher not in page.content.decode()
    assert resident.name not in page.content.decode()


def test_access_log_links_the_household_of_each_event(
    cadre_client, village_cadre, household, resident, django_assert_max_num_queries
):
    from households.services import access_record

    for _ in range(5):
        access_record(
            user=village_cadre, kind="view_id", region=household.village, resident=resident
        )
    # queries: session, user, assignments, count, the page of events, the linkable households,
    # the assignments of the people named (issue 22: name, role and region)
    with django_assert_max_num_queries(8):
        page = cadre_client.get("/access-log/").content.decode()
    assert f'href="/households/{household.pk}/"' in page
    assert f"{household.number} 号户" in page
