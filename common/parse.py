"""The one parser of each kind of request parameter: page, id, date, month, year, choice,
region code, text. A bad value is never an exception: it is the default (None, page 1,
the first choice), and the view answers with its page, a form error or a 404.

Values come from anyone: `str.isdigit()` is true for "²" and "١", which `int()` then
refuses or reads as another number; a 30-digit id is past every integer column; a date
can be 2026-02-30. Each helper accepts ASCII digits of a bounded length only, and checks
the value's range, so nothing past it can raise in a view or in the database. NUL bytes
never get this far (config.middleware.RequestGuardMiddleware answers 400).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

#: ids are positive and fit a bigint column
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-?([0-9]{2})")
_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,3}")
#: the years the portal's records span (periods, reports, portraits)
FIRST_YEAR = 2000
LAST_YEAR = 2100


def integer(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits within [minimum, maximum]; else None."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def object_id(value: object) -> int | None:
    """A primary key (1 … 2**63-1), or None."""
    return integer(value, minimum=1)


def object_ids(values: Iterable[object]) -> list[int]:
    """The primary keys among `values` (a getlist), bad ones left out."""
    return [n for n in (object_id(v) for v in values) if n is not None]


def page(value: object) -> int:
    """A page number (1 … MAX_PAGE); any other text is page 1."""
    return integer(value, minimum=1, maximum=MAX_PAGE) or 1


def date(value: object) -> datetime.date | None:
    """A date written YYYY-MM-DD between FIRST_YEAR and LAST_YEAR, or None."""
    match = _DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def month(value: object) -> tuple[int, int] | None:
    """(year, month) written YYYY-MM or YYYYMM, between FIRST_YEAR and LAST_YEAR."""
    match = _MONTH.fullmatch(str(value or "").strip())
    if not match:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    if FIRST_YEAR <= year <= LAST_YEAR and 1 <= number <= 12:
        return year, number
    return None


def year(value: object, *, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int | None:
    """A year between `first` and `last`, or None."""
    return integer(value, minimum=first, maximum=last)


def choice(value: object, choices: Iterable[str], default: str = "") -> str:
    """`value` if it is one of `choices`, else `default`."""
    text = str(value or "")
    return text if text in set(choices) else default


def region_code(value: object) -> str | None:
    """A statistical division code (6, 9, 12 or 15 ASCII digits), or None."""
    text = str(value or "").strip()
    return text if _CODE.fullmatch(text) else None


def text(value: object, *, max_length: int) -> str:
    """Free text from a filter or a search box: trimmed and cut to `max_length`."""
    return str(value or "").strip()[:max_length]
