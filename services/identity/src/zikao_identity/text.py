"""Free text from forms (names, questions, answers, reasons, e-mail, phone, codes), read one way
and bounded: NFKC, white space collapsed, and nothing that only disguises text (zero-width
characters, direction marks, controls). Each refusal is an `InvalidInputError` naming the field,
never an error of the database behind it."""

from __future__ import annotations

import re
import unicodedata

from zikao_kit.errors import InvalidInputError

# Control, format (zero-width, direction marks, BOM), surrogate, private use, unassigned.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Besides letters and combining marks, what names on ID cards hold: the middle dot of
# minority and foreign names (阿依古丽·买买提), hyphens, apostrophes, spaces.
NAME_PUNCTUATION = frozenset(" ·・•.-'’")
# Longer raw input than this many times the bound is refused before it is normalised.
RAW_FACTOR = 4
_PHONE = re.compile(r"1[3-9][0-9]{9}")
_REGION = re.compile(r"[0-9]{4}")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}"
)
EMAIL_MAX = 254


def collapse(value: str) -> str:
    """NFKC, runs of white space as one space, none around."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def has_hidden(value: str) -> bool:
    return any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in value)


def clean(value: str, *, field: str, max_length: int, message: str, min_length: int = 1) -> str:
    """`value` collapsed, when it is `min_length`–`max_length` characters of visible text."""
    if len(value) > max_length * RAW_FACTOR:
        raise InvalidInputError(field, message)
    text = collapse(value)
    if not min_length <= len(text) <= max_length or has_hidden(text):
        raise InvalidInputError(field, message)
    return text


def person_name(value: str, *, field: str = "name") -> str:
    """A name as on an ID card: letters of any script, combining marks, the punctuation of
    `NAME_PUNCTUATION`; no digits, symbols or emoji; 1–50 characters."""
    message = "请填写与身份证一致的姓名"
    name = clean(value, field=field, max_length=50, message=message)
    for char in name:
        if char not in NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LM":
            raise InvalidInputError(field, message)
    return name


def phone(value: str, *, field: str = "phone") -> str:
    """A mainland mobile number: 11 ASCII digits after NFKC (full-width digits are read)."""
    number = unicodedata.normalize("NFKC", value[:64]).strip()
    if len(value) > 64 or not _PHONE.fullmatch(number):
        raise InvalidInputError(field, "请填写11位中国大陆手机号")
    return number


def email(value: str | None, *, field: str = "email") -> str | None:
    """An ASCII e-mail address (None when blank): the worker's SMTP speaks no SMTPUTF8."""
    if value is None:
        return None
    if len(value) > EMAIL_MAX * RAW_FACTOR:
        raise InvalidInputError(field, "电子邮箱格式不正确")
    address = unicodedata.normalize("NFKC", value).strip()
    if not address:
        return None
    if len(address) > EMAIL_MAX or not _EMAIL.fullmatch(address):
        raise InvalidInputError(field, "电子邮箱格式不正确")
    return address


def region_code(value: str, *, field: str = "regionCode") -> str:
    """Four ASCII digits after NFKC: city + district."""
    code = unicodedata.normalize("NFKC", value[:16]).strip()
    if len(value) > 16 or not _REGION.fullmatch(code):
        raise InvalidInputError(field, "请选择报名所在区县")
    return code
