"""Excel/CSV import of households and residents, row by row through households.services.

One row per resident, with the household's columns repeated on each member's row; the
village is chosen on the upload form (a cadre imports into a village of theirs). The flow
is upload → dry run (new/update/error counts, per-row errors in the user's language) →
confirm → import of the good rows, with a downloadable workbook of the bad ones.

The column headers are a file format, not UI text: they are the Chinese headers county
offices already use, fixed whatever the interface language.

The uploaded file is stored encrypted (it holds plaintext ID numbers) and error records
keep only line numbers and messages, never the values.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import logging
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import leases
from common.crypto import decrypt_bytes, encrypt_bytes
from common.masking import Kind as MaskKind
from common.masking import mask, mask_id_numbers
from common.queue import enqueue
from common.tables import HeaderNotFound, Table, TableError, TableLimits, open_table
from common.xlsx import SheetSpec, XlsxWriter
from households import services
from households.idnumbers import IdCheck, id_hash, validate_id_number
from households.models import (
    IMPORT_RUNNING,
    DisabilityGrade,
    DisabilityKind,
    Education,
    Employment,
    Health,
    Household,
    ImportJob,
    ImportStatus,
    LabourAbility,
    MonitoringCategory,
    Political,
    PovertyStatus,
    Relation,
    Resident,
)
from households.phones import clean_phone
from households.roles import REGISTRY_KEEPERS
from villages.models import Level, Region
from villages.scoping import has_role_at, require_role_at

logger = logging.getLogger(__name__)

# --- Columns -----------------------------------------------------------------------------

COL_NUMBER = "户编号"
COL_GROUP = "村民小组"
COL_ADDRESS = "住址"
COL_POVERTY = "脱贫状态"
COL_DIBAO = "低保户"
COL_TEKUN = "特困户"
COL_ID = "身份证号"
COL_PHONE = "联系电话"
HOUSEHOLD_COLUMNS = [COL_NUMBER, COL_GROUP, COL_ADDRESS, COL_POVERTY, COL_DIBAO, COL_TEKUN]
REQUIRED = [COL_NUMBER, "姓名", COL_ID, "与户主关系", "劳动能力", "就业状况"]

# attribute → (column, choices or None); the order is the template's order
RESIDENT_COLUMNS: list[tuple[str, str, type[models.Choices] | None]] = [
    ("name", "姓名", None),
    ("id_number", COL_ID, None),
    ("relation", "与户主关系", Relation),
    ("ethnicity", "民族", None),
    ("education", "文化程度", Education),
    ("health", "健康状况", Health),
    ("disability_grade", "残疾等级", DisabilityGrade),
    ("disability_kind", "残疾类别", DisabilityKind),
    ("labour_ability", "劳动能力", LabourAbility),
    ("employment", "就业状况", Employment),
    ("work_place", "务工地点", None),
    ("political_status", "政治面貌", Political),
    ("skills", "技能", None),
    ("religion", "宗教信仰", None),
    ("phone", COL_PHONE, None),
    ("is_floating", "流动人口", None),
]
ALL_COLUMNS = HOUSEHOLD_COLUMNS + [col for _a, col, _c in RESIDENT_COLUMNS]
# a service's field name → the column it came from, for the row's messages
COLUMN_OF = {attr: col for attr, col, _c in RESIDENT_COLUMNS} | {
    "number": COL_NUMBER,
    "group": COL_GROUP,
    "address": COL_ADDRESS,
    "poverty_status": COL_POVERTY,
    "is_dibao": COL_DIBAO,
    "is_tekun": COL_TEKUN,
}
MONITORED_WORDS = {"监测户", "监测对象", "MONITORED"}
TEXT_COLUMNS = [
    ALL_COLUMNS.index(COL_NUMBER),
    ALL_COLUMNS.index(COL_ID),
    ALL_COLUMNS.index(COL_PHONE),
]
PROGRESS_EVERY = 500  # rows between progress updates
# The tasks' limits (households.tasks): a job still "running" past its hard limit has
# lost its process (common.leases).
IMPORT_SOFT_LIMIT = 15 * 60
IMPORT_TIME_LIMIT = IMPORT_SOFT_LIMIT + 60
IMPORT_LEASE = IMPORT_TIME_LIMIT + 60
TRUE_WORDS = {"是", "有", "1", "Y", "YES", "TRUE", "√", "✓"}
FALSE_WORDS = {"", "否", "无", "0", "N", "NO", "FALSE"}


def _text(value) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


@functools.cache
def _choice_lookup(choices: type[models.Choices]) -> dict[str, object]:
    """Accept the Chinese label, the English label or the stored value. Built once per
    choice class (both languages are in it), not once per cell."""
    lookup: dict[str, object] = {}
    for value, label in choices.choices:
        lookup[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                # normalised as the cells are (_text: NFKC turns the labels' full-width
                # brackets into ASCII ones), so "无劳动力（儿童、老人）" matches itself
                lookup[_text(str(label)).lower()] = value
    return lookup


def _choice(choices: type[models.Choices], value):
    """The stored value of a cell naming a choice; None for a blank cell (keep or default)."""
    text = _text(value)
    lookup = _choice_lookup(choices)
    if text == "":
        return "" if "" in lookup else None
    found = lookup.get(text.lower())
    if found is None:
        labels = "、".join(str(label) for _v, label in choices.choices if str(label))
        raise ValueError(
            _("“%(value)s” is not one of: %(labels)s") % {"value": text, "labels": labels}
        )
    return found


def _yes_no(value) -> bool:
    text = _text(value).upper()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” should be 是 or 否.") % {"value": _text(value)})


def _cell(attr: str, choices, value):
    if attr == "is_floating":
        return _yes_no(value) if _text(value) else None
    if choices is not None:
        return _choice(choices, value)
    text = " ".join(_text(value).split())
    return text or None


@dataclass
class ParsedRow:
    """A row turned into the services' named parameters; None values were left blank."""

    number: str
    group: Region | None
    household: dict
    id_number: str
    id_check: IdCheck | None
    phone: str
    resident: dict


class RowImporter:
    """Applies rows to the registry through households.services: the same functions, and
    so the same rules (identity, duplicates, validation, history), as the forms and the
    demo. Each row is all or nothing; good rows are kept."""

    def __init__(self, *, village: Region, user):
        self.village = village
        self.user = user
        self.groups = {g.name: g for g in Region.objects.filter(parent=village, level=Level.GROUP)}
        self.today = timezone.localdate()  # once: each row's number is checked against it

    def parse(self, row: dict) -> ParsedRow:
        errors: dict[str, list[str]] = {}
        for column in REQUIRED:
            if _text(row.get(column)) == "":
                errors.setdefault(column, []).append(_("This column is required."))
        raw_id = row.get(COL_ID)
        number = ""
        id_check = None
        if isinstance(raw_id, int | float) or "E+" in _text(raw_id).upper():
            errors[COL_ID] = [
                _(
                    "The ID number was saved by Excel as a number (%(value)s), which loses its "
                    "last digits. Format the column as text and type the number again."
                )
                # shown as Excel shows it, so the cadre recognises the cell
                % {"value": f"{raw_id:.5E}" if isinstance(raw_id, int | float) else _text(raw_id)}
            ]
        elif "*" in _text(raw_id):
            errors[COL_ID] = [
                _(
                    "The ID number is masked (copied from a masked error workbook): type it "
                    "in full from your own file, the row numbers say which row it is."
                )
            ]
        elif _text(raw_id):
            try:
                id_check = validate_id_number(_text(raw_id), today=self.today)
                number = id_check.number
            except ValidationError as exc:
                errors[COL_ID] = exc.messages
        phone = ""
        try:
            phone = clean_phone(_text(row.get(COL_PHONE)))
        except ValidationError as exc:
            errors[COL_PHONE] = exc.messages
        group_name = _text(row.get(COL_GROUP))
        if group_name and group_name not in self.groups:
            errors[COL_GROUP] = [
                _("There is no villager group “%(name)s” in %(village)s.")
                % {"name": group_name, "village": self.village.name}
            ]
        household: dict = {"address": _text(row.get(COL_ADDRESS)) or None}
        try:
            household["poverty_status"] = _poverty_status(row.get(COL_POVERTY))
        except ValueError as exc:
            errors[COL_POVERTY] = [str(exc)]
        for column, attr in ((COL_DIBAO, "is_dibao"), (COL_TEKUN, "is_tekun")):
            try:
                household[attr] = _yes_no(row.get(column)) if _text(row.get(column)) else None
            except ValueError as exc:
                errors[column] = [str(exc)]
        resident: dict = {}
        for attr, column, choices in RESIDENT_COLUMNS:
            if attr in ("id_number", "phone"):
                continue
            try:
                resident[attr] = _cell(attr, choices, row.get(column))
            except ValueError as exc:
                errors[column] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        return ParsedRow(
            number=_text(row[COL_NUMBER]),
            group=self.groups.get(group_name),
            household={k: v for k, v in household.items() if v is not None},
            id_number=number,
            id_check=id_check,
            phone=phone,
            resident={k: v for k, v in resident.items() if v is not None},
        )

    # --- the batch ---------------------------------------------------------------------
    def run(self, rows: list[tuple[int, dict]], progress=None) -> tuple[dict, list[dict]]:
        """Import rows (line, cells by header); totals and per-line errors.

        The same decisions as applying the rows one by one through the services, taken for
        the whole file at once (issue 7: 13 queries a row before): every row is parsed and
        its new household or person built and validated first; the registry is asked in a
        few queries which people and households exist; new households and new people are
        inserted in bulk (COPY on PostgreSQL) with their history; changes to existing
        records go through the update services, one savepoint each. A row refused at any
        step is reported by its line and nothing of it is written."""
        errors: dict[int, list[str]] = {}
        parsed: dict[int, ParsedRow] = {}
        for done, (line, row) in enumerate(rows, 1):
            try:
                parsed[line] = self.parse(row)
            except ValidationError as exc:
                errors[line] = _messages_of(exc)
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done // 2)
        hashes = {line: id_hash(p.id_number) for line, p in parsed.items()}
        existing = services.registered_residents(list(set(hashes.values())))
        for line, digest in hashes.items():
            person = existing.get(digest)
            if person is not None and not has_role_at(
                self.user, REGISTRY_KEEPERS, person.household.village.code
            ):
                errors[line] = [
                    f"{COL_ID}: " + _("This person is registered in a household outside your area.")
                ]
        good = [line for line in parsed if line not in errors]
        # Each person checked before any household is touched, so that a refused row leaves
        # no household change behind (as its savepoint did when rows went one by one).
        built: dict[int, Resident] = {}
        first_of: dict[str, Resident] = {}
        for line in good:
            item, digest = parsed[line], hashes[line]
            try:
                if digest in existing or digest in first_of:
                    _check_update(existing.get(digest) or first_of[digest], item)
                    continue
                built[line] = services.resident_build(
                    services.NewResident(
                        household=None,  # type: ignore[arg-type]  # set once it exists
                        id_number=item.id_number,
                        id_check=item.id_check,
                        phone=item.phone,
                        **item.resident,
                    )
                )
                first_of[digest] = built[line]
            except ValidationError as exc:
                errors[line] = _messages_of(exc)
        good = [line for line in good if line not in errors]
        households = self._households_for(good, parsed, errors)
        totals = {"new": 0, "update": 0}
        for line in list(built):
            if line in errors:  # its household could not be saved
                del built[line]
            else:
                built[line].household = households[parsed[line].number]
        self._insert_residents(built, errors)
        for line in built:
            if line not in errors:
                totals["new"] += 1
                existing[hashes[line]] = built[line]
        # Known people (registered before, or earlier in this file): moved and updated.
        for done, line in enumerate(good, 1):
            if line in errors or line in built:
                continue
            item = parsed[line]
            person = existing.get(hashes[line])
            if person is None:  # its first row in this file was refused
                first = next(n for n in good if hashes[n] == hashes[line])
                errors[line] = [
                    f"{COL_ID}: "
                    + _("This person's row at line %(line)d was not imported.") % {"line": first}
                ]
                continue
            try:
                with transaction.atomic():
                    self._update(item, households[item.number], person)
            except ValidationError as exc:
                errors[line] = _messages_of(exc)
            else:
                totals["update"] += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(len(rows) // 2 + done // 2)
        return totals, [{"line": line, "messages": errors[line]} for line in sorted(errors)]

    def _households_for(self, lines, parsed, errors) -> dict[str, Household]:
        """The household of each number: the village's existing ones updated with the file's
        values (the last row's value of each column wins, as row by row), new ones created
        together. A household that cannot be saved fails each of its rows."""
        rows_of: dict[str, list[int]] = {}
        for line in lines:
            rows_of.setdefault(parsed[line].number, []).append(line)
        found = {
            h.number: h
            for h in Household.objects.filter(village=self.village, number__in=list(rows_of))
        }
        households: dict[str, Household] = {}
        new: list[Household] = []
        for number, its_lines in rows_of.items():
            values: dict = {}
            group = None
            for line in its_lines:
                values |= parsed[line].household
                group = parsed[line].group or group
            try:
                if number in found:
                    changes = values | ({"group": group} if group is not None else {})
                    with transaction.atomic():
                        services.household_update(
                            household=found[number], user=self.user, **changes
                        )
                    households[number] = found[number]
                else:
                    item = services.NewHousehold(
                        village=self.village, number=number, group=group, **values
                    )
                    households[number] = services.household_build(item)
                    new.append(households[number])
            except ValidationError as exc:
                for line in its_lines:
                    errors[line] = _messages_of(exc)
        if new:
            services.households_insert(user=self.user, households=new, reason=IMPORT_REASON)
        return households

    def _insert_residents(self, built: dict[int, Resident], errors) -> None:
        """Insert the new people together; if the batch is refused (someone registered one
        of them meanwhile), one by one, so only the offending rows fail."""
        if not built:
            return
        try:
            with transaction.atomic():
                services.residents_insert(
                    user=self.user, residents=list(built.values()), reason=IMPORT_REASON
                )
            return
        except ValidationError:
            pass
        for line, resident in built.items():
            try:
                with transaction.atomic():
                    services.residents_insert(
                        user=self.user, residents=[resident], reason=IMPORT_REASON
                    )
            except ValidationError as exc:
                errors[line] = _messages_of(exc)

    def _update(self, parsed: ParsedRow, household: Household, existing: Resident) -> None:
        if existing.household_id != household.pk:
            services.resident_move(resident=existing, to_household=household, user=self.user)
        services.resident_update(
            resident=existing,
            user=self.user,
            phone=parsed.phone or services.KEEP,
            **parsed.resident,
        )


IMPORT_REASON = "导入"


def _check_update(person: Resident, parsed: ParsedRow) -> None:
    """Would resident_update accept this row? The field checks on a copy, before anything
    is written."""
    copy = Resident(
        **{f.attname: getattr(person, f.attname) for f in Resident._meta.concrete_fields}
    )
    for name, value in parsed.resident.items():
        setattr(copy, name, value)
    copy.full_clean(
        exclude=["household", "id_hash"], validate_unique=False, validate_constraints=False
    )


def _poverty_status(value):
    text = _text(value)
    monitored = _choice_lookup(MonitoringCategory)
    if text.upper() in MONITORED_WORDS or (text and monitored.get(text.lower())):
        raise ValueError(
            _(
                "“%(value)s”: a monitored household is enrolled through the monitoring "
                "workflow, not by import. Write 一般户 or 脱贫户."
            )
            % {"value": text}
        )
    return _choice(PovertyStatus, value)


# --- Reading files ---------------------------------------------------------------------

# A village's registry is a few thousand rows; these bounds leave room for a township's
# file and keep a worker's memory well under 200 MB whatever the file holds.
IMPORT_LIMITS = TableLimits(
    max_bytes=20 * 1024 * 1024,
    max_unzipped=64 * 1024 * 1024,
    max_rows=30_000,
    max_columns=60,
    max_cell_chars=500,
)
UPLOAD_SUFFIXES = (".xlsx", ".csv")


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list]  # raw cell values
    lines: list[int]  # the line (Excel row) number of each row


def _is_header(cells: list[str]) -> bool:
    return COL_ID in cells


def open_sheet(data: bytes, name: str) -> Table:
    """The file's table, its header checked; rows are read lazily and within the limits."""
    try:
        table = open_table(data, name, is_header=_is_header, limits=IMPORT_LIMITS)
    except HeaderNotFound as exc:
        raise TableError(
            _(
                "No header row with the column “%(column)s” in the first 10 rows. "
                "Please start from the template."
            )
            % {"column": COL_ID}
        ) from exc
    missing = [c for c in REQUIRED if c not in table.headers]
    if missing:
        raise TableError(_("Columns missing: %(columns)s.") % {"columns": "、".join(missing)})
    return table


def read_sheet(data: bytes, name: str) -> Sheet:
    """Find the header row (title rows above it are skipped) and the data rows below it."""
    table = open_sheet(data, name)
    rows, lines = [], []
    for line, cells in table.rows():
        rows.append(cells)
        lines.append(line)
    if not rows:
        raise TableError(_("The file has a header but no data rows."))
    return Sheet(headers=table.headers, rows=rows, lines=lines)


def error_workbook(job: ImportJob, *, full: bool) -> tuple[list[str], list[list]] | None:
    """The rows that failed, as they were, with their line and the reason in two last
    columns; None when the task kept none (the file itself was refused). ID and phone
    numbers are masked unless `full` (the caller has applied the reveal rule); any ID
    number typed into another column is masked as well."""
    if not job.failed_rows:
        return None
    kept = json.loads(decrypt_bytes(bytes(job.failed_rows)))
    reasons = {e["line"]: "；".join(e["messages"]) for e in job.errors}
    masked_as: dict[str, MaskKind] = {COL_ID: "id", COL_PHONE: "phone"}
    kinds = [masked_as.get(h) for h in kept["headers"]]
    rows = []
    for line, values in kept["rows"]:
        if not full:
            values = [
                mask(_text(v), kind) if kind else mask_id_numbers(v) if isinstance(v, str) else v
                for v, kind in zip(values, kinds, strict=True)
            ]
        rows.append([*values, line, reasons.get(line, "")])
    headers = [*kept["headers"], _("Line in the original file"), _("Error")]
    return headers, rows


def _failed_rows(sheet: Sheet, errors: list[dict]) -> bytes:
    """The failed rows of a sheet, encrypted, for ImportJob.failed_rows."""
    failed = {e["line"] for e in errors}
    rows = [
        [line, cells] for line, cells in zip(sheet.lines, sheet.rows, strict=True) if line in failed
    ]
    data = json.dumps({"headers": sheet.headers, "rows": rows}, cls=DjangoJSONEncoder)
    return encrypt_bytes(data.encode())


def _messages_of(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    out = []
    for key, errors in error.message_dict.items():
        column = COLUMN_OF.get(key, key)
        for message in errors:
            out.append(message if key == NON_FIELD_ERRORS else f"{column}: {message}")
    return out


def run_import(*, job: ImportJob, user, dry_run: bool) -> dict:
    """Run the import of a job's file; return totals and per-line errors.

    One transaction, which a dry run rolls back: the dry run does the same work as the
    import, so what it reports is what the import will do. Progress (rows done) goes to
    the cache, not the job row: other connections would not see the job row before the
    transaction ends."""
    sheet = read_sheet(file_bytes(job), job.original_name)
    # the progress bar's total, visible to the page while the rows are checked
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(sheet.rows))
    importer = RowImporter(village=job.village, user=user)
    key = progress_key(job)
    rows = [
        (line, dict(zip(sheet.headers, cells, strict=False)))
        for line, cells in zip(sheet.lines, sheet.rows, strict=True)
    ]
    with transaction.atomic():
        counts, errors = importer.run(rows, progress=lambda done: cache.set(key, done, 3600))
        if dry_run:
            transaction.set_rollback(True)
    totals = {"new": counts["new"], "update": counts["update"], "error": len(errors)}
    totals["rows"] = len(sheet.rows)
    failed_rows = _failed_rows(sheet, errors) if errors else b""
    return {"totals": totals, "errors": errors, "failed": False, "failed_rows": failed_rows}


def progress_key(job: ImportJob) -> str:
    return f"import-progress:{job.pk}"


def import_progress(job: ImportJob) -> int:
    return cache.get(progress_key(job), 0) if job.running else job.rows_total


def file_bytes(job: ImportJob) -> bytes:
    if not job.file:
        raise TableError(_("The file is no longer kept (its retention ended); upload it again."))
    with job.file.open("rb") as handle:
        return decrypt_bytes(handle.read())


def imports_purge(now: datetime.datetime | None = None) -> int:
    """Delete uploaded files (full ID numbers, encrypted) past UPLOAD_RETENTION_DAYS, but
    not while a task reads them; the job, its totals and its errors stay. Says how many."""
    since = (now or timezone.now()) - datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS)
    count = 0
    old = ImportJob.objects.filter(created_at__lte=since).exclude(file="")
    for job in old.exclude(status__in=IMPORT_RUNNING):
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


def import_submit(*, user, village: Region, upload, language: str) -> ImportJob:
    """Store the upload (encrypted: it holds plaintext ID numbers) and queue its check.

    Nothing of the file is parsed here, in the web request: the check task reads it with
    the reader's limits, and a refused file ends as a failed job with the reason."""
    require_role_at(user, REGISTRY_KEEPERS, village.code)
    name = upload.name or ""
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise TableError(_("Upload an .xlsx workbook or a .csv file."))
    if upload.size > IMPORT_LIMITS.max_bytes:
        raise TableError(
            _("The file is larger than %(mb)d MB; split it by villager group.")
            % {"mb": IMPORT_LIMITS.max_bytes // (1024 * 1024)}
        )
    job = ImportJob(
        token=secrets.token_urlsafe(24),
        village=village,
        created_by=user,
        original_name=name[:200],
        language=language,  # the uploader's language, for the row messages
    )
    with transaction.atomic():
        encrypted = encrypt_bytes(b"".join(upload.chunks()))
        job.file.save(f"{job.token}.bin", ContentFile(encrypted), save=False)
        job.full_clean()
        job.save()
        enqueue("households.tasks.import_check_task", job.pk)
    return job


def _run_job(job: ImportJob, *, user, dry_run: bool, done: str) -> None:
    """Run a claimed job and record its outcome. A refused file or a crash fails the job
    (nothing of it saved) rather than leaving it running.
    Messages are in the uploader's language."""
    with translation.override(job.language):
        try:
            outcome = run_import(job=job, user=user, dry_run=dry_run)
        except TableError as exc:  # refused by the reader: the reason, nothing saved
            outcome = {"totals": job.totals, "errors": [{"line": 0, "messages": [str(exc)]}]}
            outcome["failed"] = True
        except SoftTimeLimitExceeded:
            message = _("The file took too long to process; nothing was saved. Split it.")
            outcome = {"totals": job.totals, "errors": [{"line": 0, "messages": [message]}]}
            outcome["failed"] = True
        except Exception:
            logger.exception("import %s failed", job.pk)
            message = _("The file could not be processed; nothing was saved.")
            outcome = {"totals": job.totals, "errors": [{"line": 0, "messages": [message]}]}
            outcome["failed"] = True
    fields = {
        "status": ImportStatus.FAILED if outcome["failed"] else done,
        "totals": outcome["totals"],
        "errors": outcome["errors"],
        "failed_rows": outcome.get("failed_rows", b""),
        "lease_until": None,
    }
    if not dry_run:
        fields["imported_at"] = timezone.now()
    # conditional: a job reaped as stopped stays as the reaper left it
    ImportJob.objects.filter(pk=job.pk, status__in=IMPORT_RUNNING).update(**fields)


def import_check(*, job_id: int) -> None:
    """The dry run. Claimed with a conditional UPDATE so two workers never run it twice."""
    if not leases.claim(
        ImportJob.objects,
        job_id,
        among=[ImportStatus.QUEUED],
        seconds=IMPORT_LEASE,
        status=ImportStatus.CHECKING,
    ):
        return
    job = ImportJob.objects.select_related("village", "created_by").get(pk=job_id)
    _run_job(job, user=job.created_by, dry_run=True, done=ImportStatus.CHECKED)


def imports_reap() -> int:
    """Imports whose task died (past the task's hard limit, still checking or
    importing) are failed with a sentence; nothing of them was saved (the import is one
    transaction). Says how many."""
    return len(
        leases.reap_in_languages(
            ImportJob.objects,
            running=IMPORT_RUNNING,
            fields_of=lambda: {
                "status": ImportStatus.FAILED,
                "errors": [
                    {
                        "line": 0,
                        "messages": [
                            _(
                                "The work on this file stopped part-way (the process handling it "
                                "ended); nothing was saved. Upload the file again."
                            )
                        ],
                    }
                ],
            },
        )
    )


def import_confirm(*, job: ImportJob, user) -> None:
    """Queue the real import of the good rows; rows with errors are skipped."""
    require_role_at(user, REGISTRY_KEEPERS, job.village.code)
    with transaction.atomic():
        # Claim first: a double-clicked confirm finds the job taken.
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING, confirmed_by=user
        )
        if not claimed:
            raise ValidationError(_("This file has already been imported."))
        enqueue("households.tasks.import_apply_task", job.pk)


def import_apply(*, job_id: int) -> None:
    """The real import, claimed by the first delivery (its lease). A worker killed
    mid-way rolled its transaction back; once the lease ends the job reads failed and is
    uploaded again (rows are matched by ID hash, so a rerun updates, never duplicates)."""
    if not ImportJob.objects.filter(
        pk=job_id, status=ImportStatus.IMPORTING, lease_until__isnull=True
    ).update(lease_until=leases.lease_end(IMPORT_LEASE)):
        return  # another delivery has it, or it was reaped as stopped
    job = ImportJob.objects.select_related("village", "confirmed_by").get(pk=job_id)
    _run_job(job, user=job.confirmed_by, dry_run=False, done=ImportStatus.IMPORTED)


def template_bytes() -> bytes:
    """The import template: headers, text-formatted ID/phone/number columns, instructions.
    Written by the one xlsx writer like every other workbook."""
    choices_of: dict[str, Any] = {col: ch for _a, col, ch in RESIDENT_COLUMNS}
    choices_of[COL_POVERTY] = PovertyStatus
    yes_no = ["是", "否"]
    with translation.override("zh-hans"):
        dropdowns: dict[int, Sequence[str]] = {
            index: [str(label) for value, label in choices_of[column].choices if value != ""]
            for index, column in enumerate(ALL_COLUMNS)
            if choices_of.get(column) is not None
        }
    dropdowns |= {ALL_COLUMNS.index(c): yes_no for c in (COL_DIBAO, COL_TEKUN, "流动人口")}
    buffer = io.BytesIO()
    writer = XlsxWriter(buffer)
    writer.sheet(
        SheetSpec(
            title="住户成员",
            headers=ALL_COLUMNS,
            widths=dict.fromkeys(range(len(ALL_COLUMNS)), 14),
            text_columns=TEXT_COLUMNS,
            choices=dropdowns,
            required=[ALL_COLUMNS.index(c) for c in REQUIRED],
        )
    )
    # Format the empty cells as text, so typed ID numbers stay text.
    writer.append_blank_text_rows(2000)
    writer.sheet(
        SheetSpec(
            title="填写说明",
            headers=[_("Column"), _("Required"), _("Allowed values")],
            widths={0: 14, 2: 100},
        )
    )
    writer.append([str(_("Shaded headers on the first sheet are required columns.")), "", ""])
    with translation.override("zh-hans"):
        for column in ALL_COLUMNS:
            choices = choices_of.get(column)
            if choices is not None:
                allowed = "、".join(str(label) for value, label in choices.choices if value != "")
            elif column in (COL_DIBAO, COL_TEKUN, "流动人口"):
                allowed = "是 / 否"
            elif column == COL_ID:
                allowed = str(_("18 characters, as text"))
            else:
                allowed = ""
            writer.append([column, "*" if column in REQUIRED else "", allowed])
    writer.close()
    return buffer.getvalue()
