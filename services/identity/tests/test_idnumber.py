from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zikao_identity import idnumber
from zikao_kit.errors import InvalidInputError

TODAY = date(2026, 11, 25)
PROVINCES = sorted(idnumber.PROVINCES)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = f"{province}{rest}{born:%Y%m%d}{sequence}"
    return first17 + idnumber.check_char(first17)


@given(valid_numbers())
def test_valid_numbers_round_trip(number: str) -> None:
    assert idnumber.validate(number, today=TODAY) == number
    assert idnumber.validate(f"  {number.lower()} ", today=TODAY) == number


@given(valid_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_corruption_is_rejected(number: str, at: int, char: str) -> None:
    corrupted = number[:at] + char + number[at + 1 :]
    if corrupted == number:
        return
    with pytest.raises(InvalidInputError) as raised:
        idnumber.validate(corrupted, today=TODAY)
    assert raised.value.field == "idNumber"
    assert corrupted not in raised.value.message


@given(st.text(min_size=0, max_size=40))
def test_masking_shows_at_most_first_and_last_four(value: str) -> None:
    masked = idnumber.mask(value)
    assert len(masked) == len(value)
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert all(i < 4 or i >= len(value) - 4 for i in shown)
    if len(value) > 8:
        assert masked[:4] == value[:4]
        assert masked[-4:] == value[-4:]


def test_known_number_and_mask() -> None:
    assert idnumber.validate("11010519491231002x", today=TODAY) == "11010519491231002X"
    assert idnumber.mask("500103199001011232") == "5001**********1232"
    assert idnumber.mask_phone("13800138000") == "138****8000"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("50010319900101123", "18位"),
        ("990103199001011236", "地区码"),
        ("500103199002301232", "出生日期"),
        ("500103209901011232", "出生日期"),
        ("500103199001011233", "校验位"),
    ],
)
def test_rejections_say_what_is_wrong(number: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        idnumber.validate(number, today=TODAY)


# Digits of other scripts (NFKC leaves them as they are) and forms NFKC turns into ASCII.
OTHER_DIGITS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1040, 0x07C0)
ASCII_UNDER_NFKC = (0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6)
HIDDEN = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e", "\u061c")


def _in_script(number: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in number)


@given(valid_numbers(), st.sampled_from(ASCII_UNDER_NFKC))
def test_compatibility_digits_read_as_the_same_number(number: str, zero: int) -> None:
    assert idnumber.validate(_in_script(number, zero), today=TODAY) == number
    assert idnumber.validate(_in_script(number.lower(), zero) + "\u3000", today=TODAY) == number


@given(valid_numbers(), st.sampled_from(OTHER_DIGITS), st.integers(0, 17))
def test_digits_of_other_scripts_are_refused(number: str, zero: int, at: int) -> None:
    mixed = number[:at] + _in_script(number[at], zero) + number[at + 1 :]
    if mixed == number:  # a final X stays X
        return
    with pytest.raises(InvalidInputError, match="18位"):
        idnumber.validate(mixed, today=TODAY)


@given(valid_numbers(), st.sampled_from((*HIDDEN, " ", "\u00a0", "\t")), st.integers(1, 17))
def test_marks_and_spaces_inside_are_refused(number: str, mark: str, at: int) -> None:
    with pytest.raises(InvalidInputError):
        idnumber.validate(number[:at] + mark + number[at:], today=TODAY)
    ticket = number[:12]
    inside = ticket[: min(at, 11)] + mark + ticket[min(at, 11) :]
    assert not idnumber.has_ticket_shape(idnumber.normalize(inside))


@given(valid_numbers(), st.sampled_from(HIDDEN))
def test_hidden_marks_around_are_refused(number: str, mark: str) -> None:
    for variant in (mark + number, number + mark):
        with pytest.raises(InvalidInputError):
            idnumber.validate(variant, today=TODAY)


def test_ticket_numbers_are_read_the_same_way() -> None:
    assert idnumber.ticket_number(" ０１０６２６２０００４２ ") == "010626200042"
    for bad in ("٠١٠٦٢٦٢٠٠٠٤٢", "0106262\u200b00042", "01062620004", "010626200042\n0"):
        with pytest.raises(InvalidInputError, match="12位"):
            idnumber.ticket_number(bad)
