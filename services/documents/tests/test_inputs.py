import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zikao_documents.inputs import (
    check_region,
    check_sitting,
    is_ascii_number,
    is_region,
    maybe_id,
    parse_id,
)
from zikao_kit.errors import InvalidInputError


@given(st.uuids())
def test_an_id_is_read_in_its_canonical_spelling_either_case(value: uuid.UUID) -> None:
    assert parse_id(str(value)) == value
    assert parse_id(str(value).upper()) == value


@given(st.text(max_size=60))
def test_any_other_text_is_no_id(text: str) -> None:
    canonical = maybe_id(text)
    assert canonical is None or str(canonical) == text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "１２３４５６７８-１２３４-１２３４-１２３４-１２３４５６７８９０１２",
        "{12345678-1234-1234-1234-123456789012}",
        "urn:uuid:12345678-1234-1234-1234-123456789012",
        "12345678123412341234123456789012",
        "12345678-1234-1234-1234-123456789012\n",
        "1234_678-1234-1234-1234-123456789012",
        "x" * 10_000,
    ],
)
def test_spellings_python_would_take_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_id(text, "documentId")
    assert (raised.value.code, raised.value.field) == ("invalid_id", "documentId")


def test_sittings_and_regions() -> None:
    assert check_sitting("2026-10") == "2026-10"
    assert check_sitting(None) is None
    assert check_region("0103") == "0103"
    assert check_region(None) is None
    for sitting in ("２０２６-１０", "2026-1", "2026-10 ", "x" * 10_000):
        with pytest.raises(InvalidInputError):
            check_sitting(sitting)
    for region in ("０１０３", "103", "0103\u200b"):
        assert not is_region(region)
        with pytest.raises(InvalidInputError):
            check_region(region)


def test_ascii_numbers() -> None:
    assert is_ascii_number("1790000300")
    assert not is_ascii_number("１７９")
    assert not is_ascii_number("١٢٣")  # Arabic-Indic digits, which str.isdigit also takes
    assert not is_ascii_number("1" * 13)
    assert not is_ascii_number("")
