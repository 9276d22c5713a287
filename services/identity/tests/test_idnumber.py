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
