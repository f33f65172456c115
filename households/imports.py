"""Excel/CSV import of households and residents (django-import-export underneath).

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

import io
import logging
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult
from tablib import Dataset

from common.crypto import decrypt_bytes, encrypt_bytes
from common.masking import mask, mask_id_numbers
from common.tables import HeaderNotFound, Table, TableError, TableLimits, open_table
from common.xlsx import SheetSpec, XlsxWriter
from households.idnumbers import encrypt, id_hash, validate_id_number
from households.models import (
    DisabilityGrade,
    DisabilityKind,
    Education,
    Employment,
    Health,
    Household,
    ImportJob,
    ImportStatus,
    LabourAbility,
    Political,
    PovertyStatus,
    Relation,
    Resident,
)
from households.phones import clean_phone
from households.roles import REGISTRY_KEEPERS
from villages.models import Level, Region
from villages.scoping import has_role_at

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
    ("id_hash", COL_ID, None),
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
    ("phone_cipher", COL_PHONE, None),
    ("is_floating", "流动人口", None),
]
ALL_COLUMNS = HOUSEHOLD_COLUMNS + [col for _a, col, _c in RESIDENT_COLUMNS]
COLUMN_OF = {attr: col for attr, col, _c in RESIDENT_COLUMNS}
TEXT_COLUMNS = [
    ALL_COLUMNS.index(COL_NUMBER),
    ALL_COLUMNS.index(COL_ID),
    ALL_COLUMNS.index(COL_PHONE),
]
PROGRESS_EVERY = 25  # rows between progress updates
TRUE_WORDS = {"是", "有", "1", "Y", "YES", "TRUE", "√", "✓"}
FALSE_WORDS = {"", "否", "无", "0", "N", "NO", "FALSE"}


def _text(value) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _choice_lookup(choices: type[models.Choices]) -> dict[str, object]:
    """Accept the Chinese label, the English label or the stored value."""
    lookup: dict[str, object] = {}
    for value, label in choices.choices:
        lookup[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                lookup[str(label).lower()] = value
    return lookup


class ChoiceLabelWidget(widgets.Widget):
    def __init__(self, choices: type[models.Choices], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if text == "" and "" in self.choices.values:
            return ""
        if text == "":
            return None  # the model default applies; required columns are checked earlier
        found = _choice_lookup(self.choices).get(text.lower())
        if found is None:
            labels = "、".join(str(label) for _v, label in self.choices.choices if str(label))
            raise ValueError(
                _("“%(value)s” is not one of: %(labels)s") % {"value": text, "labels": labels}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices.choices).get(value, value))


class TextCleanWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return " ".join(_text(value).split())


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _yes_no(value)


def _yes_no(value) -> bool:
    text = _text(value).upper()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” should be 是 or 否.") % {"value": _text(value)})


class PassThroughWidget(widgets.Widget):
    """For columns the resource has already turned into stored values in before_import_row."""

    def clean(self, value, row=None, **kwargs):
        return value


def _field(attr: str, column: str, choices) -> fields.Field:
    if attr in {"id_hash", "phone_cipher"}:
        widget: widgets.Widget = PassThroughWidget()
    elif attr == "is_floating":
        widget = YesNoWidget()
    elif choices is not None:
        widget = ChoiceLabelWidget(choices)
    else:
        widget = TextCleanWidget()
    # A blank cell keeps what the record has (the model default for a new one).
    return fields.Field(attribute=attr, column_name=column, widget=widget, saves_null_values=False)


class _RowFailed(Exception):
    def __init__(self, result):
        super().__init__()
        self.result = result


class RegistryResource(resources.ModelResource):
    """Residents, with their household found or created from the household columns."""

    def __init__(self, *, village: Region, user, progress_key: str = ""):
        super().__init__()
        self.village = village
        self.user = user
        self.progress_key = progress_key
        self.rows_done = 0
        self.households: dict[str, Household] = {}
        self.groups = {g.name: g for g in Region.objects.filter(parent=village, level=Level.GROUP)}

    class Meta:
        model = Resident
        fields = tuple(attr for attr, _c, _ch in RESIDENT_COLUMNS)
        import_id_fields = ("id_hash",)
        clean_model_instances = True
        skip_diff = True
        use_transactions = True
        store_instance = False

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        for attr, column, choices in RESIDENT_COLUMNS:
            if attr == field_name:
                return _field(attr, column, choices)
        return super().field_from_django_field(field_name, django_field, readonly)

    def get_instance(self, instance_loader, row):
        # looked up once, in before_import_row, together with its scope check
        return row.get("_existing")

    def before_import_row(self, row, **kwargs):
        errors: dict[str, list[str]] = {}
        for column in REQUIRED:
            if _text(row.get(column)) == "":
                errors.setdefault(column, []).append(_("This column is required."))
        raw_id = row.get(COL_ID)
        check = None
        if isinstance(raw_id, int | float) or "E+" in _text(raw_id).upper():
            errors[COL_ID] = [
                _(
                    "The ID number was saved by Excel as a number (%(value)s), which loses its "
                    "last digits. Format the column as text and type the number again."
                )
                # shown as Excel shows it, so the cadre recognises the cell
                % {"value": f"{raw_id:.5E}" if isinstance(raw_id, int | float) else _text(raw_id)}
            ]
        elif _text(raw_id):
            try:
                check = validate_id_number(_text(raw_id))
            except ValidationError as exc:
                errors[COL_ID] = exc.messages
        phone = ""
        try:
            phone = clean_phone(_text(row.get(COL_PHONE)))
        except ValidationError as exc:
            errors[COL_PHONE] = exc.messages
        if len(_text(row.get(COL_NUMBER))) > Household._meta.get_field("number").max_length:
            errors[COL_NUMBER] = [_("The household number is longer than 20 characters.")]
        group_name = _text(row.get(COL_GROUP))
        if group_name and group_name not in self.groups:
            errors[COL_GROUP] = [
                _("There is no villager group “%(name)s” in %(village)s.")
                % {"name": group_name, "village": self.village.name}
            ]
        household_fields = {}
        try:
            poverty = _text(row.get(COL_POVERTY))
            if poverty:
                household_fields["poverty_status"] = ChoiceLabelWidget(PovertyStatus).clean(poverty)
        except ValueError as exc:
            errors[COL_POVERTY] = [str(exc)]
        for column, attr in ((COL_DIBAO, "is_dibao"), (COL_TEKUN, "is_tekun")):
            if _text(row.get(column)):
                try:
                    household_fields[attr] = _yes_no(row.get(column))
                except ValueError as exc:
                    errors[column] = [str(exc)]
        existing = None
        if check is not None:
            existing = (
                Resident.objects.select_related("household__village")
                .filter(id_hash=id_hash(check.number))
                .first()
            )
            if existing and not has_role_at(
                self.user, REGISTRY_KEEPERS, existing.household.village.code
            ):
                errors[COL_ID] = [_("This person is registered in a household outside your area.")]
        if errors:
            raise ValidationError(errors)

        number = _text(row[COL_NUMBER])
        group = self.groups[group_name] if group_name else None
        address = _text(row.get(COL_ADDRESS))
        household = self.households.get(number)
        created = False
        if household is None:
            # A new household is created whole (its group belongs to this village by
            # construction, the number's length is checked above): one INSERT, no update.
            household = Household.objects.filter(village=self.village, number=number).first()
            if household is None:
                household = Household(
                    village=self.village,
                    number=number,
                    address=address,
                    group=group,
                    **household_fields,
                )
                household._history_user = self.user
                household.save()
                created = True
        if not created:
            changes = dict(household_fields)
            if group is not None:
                changes["group"] = group
            if address:
                changes["address"] = address
            changed = {k: v for k, v in changes.items() if getattr(household, k) != v}
            if changed:
                for attr, value in changed.items():
                    setattr(household, attr, value)
                household.full_clean()
                household._history_user = self.user
                household.save()
        row[COL_ID] = id_hash(check.number)
        row["_existing"] = existing
        row[COL_PHONE] = encrypt(phone)
        row["_household"] = household
        row["_check"] = check

    def after_init_instance(self, instance, new, row, **kwargs):
        check = row.get("_check")
        if check is None:
            return
        instance.household = row["_household"]
        instance.id_cipher = encrypt(check.number)
        instance.birth_date = check.birth_date
        instance.sex = check.sex

    def before_save_instance(self, instance, row, **kwargs):
        instance._history_user = self.user

    def import_row(self, row, instance_loader, **kwargs):
        """One savepoint per row that is rolled back when the row fails.

        import-export catches a row's ValidationError inside its own savepoint, which then
        commits: the household written in before_import_row would stay behind for a row
        whose resident was refused."""
        try:
            with transaction.atomic():
                result = super().import_row(row, instance_loader, **kwargs)
                if result.import_type in (
                    RowResult.IMPORT_TYPE_INVALID,
                    RowResult.IMPORT_TYPE_ERROR,
                ):
                    raise _RowFailed(result)
        except _RowFailed as failed:
            result = failed.result
            if "_household" in row:
                # Rolled back in the database: the copy in memory is stale now.
                self.households.pop(row["_household"].number, None)
        return result

    def after_import_row(self, row, row_result, **kwargs):
        if "_household" in row:  # only called for rows that were kept
            self.households[row["_household"].number] = row["_household"]
        self.rows_done += 1
        if self.progress_key and self.rows_done % PROGRESS_EVERY == 0:
            cache.set(self.progress_key, self.rows_done, timeout=3600)


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


def error_workbook(job: ImportJob, *, full: bool) -> tuple[list[str], list[list]]:
    """The rows that failed, as they were, with their line and the reason in two last
    columns. ID and phone numbers are masked unless `full` (the caller has applied the
    reveal rule); any ID number typed into another column is masked as well."""
    reasons = {e["line"]: "；".join(e["messages"]) for e in job.errors}
    table = open_sheet(file_bytes(job), job.original_name)
    masked_as = {COL_ID: "id", COL_PHONE: "phone"}
    kinds = [masked_as.get(h) for h in table.headers]
    rows = []
    for line, cells in table.rows():
        if line not in reasons:
            continue
        values = ["" if v is None else v for v in cells]
        if not full:
            values = [
                mask(_text(v), kind) if kind else mask_id_numbers(v) if isinstance(v, str) else v
                for v, kind in zip(values, kinds, strict=True)
            ]
        rows.append([*values, line, reasons[line]])
    headers = [*table.headers, _("Line in the original file"), _("Error")]
    return headers, rows


def _dataset(sheet: Sheet) -> Dataset:
    dataset = Dataset(headers=sheet.headers)
    for row in sheet.rows:
        dataset.append(row)
    return dataset


def _messages_of(invalid) -> list[str]:
    out = []
    for key, errors in invalid.error_dict.items():
        column = COLUMN_OF.get(key, key)
        for message in errors:
            out.append(message if key == NON_FIELD_ERRORS else f"{column}: {message}")
    return out


def run_import(*, job: ImportJob, user, dry_run: bool) -> dict:
    """Run the import of a job's file; return totals and per-line errors.

    Progress (rows done) goes to the cache, not the job row: the rows are imported inside
    one transaction, which a dry run rolls back, and other connections would not see it.
    """
    sheet = read_sheet(file_bytes(job), job.original_name)
    # the progress bar's total, visible to the page while the rows are checked
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(sheet.rows))
    resource = RegistryResource(village=job.village, user=user, progress_key=progress_key(job))
    result = resource.import_data(
        _dataset(sheet), dry_run=dry_run, use_transactions=True, raise_errors=False
    )
    errors = [
        {"line": sheet.lines[invalid.number - 1], "messages": _messages_of(invalid)}
        for invalid in result.invalid_rows
    ]
    for number, row_errors in result.row_errors():
        errors.append(
            {
                "line": sheet.lines[number - 1],
                "messages": [_("Unexpected error; nothing of this row was saved.")]
                * len(row_errors),
            }
        )
    errors.sort(key=lambda e: e["line"])
    totals = {
        "new": result.totals["new"],
        "update": result.totals["update"],
        "error": len(errors),
        "rows": len(sheet.rows),
    }
    return {"totals": totals, "errors": errors, "failed": result.has_errors()}


def progress_key(job: ImportJob) -> str:
    return f"import-progress:{job.pk}"


def import_progress(job: ImportJob) -> int:
    return cache.get(progress_key(job), 0) if job.running else job.rows_total


def file_bytes(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return decrypt_bytes(handle.read())


def import_submit(*, user, village: Region, upload, language: str) -> ImportJob:
    """Store the upload (encrypted: it holds plaintext ID numbers) and queue its check.

    Nothing of the file is parsed here, in the web request: the check task reads it with
    the reader's limits, and a refused file ends as a failed job with the reason."""
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
        from households.tasks import import_check_task

        import_check_task.delay_on_commit(job.pk)
    return job


def _run_job(job: ImportJob, *, user, dry_run: bool, done: str) -> None:
    """Run a claimed job and record its outcome. A non-validation error (import-export
    rolls the whole file back then) or a crash fails the job rather than leaving it running.
    Messages are in the uploader's language."""
    with translation.override(job.language):
        try:
            outcome = run_import(job=job, user=user, dry_run=dry_run)
        except TableError as exc:  # refused by the reader: the reason, nothing saved
            outcome = {"totals": job.totals, "errors": [{"line": 0, "messages": [str(exc)]}]}
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
    }
    if not dry_run:
        fields["imported_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def import_check(*, job_id: int) -> None:
    """The dry run. Claimed with a conditional UPDATE so two workers never run it twice."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING
    ):
        return
    job = ImportJob.objects.select_related("village", "created_by").get(pk=job_id)
    _run_job(job, user=job.created_by, dry_run=True, done=ImportStatus.CHECKED)


def import_confirm(*, job: ImportJob, user) -> None:
    """Queue the real import of the good rows; rows with errors are skipped."""
    with transaction.atomic():
        # Claim first: a double-clicked confirm finds the job taken.
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING, confirmed_by=user
        )
        if not claimed:
            raise ValidationError(_("This file has already been imported."))
        from households.tasks import import_apply_task

        import_apply_task.delay_on_commit(job.pk)


def import_apply(*, job_id: int) -> None:
    """The real import. Not claimed a second time: a worker killed mid-way rolled its
    transaction back, and the redelivered task must be able to run it again (rows are
    matched by ID hash, so a rerun updates rather than duplicates)."""
    job = ImportJob.objects.select_related("village", "confirmed_by").get(pk=job_id)
    if job.status == ImportStatus.IMPORTING:
        _run_job(job, user=job.confirmed_by, dry_run=False, done=ImportStatus.IMPORTED)


def template_bytes() -> bytes:
    """The import template: headers, text-formatted ID/phone/number columns, instructions.
    Written by the one xlsx writer like every other workbook."""
    writer = XlsxWriter()
    writer.sheet(
        SheetSpec(
            title="住户成员",
            headers=ALL_COLUMNS,
            widths=dict.fromkeys(range(len(ALL_COLUMNS)), 14),
            text_columns=TEXT_COLUMNS,
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
    choices_of = {col: ch for _a, col, ch in RESIDENT_COLUMNS}
    choices_of[COL_POVERTY] = PovertyStatus
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
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
