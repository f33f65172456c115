"""Masking catches what people type (issue 21): full-width digits, grouped and dashed ID
numbers and a lower-case x are masked in free text; a phone number written with dots,
slashes or Chinese numerals is found in a listing. Generated variants (hypothesis)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.masking import digits_as_read, has_mobile_number, mask, mask_id_numbers

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
SEPARATORS = [" ", "-", " - ", ".", "/", "\u3000", "－", "—", "_"]
CHINESE = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
# (an ID number glued to Latin letters reads as part of a hash or a cipher: not text)
# (and no Chinese numeral: 张三 before a number is its own test)
TEXT = st.text(alphabet="村民张李住院医保的了，。：（） ", max_size=12)


@st.composite
def id_numbers(draw) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    return body + draw(st.sampled_from("0123456789Xx"))


@st.composite
def typed(draw, number: str) -> str:
    """The number as someone might type it: some digits full-width, cut into groups with
    a separator between them."""
    chars = [c.translate(FULL_WIDTH) if draw(st.booleans()) else c for c in number]
    cuts = sorted(draw(st.sets(st.integers(1, len(chars) - 1), max_size=4)))
    out, last = "", 0
    for cut in cuts:
        out += "".join(chars[last:cut]) + draw(st.sampled_from(SEPARATORS))
        last = cut
    return out + "".join(chars[last:])


@given(data=st.data(), before=TEXT, after=TEXT)
def test_an_id_number_however_typed_is_masked_in_free_text(data, before, after):
    number = data.draw(id_numbers())
    shown = data.draw(typed(number))
    masked = mask_id_numbers(f"{before}{shown}{after}")
    read = "".join(c for c in unicodedata.normalize("NFKC", masked) if c.isalnum())
    assert number[4:14] not in read  # the birth date and sequence are gone
    assert mask(number.upper(), "id") in masked


@given(number=id_numbers(), phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_phone_number_just_before_an_id_number_does_not_hide_it(number, phone):
    masked = mask_id_numbers(f"电话{phone} {number}")
    assert number[4:14] not in masked
    assert phone in masked  # a phone is not an ID number


def test_text_without_an_id_number_is_left_as_typed():
    for text in [
        "2026年3月5日，村委会",
        "12345678901234567890",
        "ab12cd",
        "合同号 360121-2026-001",
        "批号 1234567X-1234567890",  # 18 characters, but an X inside is no ID number
    ]:
        assert mask_id_numbers(text) == text


def test_a_lower_case_x_is_masked_like_an_upper_case_one():
    assert mask_id_numbers("36012119900101123x") == "3601**********123X"
    assert mask_id_numbers("36012119900101123X") == "3601**********123X"


@st.composite
def spoken_phone(draw) -> str:
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    out = ""
    for i, digit in enumerate(number):
        style = draw(st.sampled_from(["ascii", "full", "chinese"]))
        char = {"ascii": digit, "full": digit.translate(FULL_WIDTH), "chinese": CHINESE[digit]}
        out += char[style]
        if i in (2, 6) and draw(st.booleans()):
            out += draw(st.sampled_from(SEPARATORS))
    return out


@given(phone=spoken_phone(), before=TEXT, after=TEXT)
def test_a_phone_number_however_written_is_found(phone, before, after):
    assert has_mobile_number(f"{before}{phone}{after}")


def test_a_name_with_a_numeral_just_before_a_number_does_not_hide_it():
    assert has_mobile_number("联系张三13907915678")


def test_numbers_that_are_no_phone_are_not_taken_for_one():
    for text in ["500斤起批，2026年新果", "每斤12元，共1390斤", "2026-11-23", "一二三"]:
        assert not has_mobile_number(text), text
    assert digits_as_read("一三九.〇七九一/五六七八") == "13907915678"


def test_an_id_number_right_after_a_letter_is_masked():
    """A letter before a number (a stray x, a label typed without a space) does not join
    it: an x is a check character only at the end of a group."""
    for text in ["证件号X360121199001011234", "sfzx360121199001011234", "ID360121199001011234"]:
        assert mask_id_numbers(text).endswith("3601**********1234"), text


def test_two_id_numbers_typed_together_are_both_masked():
    masked = mask_id_numbers("360121199001011234，36012119850505321X")
    assert masked == "3601**********1234，3601**********321X"


def test_a_phone_number_typed_after_an_id_number_is_left_and_the_id_masked():
    masked = mask_id_numbers("360121199001011234 13907915678")
    assert masked == "3601**********1234 13907915678"


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("12345678", "id", "********"),  # too short to keep both ends: all hidden
        ("123456789", "id", "1234*6789"),
        ("1234567", "phone", "*******"),
        ("12345678", "phone", "123*5678"),
        ("张", "name", "张"),
        ("张三", "name", "张*"),
        ("欧阳娜娜", "name", "欧**娜"),
        ("", "id", ""),
    ],
)
def test_each_kind_is_masked_on_each_side_of_its_length_limit(value, kind, shown):
    assert mask(value, kind) == shown


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^unknown mask kind: card$"):
        mask("1234", "card")  # type: ignore[arg-type]


def test_has_id_number_says_whether_a_text_holds_one():
    from common.masking import has_id_number

    assert has_id_number("身份证 360121199001011234")
    assert not has_id_number("合同号 360121-2026-001")
    assert digits_as_read("") == ""
    assert digits_as_read(None) == ""  # type: ignore[arg-type]
