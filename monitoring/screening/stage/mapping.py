"""A department's column mapping: how its own wide file becomes (item, value) pairs.

A mapping is JSON kept on the department (monitoring.models.FeedMapping):

    {
      "id": "身份证号码",                        the column holding the ID number
      "period": "所属期",                        optional: a column holding the period
      "items": {"医疗总费用(元)": "YB01"},         columns whose cell is an item's value
      "by": {                                    optional: a column whose value says
        "column": "救助类型",                      which items the row holds
        "values": {
          "农村低保": {"MZ01": 1, "MZ02": "月保障金（元）"},   a number, or a column's cell
          "临时救助": {"MZ04": "月保障金（元）"}
        }
      }
    }

Headers are compared without spaces and with full-width brackets as ASCII, so 月保障金（元）
and 月保障金(元) are one column. A row whose `by` value the mapping does not list is
rejected with that value in the reason; a blank item cell is no value (not a zero).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.tables import TableError, cell_text


class RowNotPlaced(Exception):
    """The row cannot be turned into values; str(exc) says why."""


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def check(spec: Any, item_codes: set[str]) -> None:
    """Refuse a mapping that is not of the shape above or names an unknown item."""
    if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not spec["id"]:
        raise ValidationError(_('A mapping is a JSON object with at least "id": the ID column.'))
    items = spec.get("items", {})
    by = spec.get("by")
    if not isinstance(items, dict) or not all(isinstance(v, str) for v in items.values()):
        raise ValidationError(_('"items" maps column headers to item codes.'))
    used = set(items.values())
    if by is not None:
        values = by.get("values") if isinstance(by, dict) else None
        if not isinstance(by.get("column") if isinstance(by, dict) else None, str) or not (
            isinstance(values, dict) and all(isinstance(v, dict) for v in values.values())
        ):
            raise ValidationError(
                _(
                    '"by" needs "column" and "values": each value maps item codes to a number '
                    "or a column header."
                )
            )
        for targets in values.values():
            for code, source in targets.items():
                if not isinstance(source, int | float | str) or isinstance(source, bool):
                    raise ValidationError(
                        _("%(code)s: give a number or a column header.") % {"code": code}
                    )
                used.add(code)
    if not used:
        raise ValidationError(_("The mapping places no item."))
    unknown = sorted(used - item_codes)
    if unknown:
        raise ValidationError(
            _("Unknown item codes for this department: %(codes)s") % {"codes": ", ".join(unknown)}
        )


def resolve(spec: dict | None, headers: list[str]) -> dict:
    """The mapping with column headers turned into positions in this file's header."""
    if spec is None:
        raise TableError(
            _(
                "This file is not in the long format (id_number, item_code, value, period) and "
                "its department has no column mapping."
            )
        )
    position = {_key(h): i for i, h in enumerate(headers) if h}

    def column(header: str) -> int:
        try:
            return position[_key(header)]
        except KeyError:
            raise TableError(
                _("The column “%(column)s” of the department's mapping is not in the file.")
                % {"column": header}
            ) from None

    resolved: dict[str, Any] = {
        "id": column(spec["id"]),
        "period": column(spec["period"]) if spec.get("period") else None,
        "items": [(column(h), code) for h, code in spec.get("items", {}).items()],
        "by": None,
    }
    if by := spec.get("by"):
        cases = {}
        for value, targets in by["values"].items():
            cases[_key(value)] = [
                (code, ("column", column(src)) if isinstance(src, str) else ("const", src))
                for code, src in targets.items()
            ]
        resolved["by"] = {"column": column(by["column"]), "name": by["column"], "cases": cases}
    return resolved


def values_of(resolved: dict, cells: list[Any]) -> list[tuple[str, Any]]:
    """The (item code, cell) pairs of one row of a wide file."""
    pairs = [(code, cells[i]) for i, code in resolved["items"] if cell_text(cells[i]) != ""]
    if by := resolved["by"]:
        value = cell_text(cells[by["column"]])
        targets = by["cases"].get(_key(value))
        if targets is None:
            raise RowNotPlaced(
                _("%(column)s “%(value)s” is not in the department's mapping.")
                % {"column": by["name"], "value": value}
            )
        for code, (kind, source) in targets:
            cell = cells[source] if kind == "column" else source
            if cell_text(cell) != "":
                pairs.append((code, cell))
    return pairs
