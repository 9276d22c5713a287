"""What text (and numbers) records accepts from callers, checked before anything is read or
written.

Codes and ids are ASCII of a fixed shape (full-width digits, a trailing newline or a right-to-left
mark make a different code, so they are refused, not guessed at). Names, addresses and references
are one line of plain text, trimmed, of a bounded length, without the characters that make two
names look alike or text run backwards: control and format characters (zero-width spaces and
joiners, bidirectional marks), spaces other than the ASCII one, private-use and unassigned code
points, emoji and other pictographs, and full-width Latin letters and digits (Chinese punctuation
such as `（）、，` is kept). A refusal is an `InvalidInputError` naming the field, with a stable
code, and never echoes the text back.
"""

from __future__ import annotations

import re
import unicodedata

from zikao_kit.errors import InvalidInputError

# Codes of the refusals (InvalidInput.code).
BLANK = "blank"
TOO_LONG = "too_long"
BAD_CHARACTERS = "bad_characters"
BAD_FORMAT = "bad_format"
OUT_OF_RANGE = "out_of_range"

SITTING_CODE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
COURSE_CODE = re.compile(r"[0-9]{5}")
REGION_CODE = re.compile(r"[0-9]{4}")
MAJOR_CODE = re.compile(r"[0-9A-Z]{2,10}")
CODE_MESSAGES = {
    SITTING_CODE: "考次格式应为 YYYY-MM，如 2026-10",
    COURSE_CODE: "课程代码应为5位数字",
    REGION_CODE: "区县代码应为4位数字",
    MAJOR_CODE: "专业代码应为2至10位数字或大写字母",
}
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "So", "Sk", "Me"})
_FULL_WIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_VARIATION_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def code(value: str, field: str, pattern: re.Pattern[str]) -> str:
    """`value` when it is exactly a code of `pattern` (ASCII, nothing around it)."""
    if not (value.isascii() and pattern.fullmatch(value)):
        raise InvalidInputError(field, CODE_MESSAGES[pattern], code=BAD_FORMAT)
    return value


def codes(values: list[str], field: str, pattern: re.Pattern[str]) -> list[str]:
    return [code(value, field, pattern) for value in values]


def plain(value: str, field: str, max_length: int) -> str:
    """`value` trimmed, once it is one line of plain text of 1 to `max_length` characters."""
    if len(value) > 4 * max_length:  # refused before any per-character work
        raise InvalidInputError(field, f"最多{max_length}个字符", code=TOO_LONG)
    text = value.strip(" ")
    if not text:
        raise InvalidInputError(field, "不能为空", code=BLANK)
    if any(_refused(char) for char in text):
        message = "含有不允许的字符（控制字符、零宽字符、方向标记、表情符号或全角字母数字）"
        raise InvalidInputError(field, message, code=BAD_CHARACTERS)
    if len(text) > max_length:
        raise InvalidInputError(field, f"最多{max_length}个字符", code=TOO_LONG)
    return text


def within(value: int, field: str, low: int, high: int) -> int:
    """`value`, when `low <= value <= high` (numbers have bounds too)."""
    if not low <= value <= high:
        raise InvalidInputError(field, f"应在{low}至{high}之间", code=OUT_OF_RANGE)
    return value


def _refused(char: str) -> bool:
    if char == " ":
        return False
    if char.isascii():
        return unicodedata.category(char) == "Cc"
    return (
        unicodedata.category(char) in _REFUSED_CATEGORIES
        or _FULL_WIDTH_ALNUM.match(char) is not None
        or _VARIATION_SELECTOR.match(char) is not None
    )
