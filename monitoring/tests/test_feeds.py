"""Department feeds: every bad row becomes exactly its rejection, every good row loads,
and a file that cannot be read says why in one line (DESIGN §3, issue 8)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from common.crypto import encrypt_bytes
from common.xlsx import SheetSpec, XlsxWriter
from households.idnumbers import check_digit, id_hash, validate_id_number
from monitoring import feeds
from monitoring.models import BatchStatus, Department, FeedBatch, FeedRejection, FeedValue
from monitoring.screening import job
from monitoring.screening.match import SPAN, unpack
from monitoring.screening.stage import rows
from monitoring.tests.conftest import csv_bytes
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "item_code", "value", "period"]


def _ingest(tmp_path, name: str, data: bytes, department="YB", period="2026-10") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("ingest_feed", str(path), department=department, period=period, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _line(summary: str) -> dict[str, str]:
    assert re.fullmatch(r"batch=\d+ loaded=\d+ rejected=\d+ duplicate=(yes|no)", summary)
    return dict(part.split("=") for part in summary.split())


def test_every_kind_of_bad_row_is_rejected_and_every_good_row_loads(tmp_path, county, people):
    (a, a_id), (b, b_id), (c, c_id), _d = people
    bad_check = a_id[:17] + ("0" if a_id[17] != "0" else "1")
    stranger = make_id_number()  # valid, but nobody of the county
    rows = [
        HEADER,
        [a_id, "YB02", "48200", "2026-10"],  # line 2: good
        [bad_check, "YB02", "100", "2026-10"],  # 3: check digit
        [b_id, "ZZ99", "1", "2026-10"],  # 4: unknown item
        [b_id, "YB01", "12.5万", "2026-10"],  # 5: not a number
        [c_id, "YB02", "300", "2026-13"],  # 6: not a month
        [stranger, "YB02", "300", "2026-10"],  # 7: unknown resident
        [c_id, "YB04", "2", "2026-10"],  # 8: a flag of 2
        [b_id, "YB01", "63000.5", "2026-09"],  # 9: another period
        [f" {b_id[:6]} {b_id[6:]} ", "YB01", "63000.5", "202610"],  # 10: good (spaces)
        [
            c_id.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "yb04",
            "1",
            "",
        ],  # 11
        ["", "", "", ""],  # blank
        ["合计", "", "111200.5", ""],  # a total line: skipped
    ]
    summary = _line(_ingest(tmp_path, "yb.csv", csv_bytes(rows)))
    assert summary["loaded"] == "3"
    assert summary["rejected"] == "7"
    assert summary["duplicate"] == "no"
    batch = FeedBatch.objects.get()
    rejected = dict(FeedRejection.objects.filter(batch=batch).values_list("line", "reason"))
    assert sorted(rejected) == [3, 4, 5, 6, 7, 8, 9]
    assert "校验码" in rejected[3]
    assert "ZZ99" in rejected[4]
    assert "不是数字" in rejected[5]
    assert "YYYY-MM" in rejected[6]
    assert "台账" in rejected[7]
    assert "0 或 1" in rejected[8]
    assert "2026-09" in rejected[9]
    loaded = FeedValue.objects.filter(batch=batch).order_by("line")
    assert [(v.line, v.item.code, str(v.value)) for v in loaded] == [
        (2, "YB02", "48200.00"),
        (10, "YB01", "63000.50"),
        (11, "YB04", "1.00"),
    ]
    assert [v.resident_id for v in loaded] == [a.pk, b.pk, c.pk]
    assert [v.household_id for v in loaded] == [a.household_id, b.household_id, c.household_id]
    # the rejection download: masked numbers and line numbers, never a full number
    workbook = feeds.rejections_workbook(batch)
    rows_out = CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_index(0)
    table = rows_out.to_python()
    assert [int(r[0]) for r in table[1:]] == [3, 4, 5, 6, 7, 8, 9]
    assert table[1][1] == bad_check[:4] + "*" * 10 + bad_check[-4:]
    assert table[5][1] == stranger[:4] + "*" * 10 + stranger[-4:]
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist()).decode()
    for number in (a_id, b_id, c_id, bad_check, stranger):
        assert number not in text


def test_the_same_file_twice_is_one_batch(tmp_path, county, people):
    (_a, a_id), *_rest = people
    data = csv_bytes([HEADER, [a_id, "YB02", "1000", "2026-10"]])
    first = _line(_ingest(tmp_path, "yb.csv", data))
    again = _line(_ingest(tmp_path, "yb-copy.csv", data))
    assert again == {**first, "duplicate": "yes"}
    assert FeedBatch.objects.count() == 1
    assert FeedValue.objects.count() == 1


def test_a_gb18030_wide_file_loads_through_the_departments_mapping(tmp_path, county, people):
    """民政's own export: GB18030, township and village names, 救助类型 choosing the items,
    a character outside GBK in a note."""
    (a, a_id), (_b, b_id), (c, c_id), (d, d_id) = people
    rows = [
        [
            "乡镇（街道）",
            "村（社区）",
            "户主姓名",
            "身份证号",
            "救助类型",
            "保障人数",
            "月保障金（元）",
            "起始年月",
            "备注",
        ],
        ["幽兰镇", "渡头村", "张三", a_id, "农村低保", "2", "349", "202606", "因病"],
        ["幽兰镇", "渡头村", "李四", c_id, "临时救助", "2", "1639", "202605", "𬌗字姓名核对"],
        ["幽兰镇", "渡头村", "王五", d_id, "特困供养", "1", "1067", "202607", ""],
        ["幽兰镇", "渡头村", "赵六", b_id, "医疗救助", "1", "500", "202607", ""],
    ]
    summary = _line(_ingest(tmp_path, "mz.csv", csv_bytes(rows, "gb18030"), department="MZ"))
    assert summary["loaded"] == "4"
    assert summary["rejected"] == "1"
    values = {
        (v.resident_id, v.item.code): str(v.value) for v in FeedValue.objects.select_related("item")
    }
    assert values == {
        (a.pk, "MZ01"): "1.00",
        (a.pk, "MZ02"): "349.00",
        (c.pk, "MZ04"): "1639.00",
        (d.pk, "MZ03"): "1.00",
    }
    reason = FeedRejection.objects.get().reason
    assert "医疗救助" in reason
    assert "救助类型" in reason


def _medical_xlsx(rows: list[list[object]]) -> bytes:
    """Shaped like 医保's export: a title row above the header, 序号, money with units in
    the header, a total row and a signature line below."""
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as writer:
        writer.sheet(SheetSpec(title="住院结算明细", freeze_header=False))
        writer.append(["南昌县医疗保障局  2026年10月 住院结算明细（脱贫人口及监测对象）"])
        writer.append(
            [
                "序号",
                "姓名",
                "身份证号码",
                "就诊类型",
                "医疗总费用(元)",
                "个人自付(元)",
                "医疗救助(元)",
            ]
        )
        for row in rows:
            writer.append(row)
        writer.append(["合计", "", "", "", 1, 1, 1])
        writer.append(["制表人：张三    审核人：李四"])
    return buffer.getvalue()


def test_a_departments_xlsx_with_title_total_and_signature_rows(tmp_path, county, people):
    (_a, a_id), (b, b_id), *_rest = people
    data = _medical_xlsx(
        [
            [1, "张三", a_id, "住院", 89151.31, 23363.27, 12446.84],
            [2, "李四", b_id, "门诊慢特病", 5000, 1200.5, ""],
            [3, "王五", 360121195808188520, "住院", 100, 20, 0],  # typed as a number
        ]
    )
    summary = _line(_ingest(tmp_path, "yb.xlsx", data))
    assert (summary["loaded"], summary["rejected"]) == ("6", "1")
    rejection = FeedRejection.objects.get()
    assert rejection.line == 5
    assert "文本" in rejection.reason
    codes = sorted(FeedValue.objects.filter(resident=b).values_list("item__code", flat=True))
    assert codes == ["YB01", "YB02", "YB04"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "空"),
        ("header.csv", b"id_number,item_code,value,period\r\n", None),
        ("broken.xlsx", None, "xlsx"),
        ("utf16.csv", "id_number,item_code,value,period\r\n".encode("utf-16"), "UTF-8"),
        ("nothing.csv", "姓名,金额\r\n张三,1\r\n".encode(), "表头"),
    ],
)
def test_an_unreadable_file_says_why_in_one_line(tmp_path, county, name, data, message):
    if data is None:  # a workbook cut off in transfer
        data = _medical_xlsx([])[:700]
    if message is None:  # a header and no row: read, nothing loaded
        assert _line(_ingest(tmp_path, name, data))["loaded"] == "0"
        return
    with pytest.raises(CommandError) as caught:
        _ingest(tmp_path, name, data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not FeedValue.objects.exists()


def test_a_file_kept_before_the_chunked_format_still_loads(county, people):
    """Files were kept as one Fernet token before they were sealed a megabyte at a time;
    a batch of one that is loaded again reads it all the same."""
    (a, a_id), *_rest = people
    data = csv_bytes([HEADER, [a_id, "YB02", "48200", "2026-10"]])
    batch, _created = feeds.feed_receive(
        county=county,
        department=Department.objects.get(code="YB"),
        period="2026-10",
        name="yb.csv",
        data=data,
    )
    with batch.file.open("wb") as handle:
        handle.write(encrypt_bytes(data))
    assert job.stage_now(batch.pk).loaded == 1
    assert FeedValue.objects.get().resident_id == a.pk


def test_a_batch_records_its_file_encrypted_and_forgets_it_after_retention(county, people):
    (_a, a_id), *_rest = people
    department = Department.objects.get(code="YB")
    data = csv_bytes([HEADER, [a_id, "YB02", "1", "2026-10"]])
    batch, created = feeds.feed_receive(
        county=county, department=department, period="2026-10", name="yb.csv", data=data
    )
    assert created
    with batch.file.open("rb") as handle:
        assert a_id.encode() not in handle.read()
    assert job.stage_now(batch.pk).status == BatchStatus.LOADED
    assert feeds.feeds_purge(now=batch.expires_at) == 1
    batch.refresh_from_db()
    assert not batch.file
    assert batch.loaded == 1  # what it loaded stays


def test_the_catalogue_prints_as_csv():
    out = io.StringIO()
    call_command("feed_catalog", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "department_code,item_code,name,unit,type"
    assert len(lines) == 45
    assert "YB,YB02,个人自付费用,元,amount" in lines
    assert {line.split(",")[0] for line in lines[1:]} >= {"GA", "MZ", "RS", "JR"}


def _variants() -> list[str]:
    good = make_id_number()
    future = "36012120991231001"
    feb30 = "36012119900230001"
    return [
        good,
        good[:17] + ("0" if good[17] != "0" else "1"),  # check digit
        good.lower(),
        good.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f" {good[:6]} {good[6:]} ",
        future + check_digit(future),
        feb30 + check_digit(feb30),
        "18991231" + good[:10],
        good[:17],
    ]


@pytest.mark.parametrize("index", range(9))
def test_the_quick_id_check_gives_the_validators_verdict(index):
    """The row check's fast path accepts only what the registry's validator accepts, and
    matches it to the same resident; the rest goes to the validator for its message."""
    variants = _variants()
    text, good = variants[index], variants[0]
    checker = rows.Checker(
        items={},
        department_name="医保",
        period="2026-10",
        residents={bytes.fromhex(id_hash(good)): 7 * SPAN + 3},
    )
    packed, _masked, reason = checker.person(text)
    try:
        number = validate_id_number(text).number
    except ValidationError:
        assert packed is None
        assert reason
    else:
        assert number == good
        assert unpack(packed) == (7, 3)


def test_an_id_number_in_the_wrong_column_is_masked_in_the_reason(tmp_path, county, people):
    """A reason quotes the refused cell; a full ID number there is masked like the rest."""
    (_a, a_id), (_b, b_id), *_rest = people
    rows = [HEADER, [a_id, "YB02", b_id, "2026-10"], [a_id, "YB02", "1", b_id]]
    _ingest(tmp_path, "yb.csv", csv_bytes(rows))
    reasons = list(FeedRejection.objects.values_list("reason", flat=True))
    assert len(reasons) == 2
    assert all(b_id not in r for r in reasons)
    assert any(b_id[:4] + "*" * 10 + b_id[-4:] in r for r in reasons)
