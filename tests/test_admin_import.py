"""Reference data through the admin's django-import-export screens (issue 23): a real
.xlsx and a GB18030 .csv imported with a dry run and a confirm, saved by the apps'
services; an export written by the portal's one writer; a refusal as the row's error."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from common.reference import REFERENCE_LIMITS, Workbook
from common.xlsx import workbook_bytes
from conftest import _staff
from grid.models import Grid
from monitoring.models import DataItem
from points.models import PointRule
from points.resources import PointRuleResource
from tests.factories import UserFactory
from villages.models import Role, StaffAssignment, StaffAuditEvent
from villages.resources import StaffAssignmentResource


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def _dry_run(client, model: str, name: str, content: bytes, fmt: int) -> str:
    """The import's first step: the page that shows what would change."""
    upload = io.BytesIO(content)
    upload.name = name
    dry = client.post(
        reverse(f"admin:{model.replace('.', '_')}_import"), {"format": fmt, "import_file": upload}
    )
    assert dry.status_code == 200
    return dry.content.decode()


def _confirm(client, model: str, dry: str) -> None:
    confirm = _hidden(dry)
    assert "import_file_name" in confirm, dry[-3000:]
    done = client.post(reverse(f"admin:{model.replace('.', '_')}_process_import"), confirm)
    assert done.status_code == 302


def test_a_village_catalogue_comes_in_as_xlsx_with_a_dry_run_first(admin_client, village):
    data = workbook_bytes(
        ["村代码", "类别", "积分事项", "分值", "启用"],
        [
            [village.code, "孝老爱亲", "照顾孤寡老人", "10", "是"],
            [village.code, "人居环境", "=1+1", "5", "1"],  # a name, not a formula
        ],
    )
    dry = _dry_run(admin_client, "points.pointrule", "积分规则.xlsx", data, 0)
    assert "照顾孤寡老人" in dry
    assert PointRule.objects.count() == 0  # the dry run wrote nothing
    _confirm(admin_client, "points.pointrule", dry)
    rules = {r.name: r.points for r in PointRule.objects.filter(village=village)}
    assert rules == {"照顾孤寡老人": 10, "=1+1": 5}
    # the export is the portal's writer's workbook: the name stays text
    url = reverse("admin:points_pointrule_export")
    form = admin_client.get(url).content.decode()
    chosen = dict.fromkeys(re.findall(r'name="(pointruleresource_\w+)"', form), "on")
    exported = admin_client.post(url, {"format": 0, "resource": 0, **chosen})
    assert exported.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(exported.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0][:3] == ["村代码", "类别", "积分事项"]
    assert [row[2] for row in rows[1:] if row[2] == "=1+1"] == ["=1+1"]
    assert b"<f>" not in exported.content  # no formula anywhere in the package


def test_a_gb18030_catalogue_csv_comes_in_and_an_unknown_department_is_named(admin_client):
    text = "代码,部门代码,名称,类型,单位,含义,启用\r\nYB09,YB,门诊慢特病自付,金额,元,,是\r\n"
    dry = _dry_run(admin_client, "monitoring.dataitem", "目录.csv", text.encode("gb18030"), 1)
    assert "门诊慢特病自付" in dry
    assert not DataItem.objects.filter(code="YB09").exists()
    _confirm(admin_client, "monitoring.dataitem", dry)
    assert DataItem.objects.get(code="YB09").name == "门诊慢特病自付"
    bad = "代码,部门代码,名称,类型,单位,含义,启用\r\nZZ01,ZZ,无此部门,金额,元,,是\r\n"
    upload = io.BytesIO(bad.encode("gb18030"))
    upload.name = "目录.csv"
    page = admin_client.post(
        reverse("admin:monitoring_dataitem_import"), {"format": 1, "import_file": upload}
    ).content.decode()
    assert "No record with the code ZZ" in page or "没有代码为" in page
    assert not DataItem.objects.filter(code="ZZ01").exists()


def test_a_file_past_the_limit_is_refused_before_it_is_read(admin_client):
    upload = io.BytesIO(b"x" * (REFERENCE_LIMITS.max_bytes + 1))
    upload.name = "big.csv"
    page = admin_client.post(
        reverse("admin:grid_grid_import"), {"format": 1, "import_file": upload}
    ).content.decode()
    assert "1 MB" in page
    assert Grid.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_a_row_outside_the_users_village(village, sibling_village):
    """The resource saves through points.services.rule_save: a cadre of the sibling
    village imports a rule for this one and the row is refused, nothing saved."""
    outsider = _staff(Role.VILLAGE_CADRE, sibling_village)
    data = workbook_bytes(["村代码", "类别", "积分事项", "分值", "启用"],
                          [[village.code, "孝老爱亲", "照顾孤寡老人", "10", "是"]])  # fmt: skip
    dataset = Workbook().create_dataset(data)
    result = PointRuleResource().import_data(dataset, dry_run=False, user=outsider)
    assert result.has_validation_errors()
    assert PointRule.objects.count() == 0
    own = _staff(Role.VILLAGE_CADRE, village)
    result = PointRuleResource().import_data(dataset, dry_run=False, user=own)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert PointRule.objects.get().name == "照顾孤寡老人"


def test_tables_of_people_come_in_but_do_not_go_out(admin_client):
    """Grid members (names, phones) and staff assignments are imported here; they leave
    the portal only as the staff pages' recorded downloads."""
    for model in ("grid_gridmember", "villages_staffassignment"):
        assert admin_client.get(reverse(f"admin:{model}_export")).status_code == 403
        assert admin_client.get(reverse(f"admin:{model}_import")).status_code == 200
    assert admin_client.get(reverse("admin:grid_grid_export")).status_code == 200


def test_staff_assignments_come_in_through_the_staff_service_and_are_audited(
    county_officer, village
):
    newcomer = UserFactory(username="wang")
    data = workbook_bytes(
        ["账号", "区划代码", "角色", "可看完整身份"],
        [
            ["wang", village.code, "网格员", "否"],
            [county_officer.username, village.code, "村干部", "否"],
        ],
    )
    result = StaffAssignmentResource().import_data(
        Workbook().create_dataset(data), dry_run=False, user=county_officer
    )
    # the second row is the officer's own account: refused, the first one kept
    assert result.has_validation_errors()
    assert list(StaffAssignment.objects.filter(user=newcomer).values_list("role", flat=True)) == [
        Role.GRID_WORKER
    ]
    assert StaffAuditEvent.objects.filter(target=newcomer, actor=county_officer).exists()
    assert not StaffAssignment.objects.filter(user=county_officer, region=village).exists()


def test_the_admin_changes_an_assignments_identity_right_and_it_is_saved(admin_client, village):
    """The change form hands the service the stored assignment (the form's object already
    holds the new value: the service saw nothing to change and saved nothing)."""
    cadre = _staff(Role.VILLAGE_CADRE, village)
    assignment = StaffAssignment.objects.get(user=cadre)
    url = reverse("admin:villages_staffassignment_change", args=[assignment.pk])
    response = admin_client.post(url, {"sees_identity": "on"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.sees_identity is True
    assert StaffAuditEvent.objects.filter(target=cadre, action="identity_granted").exists()
