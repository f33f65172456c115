from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from households.idnumbers import check_digit, decrypt, encrypt, id_hash, validate_id_number
from households.masking import mask

VALID = [
    "11010519491231002X",  # the standard's own example
    "36012119900101123" + check_digit("36012119900101123"),
    "43092320150606002" + check_digit("43092320150606002"),
]
AREAS = ["110105", "360121", "430923", "420324", "150902", "440524"]


@st.composite
def valid_numbers(draw):
    area = draw(st.sampled_from(AREAS))
    birth = draw(
        st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2024, 12, 31))
    )
    seq = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


# Every character a typist could hit instead, except the lower-case x (the same number).
REPLACEMENTS = "0123456789XABCZ-/ #"


@given(valid_numbers())
def test_generated_numbers_validate(number):
    check = validate_id_number(number)
    assert check.number == number
    assert check.sex == ("M" if int(number[16]) % 2 else "F")


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(REPLACEMENTS))
def test_every_single_character_corruption_fails(number, position, replacement):
    if number[position] == replacement:
        replacement = "7" if replacement != "7" else "3"
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(corrupted)


@pytest.mark.parametrize("number", VALID)
def test_known_valid_numbers(number):
    assert validate_id_number(number).number == number


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert validate_id_number("１１０１０５１９４９１２３１００２x").number == "11010519491231002X"


def test_impossible_birth_date_is_an_error_with_its_own_message():
    first17 = "36012119900230123"  # 30 February
    with pytest.raises(ValidationError) as info:
        validate_id_number(first17 + check_digit(first17))
    assert info.value.code == "birth_date"


def test_future_birth_date_is_an_error():
    first17 = "36012120990101123"
    with pytest.raises(ValidationError) as info:
        validate_id_number(first17 + check_digit(first17))
    assert info.value.code == "birth_date"


def test_unknown_area_code_is_only_a_warning():
    first17 = "99999919900101123"
    check = validate_id_number(first17 + check_digit(first17))
    assert check.warnings
    assert "999999" in check.warnings[0]


def test_wrong_length_is_a_format_error():
    with pytest.raises(ValidationError) as info:
        validate_id_number("3601211990010112")
    assert info.value.code == "format"


def test_hash_is_keyed_and_stable(settings):
    a = id_hash(VALID[0])
    assert a == id_hash(VALID[0].lower())
    settings.ID_HASH_KEY = "another-key"
    assert id_hash(VALID[0]) != a


def test_encryption_round_trips_and_hides_the_number():
    token = encrypt(VALID[1])
    assert VALID[1] not in token
    assert decrypt(token) == VALID[1]


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("张三力", "name", "张*力"),
        ("张三", "name", "张*"),
        ("欧阳娜娜", "name", "欧**娜"),
        ("王", "name", "王"),
        ("360121199001011234", "id", "3601**********1234"),
        ("13812345678", "phone", "138****5678"),
        ("", "phone", ""),
    ],
)
def test_mask(value, kind, masked):
    assert mask(value, kind) == masked
