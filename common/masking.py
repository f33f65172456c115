"""The one masking function for names, ID numbers and phone numbers (DESIGN §5), and the
scrubber that applies it to free text such as log lines and filter descriptions."""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["name", "id", "phone"]

# 18 characters: 17 digits and a digit or X, not part of a longer run of digits or letters
# (a hash or a cipher text), as a number sits in a query string or a log line.
ID_NUMBER_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


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


def mask_id_numbers(text: str) -> str:
    """Every ID number inside a free text, masked: for log lines and filter texts."""
    return ID_NUMBER_RE.sub(lambda m: mask(m.group(0), "id"), text)
