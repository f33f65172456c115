"""The one masking function for names, ID numbers and phone numbers (DESIGN §5), and the
scrubbers that apply it to free text such as log lines, notes and filter descriptions.

People type numbers as they read them: with full-width digits from a Chinese keyboard,
in groups (`360121 19900101 1234`, `139-0791-5678`, `139.0791.5678`), even in Chinese
numerals (一三九…). Free text is therefore read the way a person would (NFKC, the usual
separators between groups of digits, Chinese numerals for phones) before ID numbers and
phone numbers are looked for; what is not a number is left exactly as it was typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Kind = Literal["name", "id", "phone"]  # pragma: no mutate (a type only)

# What people put between groups of digits: spaces (ideographic too), dashes of every
# width, dots, slashes, underscores, the middle dot.
SEPARATOR = r"[\s\-‐‑‒–—―－_.．。·・/／]"
_DIGIT = "0-9０-９"
_X = "XxＸｘ"  # pragma: no mutate ("XX…XX" adds X again: the same character class)
# A run of digit groups (a group may end in an X, or be the X) joined by separators, not
# followed by a letter or digit (the end of a hash or a cipher text is no number).
_DIGIT_RUN = re.compile(
    rf"(?<![{_DIGIT}])[{_DIGIT}]+[{_X}]?"
    rf"(?:{SEPARATOR}{{1,3}}(?:[{_DIGIT}]+[{_X}]?|[{_X}]))*(?![{_DIGIT}A-Za-zＡ-Ｚａ-ｚ])"
)
_GROUP = re.compile(rf"[{_DIGIT}]+[{_X}]?|[{_X}]")  # the check character may stand apart
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def mask(value: str | None, kind: Kind) -> str:
    """Hide the identifying middle of a value.

    name:  张三力 → 张*力, 张三 → 张*, 欧阳娜娜 → 欧**娜
    id:    360121199001011234 → 3601**********1234
    phone: 13812345678 → 138****5678
    """
    if not value:
        return ""
    if kind == "name":
        if len(value) <= 1:
            return value
        if len(value) == 2:
            return value[0] + "*"
        return value[0] + "*" * (len(value) - 2) + value[-1]
    if kind == "id":
        if len(value) <= 8:
            return "*" * len(value)
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if kind == "phone":
        if len(value) <= 7:
            return "*" * len(value)
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    raise ValueError(f"unknown mask kind: {kind}")


def _mask_run(run: str) -> str:
    """A run of digit groups with every ID number in it masked: a number is a sequence of
    whole groups that reads as 17 digits and a digit or X (so a phone number typed just
    before an ID number is not taken as its first digits)."""
    groups = list(_GROUP.finditer(run))
    plain = [unicodedata.normalize("NFKC", g.group()).upper() for g in groups]
    out, cursor, i = [], 0, 0
    while i < len(groups):  # pragma: no mutate (`<=` adds one pass that finds nothing)
        joined, j = "", i
        while j < len(groups) and len(joined) < 18:
            joined += plain[j]
            j += 1
        if len(joined) == 18 and _ID_SHAPE.fullmatch(joined):
            out.append(run[cursor : groups[i].start()])
            out.append(mask(joined, "id"))
            cursor = groups[j - 1].end()
            i = j
        else:
            i += 1
    out.append(run[cursor:])
    return "".join(out)


def mask_id_numbers(text: str) -> str:
    """Every ID number inside a free text, masked, however it was typed (full-width
    digits, groups with spaces, dashes, dots or slashes between them, a lower-case x):
    for notes, log lines and filter texts. Everything else is left as typed."""
    if not text:
        return text
    return _DIGIT_RUN.sub(lambda m: _mask_run(m.group()), text)


def has_id_number(text: str) -> bool:
    return mask_id_numbers(text) != text


# Chinese numerals as people say a phone number (幺 for 1, 两 for 2), and the formal ones
_CHINESE_DIGITS = str.maketrans(
    "〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖两幺", "0012345678912345678921"
)
_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9]){SEPARATOR}{{1,3}}(?=[0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def digits_as_read(text: str, *, numerals: bool = True) -> str:
    """The text as a person reads its numbers: NFKC (full-width to ASCII), Chinese
    numerals to digits (unless `numerals` is False), the separators between digits gone."""
    plain = unicodedata.normalize("NFKC", text or "")
    if numerals:
        plain = plain.translate(_CHINESE_DIGITS)
    return _BETWEEN_DIGITS.sub("", plain)


def has_mobile_number(text: str) -> bool:
    """Does the text hold a mainland mobile number, however it is written
    (139-0791-5678, 139.0791.5678, 一三九零七九一五六七八, １３９…)? Read with and without
    the Chinese numerals, so a name like 张三 just before a number cannot hide it."""
    return any(
        MOBILE_RE.search(digits_as_read(text, numerals=numerals)) for numerals in (True, False)
    )
