"""The one parser of each kind of parameter: a bad value is its default, never an
exception (issue 21), and each range is checked on both sides of its line."""

from __future__ import annotations

import datetime

import pytest

from common import parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        (" 7 ", 7),
        ("", None),
        (None, None),
        ("1e3", None),
        ("9" * 30, None),
    ],
)
def test_an_object_id_is_ascii_digits_within_a_bigint(value, expected):
    assert parse.object_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2), ("100000", 100_000), ("100001", 1), ("0", 1), ("²", 1), ("x", 1)],
)
def test_a_page_is_a_number_up_to_the_last_page_or_the_first(value, expected):
    assert parse.page(value) == expected


def test_object_ids_leave_out_the_bad_ones():
    assert parse.object_ids(["3", "²", "0", "x", "4"]) == [3, 4]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-28", datetime.date(2026, 2, 28)),
        ("2026-02-30", None),
        ("1999-12-31", None),
        ("2000-01-01", datetime.date(2000, 1, 1)),
        ("2100-12-31", datetime.date(2100, 12, 31)),
        ("2101-01-01", None),
        ("２０２６-01-01", None),
        ("2026-1-1", None),
    ],
)
def test_a_date_is_iso_within_the_portal_s_years(value, expected):
    assert parse.date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10", (2026, 10)),
        ("202610", (2026, 10)),
        ("2026-13", None),
        ("2026-00", None),
        ("0000-01", None),
        ("1999-12", None),
        ("2100-12", (2100, 12)),
    ],
)
def test_a_month_is_within_the_year_and_the_portal_s_years(value, expected):
    assert parse.month(value) == expected


def test_a_year_is_within_its_bounds():
    assert parse.year("2020", first=2020, last=2026) == 2020
    assert parse.year("2019", first=2020, last=2026) is None
    assert parse.year("2026", first=2020, last=2026) == 2026
    assert parse.year("2027", first=2020, last=2026) is None


def test_a_choice_is_one_of_its_values_or_the_default():
    assert parse.choice("b", ["a", "b"]) == "b"
    assert parse.choice("c", ["a", "b"], "a") == "a"
    assert parse.choice(None, ["a"]) == ""


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("360121", True),
        ("360121104", True),
        ("360121104201", True),
        ("360121104201001", True),
        ("3601211", False),
        ("36012110420100", False),
        ("36012a", False),
    ],
)
def test_a_region_code_has_a_level_s_length(value, ok):
    assert (parse.region_code(value) == value) is ok


def test_text_is_trimmed_and_cut():
    assert parse.text("  渡头村  ", max_length=2) == "渡头"
    assert parse.text(None, max_length=5) == ""
