from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from households.imports import ALL_COLUMNS, COL_ID, COL_PHONE, REQUIRED
from households.models import Household, ImportJob, Resident
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

HEADER = "户编号,村民小组,住址,姓名,身份证号,与户主关系,劳动能力,就业状况,联系电话,低保户"


def _csv(rows: list[str], encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture(autouse=True)
def _run_tasks_on_commit(cadre_client, django_capture_on_commit_callbacks):
    """The import queues its work on commit; inside a test transaction, run it at once."""
    cadre_client.run_on_commit = django_capture_on_commit_callbacks


def _upload(client, village, data: bytes, name: str = "户籍.csv"):
    with client.run_on_commit(execute=True):
        response = client.post(
            "/import/", {"village": village.pk, "file": SimpleUploadedFile(name, data)}
        )
    return client.get(response["Location"]) if response.status_code == 302 else response


def _confirm(client, job, **kwargs):
    with client.run_on_commit(execute=True):
        return client.post(f"/import/{job.token}/", **kwargs)


def _good_rows(n: int, start: int = 1) -> list[str]:
    return [
        f"{1000 + i},一组,一组{i}号,村民{i},{make_id_number()},户主,普通劳动力,务农,13800000000,否"
        for i in range(start, start + n)
    ]


def test_gb18030_csv_with_rare_characters_round_trips_exactly(cadre_client, village, group):
    names = ["李䶮", "王堃", "张喆"]
    rows = [
        f"20{i},一组,一组{i}号,{name},{make_id_number()},户主,普通劳动力,务农,,否"
        for i, name in enumerate(names)
    ]
    data = _csv(rows, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # it really is GB18030, not UTF-8
    response = _upload(cadre_client, village, data)
    job = ImportJob.objects.get()
    assert job.totals == {"new": 3, "update": 0, "error": 0, "rows": 3}
    assert not Resident.objects.exists()  # the dry run wrote nothing
    _confirm(cadre_client, job)
    assert sorted(Resident.objects.values_list("name", flat=True)) == sorted(names)
    exported = cadre_client.get("/residents/export/")
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert sorted(r[3] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(names)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)]
)
def test_csv_encodings_are_read(cadre_client, village, group, encoding, bom):
    _upload(cadre_client, village, _csv(_good_rows(2), encoding, bom))
    assert ImportJob.objects.get().totals["new"] == 2


def test_a_sheet_larger_than_memory_is_read_back_from_its_sealed_upload(
    cadre_client, village, group, settings
):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE the upload waits encrypted on disk
    (common.uploads); the import reads every row of it."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = _csv(_good_rows(40))
    assert len(data) > 2048
    _upload(cadre_client, village, data)
    assert ImportJob.objects.get().totals["new"] == 40


def test_three_bad_rows_are_reported_exactly_and_nothing_is_written(cadre_client, village, group):
    good = _good_rows(5)
    number = make_id_number()
    wrong = "0" if number[-1] != "0" else "1"  # any check digit but the right one
    bad_checksum = f"3001,一组,,坏校验,{number[:-1]}{wrong},户主,普通劳动力,务农,,否"
    bad_choice = f"3002,一组,,坏选项,{make_id_number()},户主,很能干,务农,,否"
    bad_group = f"3003,九十九组,,坏小组,{make_id_number()},户主,普通劳动力,务农,,否"
    rows = [good[0], bad_checksum, good[1], good[2], bad_choice, good[3], bad_group, good[4]]
    response = _upload(cadre_client, village, _csv(rows))
    job = ImportJob.objects.get()
    assert job.totals == {"new": 5, "update": 0, "error": 3, "rows": 8}
    # lines as the user sees them in Excel: the header is line 1
    assert [e["line"] for e in job.errors] == [3, 6, 8]
    assert "身份证号" in job.errors[0]["messages"][0]
    assert "劳动能力" in job.errors[1]["messages"][0]
    assert "九十九组" in job.errors[2]["messages"][0]
    assert not Resident.objects.exists()
    assert not Household.objects.exists()
    body = response.content.decode()
    assert "九十九组" in body
    # the error workbook holds exactly those rows with their reasons
    errors = cadre_client.get(f"/import/{job.token}/errors.xlsx")
    sheet = list(
        load_workbook(io.BytesIO(errors.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert [r[3] for r in sheet[1:]] == ["坏校验", "坏选项", "坏小组"]
    # confirming imports the five good rows and skips the three, leaving nothing of them
    _confirm(cadre_client, job)
    assert Resident.objects.count() == 5
    assert Household.objects.count() == 5
    job.refresh_from_db()
    assert job.status == "imported"
    household = Household.objects.get(number="1001")
    assert household.history.get().history_user == job.confirmed_by


def test_confirm_twice_imports_once(cadre_client, village, group):
    _upload(cadre_client, village, _csv(_good_rows(2)))
    job = ImportJob.objects.get()
    _confirm(cadre_client, job)
    response = _confirm(cadre_client, job, follow=True)
    assert Resident.objects.count() == 2
    assert response.status_code == 200


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年渡头村住户成员表"])  # a title row above the header
    ws.append(["户编号", "姓名", "身份证号", "与户主关系", "劳动能力", "就业状况"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_numeric_id_cells_are_rejected_with_the_reason(cadre_client, village):
    number = make_id_number()
    while number.endswith("X"):  # only an all-digit number becomes a float in Excel
        number = make_id_number()
    data = _xlsx(
        [
            ["1", "赵一", float(number), "户主", "普通劳动力", "务农"],
            ["2", "钱二", number, "户主", "普通劳动力", "务农"],
        ]
    )
    _upload(cadre_client, village, data, "表.xlsx")
    job = ImportJob.objects.get()
    assert job.totals["new"] == 1
    assert job.errors[0]["line"] == 3
    message = job.errors[0]["messages"][0]
    assert "Excel" in message
    assert "E+17" in message


def test_scientific_notation_text_is_rejected_too(cadre_client, village):
    rows = ["1,,,赵一,1.10105E+17,户主,普通劳动力,务农,,"]
    _upload(cadre_client, village, _csv(rows))
    assert "Excel" in ImportJob.objects.get().errors[0]["messages"][0]


def test_existing_resident_is_updated_not_duplicated(cadre_client, village, group, resident):
    row = (
        f"{resident.household.number},一组,,{resident.name},{resident.id_number()},"
        "户主,弱劳动力或半劳动力,务农,,否"
    )
    _upload(cadre_client, village, _csv([row]))
    job = ImportJob.objects.get()
    assert job.totals["update"] == 1
    _confirm(cadre_client, job)
    resident.refresh_from_db()
    assert resident.labour_ability == "weak"
    assert Resident.objects.count() == 1


def test_person_registered_outside_the_region_is_an_error_row(
    cadre_client, village, other_resident
):
    row = f"5,,,{other_resident.name},{other_resident.id_number()},户主,普通劳动力,务农,,否"
    _upload(cadre_client, village, _csv([row]))
    job = ImportJob.objects.get()
    assert job.totals["error"] == 1
    other_resident.refresh_from_db()
    assert other_resident.household.village != village


def test_unreadable_files_get_a_message(cadre_client, village):
    """Read by the check task, not the request: the job fails with the reason, nothing
    is saved, and the page says why in Chinese."""
    response = _upload(cadre_client, village, b"\x00\x01binary", "x.xlsx")
    job = ImportJob.objects.get(original_name="x.xlsx")
    assert job.status == "failed"
    page = cadre_client.get(f"/import/{job.token}/").content.decode()
    assert "无法读取该 .xlsx 工作簿" in page
    response = _upload(cadre_client, village, b"a,b\n1,2\n", "x.csv")
    job = ImportJob.objects.get(original_name="x.csv")
    assert job.status == "failed"
    assert "身份证号" in job.errors[0]["messages"][0]
    response = _upload(cadre_client, village, b"a,b\n", "x.txt")
    assert response.context["form"].errors["file"]
    assert not Household.objects.exists()


def test_cannot_import_into_a_village_outside_the_region(cadre_client, other_village):
    response = _upload(cadre_client, other_village, _csv(_good_rows(1)))
    assert response.context["form"].errors["village"]


def test_the_error_workbook_is_written_without_reading_the_upload(cadre_client, village, group):
    """The task that read the file kept its failed rows (encrypted); the download is
    written from them, so no web request parses an uploaded file, even when it is gone."""
    number = make_id_number()
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")  # a wrong check digit
    bad = f"2001,一组,一组1号,坏校验,{wrong},户主,普通劳动力,务农,,否"
    _upload(cadre_client, village, _csv([*_good_rows(1), bad]))
    job = ImportJob.objects.get()
    assert bad.split(",")[4].encode() not in bytes(job.failed_rows)
    job.file.storage.delete(job.file.name)
    response = cadre_client.get(f"/import/{job.token}/errors.xlsx")
    sheet = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert [(r[3], r[-2]) for r in sheet[1:]] == [("坏校验", 3)]


def test_template_formats_id_and_phone_columns_as_text(cadre_client):
    response = cadre_client.get("/import/template.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == ALL_COLUMNS
    for column in (COL_ID, COL_PHONE):
        cell = ws.cell(row=2, column=headers.index(column) + 1)
        assert cell.number_format == "@"
    assert wb.worksheets[1].title == "填写说明"


def test_template_offers_dropdowns_and_marks_required_columns(cadre_client):
    wb = load_workbook(io.BytesIO(cadre_client.get("/import/template.xlsx").content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    lists = {}
    for validation in ws.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        lists[headers[ord(column) - 65]] = validation.formula1.strip('"').split(",")
    assert "普通劳动力" in lists["劳动能力"]
    assert lists["低保户"] == ["是", "否"]
    assert "监测户" not in lists["脱贫状态"]  # set by monitoring's enrolment, not by a file
    shaded = {c.value for c in ws[1] if c.fill.fgColor.rgb.endswith("FDE2DF")}
    assert shaded == set(REQUIRED)


def test_the_stored_upload_is_encrypted(cadre_client, village, group):
    rows = _good_rows(1)
    _upload(cadre_client, village, _csv(rows))
    job = ImportJob.objects.get()
    with job.file.open("rb") as handle:
        stored = handle.read()
    assert rows[0].split(",")[4].encode() not in stored


def test_queued_import_shows_progress_and_refreshes(cadre_client, village):
    # Without running the on-commit task, the job waits as a worker queue would leave it.
    response = cadre_client.post(
        "/import/",
        {"village": village.pk, "file": SimpleUploadedFile("a.csv", _csv(_good_rows(3)))},
    )
    job = ImportJob.objects.get()
    assert job.status == "queued"
    assert job.rows_total == 0  # not read yet: reading is the task's work
    page = cadre_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "正在读取文件" in page


def test_check_task_runs_once_even_if_delivered_twice(cadre_client, village, group):
    from households.imports import import_check

    _upload(cadre_client, village, _csv(_good_rows(2)))
    job = ImportJob.objects.get()
    assert job.status == "checked"
    import_check(job_id=job.pk)  # a redelivered message
    job.refresh_from_db()
    assert job.status == "checked"
    assert job.totals["new"] == 2


def test_an_unreadable_stored_file_fails_the_job_with_a_message(cadre_client, village, group):
    from households.imports import import_check

    cadre_client.post(
        "/import/",
        {"village": village.pk, "file": SimpleUploadedFile("a.csv", _csv(_good_rows(1)))},
    )
    job = ImportJob.objects.get()
    job.file.save("broken.bin", io.BytesIO(b"not encrypted"), save=True)
    import_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    page = cadre_client.get(f"/import/{job.token}/").content.decode()
    assert "未保存任何内容" in page


def test_an_import_past_its_time_limit_fails_and_keeps_nothing(
    cadre_client, village, group, monkeypatch
):
    """The task's soft time limit (Celery raises SoftTimeLimitExceeded in the task): the
    job says so in the user's language and no row of it stays."""
    from celery.exceptions import SoftTimeLimitExceeded

    from households import imports

    cadre_client.post(
        "/import/",
        {"village": village.pk, "file": SimpleUploadedFile("a.csv", _csv(_good_rows(40)))},
    )
    job = ImportJob.objects.get()
    imports.import_check(job_id=job.pk)  # the dry run passes; the import itself runs out
    ImportJob.objects.filter(pk=job.pk).update(status="importing", confirmed_by=job.created_by)
    real_insert = imports.RowImporter._insert_residents

    def slow_insert(self, built, errors):
        real_insert(self, built, errors)  # households and people written, then time is up
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(imports.RowImporter, "_insert_residents", slow_insert)
    imports.import_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "耗时过长" in cadre_client.get(f"/import/{job.token}/").content.decode()
    assert not Household.objects.filter(village=village).exists()


def test_a_failed_row_does_not_leave_its_household_change_behind(cadre_client, village, group):
    long_name = "名" * 60  # longer than the name column: the row fails after the household
    rows = [
        f"7001,一组,旧地址,甲,{make_id_number()},户主,普通劳动力,务农,,否",
        f"7001,一组,新地址,{long_name},{make_id_number()},配偶,普通劳动力,务农,,否",
        f"7001,一组,新地址,乙,{make_id_number()},子,普通劳动力,务农,,否",
    ]
    _upload(cadre_client, village, _csv(rows))
    job = ImportJob.objects.get()
    assert [e["line"] for e in job.errors] == [3]
    _confirm(cadre_client, job)
    assert Household.objects.get(number="7001").address == "新地址"
    assert Resident.objects.count() == 2


def test_phone_and_disability_rules_are_the_forms_rules(cadre_client, village, group):
    header = "户编号,姓名,身份证号,与户主关系,劳动能力,就业状况,联系电话,残疾等级"
    rows = [
        f"1,甲,{make_id_number()},户主,普通劳动力,务农,0791-88123456,",
        f"2,乙,{make_id_number()},户主,普通劳动力,务农,12345,",
        f"3,丙,{make_id_number()},户主,丧失劳动力,无业,,二级",
    ]
    _upload(cadre_client, village, ("\n".join([header, *rows]) + "\n").encode())
    job = ImportJob.objects.get()
    assert [e["line"] for e in job.errors] == [3, 4]
    assert "手机号" in job.errors[0]["messages"][0]
    assert "残疾类别" in job.errors[1]["messages"][0]


def test_a_label_the_template_lists_is_accepted_with_its_full_width_brackets(
    cadre_client, village, group
):
    """“无劳动力（儿童、老人）”, as the template's instructions print it: the cell is
    normalised (NFKC: full-width brackets become ASCII), and so are the labels it is
    looked up among."""
    rows = [f"3001,一组,一组1号,小明,{make_id_number()},户主,无劳动力（儿童、老人）,务农,,否"]
    _upload(cadre_client, village, _csv(rows))
    job = ImportJob.objects.get()
    assert job.errors == []
    _confirm(cadre_client, job)
    assert Resident.objects.get().labour_ability == "none"


def test_the_import_writes_in_batches_not_row_by_row(cadre_client, village, group):
    """A file's queries do not grow with its rows: the registry is asked once for the
    file's people and households, and new ones are inserted together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.imports import import_apply, import_check

    def queries_for(rows: int, start: int) -> int:
        ImportJob.objects.all().delete()
        cadre_client.post(
            "/import/",
            {
                "village": village.pk,
                "file": SimpleUploadedFile("a.csv", _csv(_good_rows(rows, start))),
            },
        )
        job = ImportJob.objects.get()
        with CaptureQueriesContext(connection) as check:
            import_check(job_id=job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status="importing", confirmed_by=job.created_by)
        with CaptureQueriesContext(connection) as apply:
            import_apply(job_id=job.pk)
        assert ImportJob.objects.get().totals["new"] == rows
        return len(check) + len(apply)

    small, large = queries_for(10, 1), queries_for(300, 100)
    # Row by row this was 13 queries a row (3,900); in batches the only growth is SQLite's
    # INSERTs of ~30 rows each (999 parameters), none on PostgreSQL's COPY.
    assert large <= small + 300 // 5


def test_an_uploaded_file_is_deleted_after_its_retention(village, village_cadre, settings):
    """The upload holds full ID numbers: kept encrypted UPLOAD_RETENTION_DAYS, then gone;
    the job's totals stay, and a late confirmation says the file is no longer kept."""
    import datetime

    from django.utils import timezone

    from households.imports import file_bytes, import_submit, imports_purge
    from households.models import ImportStatus

    csv = "户编号,姓名,身份证号,与户主关系,劳动能力,就业状况\n"
    csv += f"9001,李四,{make_id_number()},户主,普通劳动力,务农\n"
    job = import_submit(
        user=village_cadre,
        village=village,
        language="zh-hans",
        upload=SimpleUploadedFile("a.csv", csv.encode()),
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED)
    later = timezone.now() + datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS, hours=1)
    assert imports_purge(now=timezone.now()) == 0  # too young
    assert imports_purge(now=later) == 1
    job.refresh_from_db()
    assert not job.file
    assert job.status == ImportStatus.CHECKED
    with pytest.raises(Exception, match="保存期限"):
        file_bytes(job)


def test_the_refused_rows_are_fixed_in_the_error_workbook_and_imported_again(
    cadre_client, village, group
):
    """The loop (issue 22, item 9): a cadre with the reveal right downloads the refused
    rows whole (the download recorded), corrects the wrong cell in that workbook and
    imports it as it is: only the refused rows are in it, and they go in."""
    from households.models import AccessEvent

    number = make_id_number()
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    bad = f"2001,一组,一组1号,坏校验,{wrong},户主,普通劳动力,务农,13800000000,否"
    _upload(cadre_client, village, _csv([*_good_rows(2), bad]))
    job = ImportJob.objects.get()
    _confirm(cadre_client, job)
    assert Household.objects.count() == 2
    response = cadre_client.post(f"/import/{job.token}/errors.xlsx", {"reason": "改正后重新导入"})
    assert AccessEvent.objects.filter(kind="export_full", reason="改正后重新导入").exists()
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=headers.index(COL_ID) + 1).value == wrong  # whole
    assert sheet.cell(row=2, column=headers.index("原文件行号") + 1).value == 4
    sheet.cell(row=2, column=headers.index(COL_ID) + 1).value = number  # corrected
    fixed = io.BytesIO()
    book.save(fixed)
    page = _upload(cadre_client, village, fixed.getvalue(), name="导入错误-户籍.xlsx")
    again = ImportJob.objects.latest("pk")
    assert again.errors == [], page.content.decode()[:500]
    _confirm(cadre_client, again)
    assert Household.objects.count() == 3
    from common.crypto import keyed_hash

    assert Resident.objects.get(name="坏校验").id_hash == keyed_hash(number)


def test_a_masked_number_imported_again_is_explained(cadre_client, village, group):
    """Without the reveal right the workbook is masked: importing it as it is says why the
    masked cells are refused, and where to find the numbers."""
    masked = "2001,一组,一组1号,坏校验,3601**********1234,户主,普通劳动力,务农,,否"
    page = _upload(cadre_client, village, _csv([masked])).content.decode()
    assert "身份证号是打码的" in page
