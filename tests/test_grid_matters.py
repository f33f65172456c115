"""Matters on their pages (issue 10): a visit raises one, the village resolves it with a
reply the family reads on its public page, the township sees what was sent up, and the
queue filters and exports."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import _staff
from grid import services
from grid.models import Matter, MatterLevel
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(village):
    household = HouseholdFactory(village=village, number="0012")
    ResidentFactory(household=household, relation="head", name="张三力")
    return household


def test_a_visit_raises_a_matter_the_village_resolves_and_the_family_reads(
    client, home, grid_worker, village_cadre, django_capture_on_commit_callbacks
):
    client.force_login(grid_worker)
    data = {
        "visited_on": "2026-11-23",
        "kind": "routine",
        "findings": "老人养老金需要资格认证",
        "matter_to_raise": "on",
    }
    response = client.post(reverse("grid:visit_new", args=[home.pk]), data)
    assert response["Location"].startswith(reverse("grid:matter_new", args=[home.pk]))
    response = client.post(
        response["Location"],
        {
            "source": "visit",
            "category": "pension",
            "urgency": "normal",
            "title": "养老金资格认证",
            "notify_resident": "on",
        },
    )
    matter = Matter.objects.get()
    assert matter.visit is not None
    assert response["Location"] == reverse("grid:matter", args=[matter.pk])
    client.force_login(village_cadre)
    assert "养老金资格认证" in client.get(reverse("grid:matters")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reply = {"action": "resolve", "reply": "已上门代办认证，本月养老金照常发放"}
        client.post(reverse("grid:matter_action", args=[matter.pk]), reply)
    matter.refresh_from_db()
    assert matter.resolved_on_time
    client.logout()
    public = client.get(reverse("households:public", args=[home.public_token])).content.decode()
    assert "已上门代办认证" in public


def test_the_township_handles_what_was_sent_up_and_the_village_then_reads_only(
    client, village, home, village_cadre, township_officer
):
    matter = services.matter_create(
        village=village,
        user=village_cadre,
        source="phone",
        category="dispute",
        urgency="urgent",
        title="宅基地纠纷",
        household=home,
    )
    client.force_login(township_officer)
    page = client.get(reverse("grid:matter", args=[matter.pk])).content.decode()
    assert 'value="resolve"' not in page  # the village's step, not theirs
    services.matter_escalate(matter=matter, user=village_cadre, note="调解不成")
    page = client.get(reverse("grid:matters"), {"level": "township"}).content.decode()
    assert "宅基地纠纷" in page
    client.post(
        reverse("grid:matter_action", args=[matter.pk]),
        {"action": "resolve", "reply": "乡镇司法所已调解"},
    )
    matter.refresh_from_db()
    assert matter.resolved_at is not None
    client.force_login(village_cadre)
    response = client.post(reverse("grid:matter_action", args=[matter.pk]), {"action": "escalate"})
    assert response.status_code == 403


def test_the_queue_shows_overdue_matters_and_exports_them(client, village, home, village_cadre):
    start = datetime.datetime(2026, 11, 22, 0, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        services.matter_create(
            village=village,
            user=village_cadre,
            source="walk_in",
            category="utilities",
            urgency="urgent",
            title="代缴电费",
            household=home,
        )
        services.matter_create(
            village=village,
            user=village_cadre,
            source="walk_in",
            category="certificate",
            urgency="routine",
            title="开具证明",
        )
    client.force_login(village_cadre)
    page = client.get(reverse("grid:matters"), {"status": "overdue"}).content.decode()
    assert "代缴电费" in page
    assert "开具证明" not in page
    response = client.get(reverse("grid:matters"), {"status": "open", "format": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    titles = [row[2] for row in rows.to_python()[1:]]
    assert sorted(titles) == ["代缴电费", "开具证明"]


def test_matter_pages_do_not_grow_with_the_matters(
    client, village, home, village_cadre, django_assert_max_num_queries
):
    client.force_login(village_cadre)
    for count in (2, 30):
        for n in range(count):
            services.matter_create(
                village=village,
                user=village_cadre,
                source="walk_in",
                category="problem",
                urgency="normal",
                title=f"反映{n}",
                household=home,
            )
        with django_assert_max_num_queries(10):
            assert client.get(reverse("grid:matters")).status_code == 200
    matter = Matter.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("grid:matter", args=[matter.pk])).status_code == 200
    assert matter.level == MatterLevel.VILLAGE


def test_the_township_filters_its_villages_matters(
    client, village, sibling_village, village_cadre, township_officer
):
    for where, title in ((village, "渡头村的诉求"), (sibling_village, "邻村的诉求")):
        services.matter_create(
            village=where,
            user=village_cadre if where == village else _staff(Role.VILLAGE_CADRE, where),
            source="phone",
            category="problem",
            urgency="normal",
            title=title,
        )
    client.force_login(township_officer)
    everything = client.get(reverse("grid:matters")).content.decode()
    assert "渡头村的诉求" in everything
    assert "邻村的诉求" in everything
    one = client.get(reverse("grid:matters"), {"village": sibling_village.pk}).content.decode()
    assert "邻村的诉求" in one
    assert "渡头村的诉求" not in one


def test_a_matter_is_assigned_only_to_staff_of_its_area(
    client, village, village_cadre, grid_worker, far_county
):
    stranger = UserFactory()
    StaffAssignment.objects.create(user=stranger, region=far_county, role=Role.COUNTY_OFFICER)
    matter = services.matter_create(
        village=village,
        user=village_cadre,
        source="phone",
        category="problem",
        urgency="normal",
        title="路灯坏了",
    )
    client.force_login(village_cadre)
    url = reverse("grid:matter_action", args=[matter.pk])
    page = client.post(url, {"action": "assign", "user": stranger.pk}, follow=True)
    assert "请选择能办理此诉求的人。" in page.content.decode()
    client.post(url, {"action": "assign", "user": grid_worker.pk})
    matter.refresh_from_db()
    assert matter.assigned_to == grid_worker


def test_the_matter_form_does_not_grow_with_the_households_matters(
    client, village, home, village_cadre, django_assert_max_num_queries
):
    client.force_login(village_cadre)
    url = reverse("grid:matter_new", args=[home.pk])
    for count in (1, 25):
        for n in range(count):
            services.matter_create(
                village=village,
                user=village_cadre,
                source="walk_in",
                category="problem",
                urgency="normal",
                title=f"反映{n}",
                household=home,
            )
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200


def test_an_id_number_typed_into_a_matter_or_visit_is_kept_masked(village, home, grid_worker):
    from tests.factories import make_id_number

    number = make_id_number()
    matter = services.matter_create(
        village=village,
        user=grid_worker,
        source="walk_in",
        category="certificate",
        urgency="normal",
        title=f"为{number}开证明",
        description=f"身份证 {number}",
        household=home,
    )
    visit = services.visit_record(
        household=home,
        user=grid_worker,
        visited_on=datetime.date(2026, 11, 20),
        kind="routine",
        findings=f"核对身份证 {number}",
    )
    for text in (matter.title, matter.description, visit.findings):
        assert number not in text
        assert number[:4] in text
