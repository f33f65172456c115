"""The ID-number rule is households.idnumbers.validate_id_number. The feed loader asks it
through plainly_valid (row by row) and, for a long-format CSV, through a vectorised twin
(monitoring.screening.stage.columns.ColumnChecker._possible, a block of numbers at once).
This differential test ties both to the one rule: on any 18-character number, the three
give the same verdict."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pyarrow as pa
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from households.idnumbers import check_digit, plainly_valid, validate_id_number
from monitoring.screening.stage.columns import ColumnChecker, _digits

TODAY = datetime.date(2026, 11, 23)


@st.composite
def numbers(draw) -> str:
    """18 characters near the rule's edges: years around 1900 and today, months and
    days one past their ends, leap days, the right check character or another."""
    area = draw(st.sampled_from(["360121", "110101", "000000"]))
    year = draw(st.integers(1895, 2030))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    serial = draw(st.integers(0, 999))
    first17 = f"{area}{year:04d}{month:02d}{day:02d}{serial:03d}"
    right = check_digit(first17)
    last = draw(st.one_of(st.just(right), st.sampled_from("0123456789X")))
    return first17 + last


def _rule(number: str) -> bool:
    try:
        validate_id_number(number, today=TODAY)
    except ValidationError:
        return False
    return True


@settings(max_examples=3000, deadline=None)
@given(st.lists(numbers(), min_size=1, max_size=20))
@example(["360121202611230019"[:17] + check_digit("36012120261123001")])  # born today
@example(["360121202611240015"[:17] + check_digit("36012120261124001")])  # tomorrow
@example(["360121190001010011"[:17] + check_digit("36012119000101001")])  # 1900-01-01
@example(["360121189912310011"[:17] + check_digit("36012118991231001")])  # 1899-12-31
@example(["360121200002290011"[:17] + check_digit("36012120000229001")])  # a leap day
@example(["360121190002290011"[:17] + check_digit("36012119000229001")])  # 1900: no leap
def test_the_vectorised_and_the_row_checks_say_what_the_rule_says(batch):
    rule = [_rule(n) for n in batch]
    assert [plainly_valid(n, TODAY) for n in batch] == rule
    digits = _digits(pa.array(batch))  # the numbers' characters, as the reader hands them
    vectorised = ColumnChecker._possible(SimpleNamespace(_today=TODAY), digits)
    assert [bool(v) for v in vectorised] == rule
