"""Reference data in and out of the admin with django-import-export (decision 74).

Counties know django-import-export's screens: pick a file, see a dry run of what would
change, confirm. The portal uses them for its reference data (the feed catalogue, risk
rules and monitoring lines, point rules, grids and their members, staff assignments),
on its own terms:

- a file is read by the portal's one table reader (common.tables), as .xlsx or .csv
  (GB18030 too), its size, unpacked size, rows and columns checked before decoding;
- a workbook leaves through the portal's one writer (common.xlsx: text as text, no
  formulas); CSV is not offered for export (a cell that begins with "=" would be a
  formula in the spreadsheet that opens it);
- a row is saved by its app's service (`ServiceResource.save_row`), so the admin's
  import meets the same permission check and validation as the page that edits it, and
  the dry run is the same call rolled back.

Reference files are small (a catalogue, a village's rules): the read is bounded by
REFERENCE_LIMITS and happens in the admin's request, which is the screen's design.
"""

from __future__ import annotations

from typing import Any

import tablib
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm

from common.tables import TableError, TableLimits, cell_text, raw_rows
from common.xlsx import workbook_bytes

REFERENCE_LIMITS = TableLimits(
    max_bytes=1024 * 1024, max_unzipped=8 * 1024 * 1024, max_rows=5_000, max_columns=30
)


def _dataset(data: bytes, name: str) -> tablib.Dataset:
    rows = raw_rows(data, name, REFERENCE_LIMITS)
    headers = [cell_text(cell) for cell in next(rows, [])]
    if not any(headers):
        raise TableError(_("The file has no header row."))
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        cells = [cell_text(cell) for cell in row][: len(headers)]
        if any(cells):  # a blank line is no row
            dataset.append(cells + [""] * (len(headers) - len(cells)))
    return dataset


class Workbook(base_formats.XLSX):
    """.xlsx through the portal's reader and writer."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        return _dataset(bytes(in_stream), "reference.xlsx")

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        return workbook_bytes(
            [str(h) for h in dataset.headers or []],
            ([cell_text(c) for c in row] for row in dataset),
            title=_("Export")[:31],
        )


class Csv(base_formats.CSV):
    """.csv read as bytes, so the reader finds its encoding (UTF-8 or GB18030)."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        return _dataset(bytes(in_stream), "reference.csv")


class ReferenceImportForm(ImportForm):
    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        if upload.size > REFERENCE_LIMITS.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it.")
                % {"mb": REFERENCE_LIMITS.max_bytes // (1024 * 1024)}
            )
        return upload


class ServiceResource(resources.ModelResource):
    """A resource whose rows are saved by the app's service: `save_row(instance, user)`
    does what the app's page does (it checks the user's permission and validates). A
    refusal is the row's error, in the user's language."""

    class Meta:
        abstract = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def save_row(self, instance: Any, *, user: Any) -> None:  # pragma: no cover (abstract)
        raise NotImplementedError

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        raise NotImplementedError("rows are saved by save_instance through the service")

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        self.before_save_instance(instance, row, **kwargs)
        try:
            self.save_row(instance, user=kwargs.get("user"))
        except PermissionDenied as exc:
            raise ValidationError(_("You may not change this record.")) from exc
        self.after_save_instance(instance, row, **kwargs)


class CodeWidget(widgets.ForeignKeyWidget):
    """A related record by its code (a region's division code, a data item's code): an
    unknown one is the row's error, named."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if value in (None, ""):
            return None
        try:
            return super().clean(cell_text(value), row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(_("No record with the code %(code)s.") % {"code": value}) from exc


class YesNoWidget(widgets.BooleanWidget):
    """是/否 as a county's sheet writes them (1/0 and true/false too)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:
        text = cell_text(value).lower()
        if text in ("是", "1", "true", "yes", "y", "√"):
            return True
        if text in ("否", "0", "false", "no", "n", ""):
            return False
        raise ValueError(_("Write 是 or 否, not %(value)s.") % {"value": value})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice written as its label in the reader's language (村干部), read back from the
    label or the stored value."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = cell_text(value)
        for stored, label in self.choices.choices:
            if text in (str(stored), str(label)):
                return stored
        raise ValueError(_("Unknown value: %(value)s.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(dict(self.choices.choices).get(value, value or ""))


class ReferenceAdmin(ImportExportModelAdmin):
    """The admin of a reference table: import (dry run, then confirm) and export, through
    the portal's reader, writer and services."""

    formats = [Workbook, Csv]
    import_formats = [Workbook, Csv]
    export_formats = [Workbook]
    import_form_class = ReferenceImportForm

    #: False for a table of people (names, phones): import only, no export, since every
    #: export of personal data is a recorded download of the staff pages
    exports_allowed = True

    def has_export_permission(self, request: Any) -> bool:
        return self.exports_allowed and super().has_export_permission(request)

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, TableError):
            form.add_error("import_file", str(e))
        else:
            form.add_error("import_file", IMPORT_UNREADABLE)


IMPORT_UNREADABLE = gettext_lazy("The file could not be read: upload an .xlsx or .csv file.")
