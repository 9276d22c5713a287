"""The text documents accepts: ids, sitting codes, region codes, each in one ASCII spelling.

Python's own parsers are lenient where ours must not be: `uuid.UUID` and `int` take full-width
digits, braces, `urn:uuid:` and underscores, so `１２…` would name the same document as `12…`.
Each check here matches one pattern over the whole text (after a length check, so 10,000
characters cost nothing) and answers `InvalidInputError` with a stable code otherwise.
"""

from __future__ import annotations

import re
import uuid

from zikao_kit.errors import InvalidInputError

HEX = "[0-9a-fA-F]"
UUID_TEXT = re.compile(f"{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}")
SITTING_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}")
REGION_TEXT = re.compile(r"[0-9]{4}")
ASCII_DIGITS = re.compile(r"[0-9]{1,12}")


def _matches(pattern: re.Pattern[str], text: str, longest: int) -> bool:
    return len(text) <= longest and pattern.fullmatch(text) is not None


def parse_id(text: str, field: str = "id") -> uuid.UUID:
    """A document's or candidate's id, written as `8-4-4-4-12` hex digits."""
    if not _matches(UUID_TEXT, text, 36):
        raise InvalidInputError(field, "编号格式有误", code="invalid_id")
    return uuid.UUID(text)


def maybe_id(text: str) -> uuid.UUID | None:
    """`parse_id`, or None for text that is not an id."""
    try:
        return parse_id(text)
    except InvalidInputError:
        return None


def check_sitting(sitting: str | None) -> str | None:
    """A sitting code `YYYY-MM` (as records spells it), or None."""
    if sitting is not None and not _matches(SITTING_TEXT, sitting, 7):
        raise InvalidInputError("sitting", "考次格式应为 YYYY-MM", code="invalid_sitting")
    return sitting


def is_region(code: str | None) -> bool:
    """Whether `code` is a region code (four ASCII digits, e.g. 0103)."""
    return code is not None and _matches(REGION_TEXT, code, 4)


def check_region(code: str | None) -> str | None:
    if code is not None and not is_region(code):
        raise InvalidInputError("region_code", "地区代码应为四位数字", code="invalid_region")
    return code


def is_ascii_number(text: str) -> bool:
    """One to twelve ASCII digits (`str.isdigit` also takes full-width and other digits)."""
    return ASCII_DIGITS.fullmatch(text) is not None
