"""Resident ID numbers (GB 11643-1999) and admission ticket numbers: how either is read when
typed anywhere (`normalize`), validation, masking."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from zikao_kit.errors import InvalidInputError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260 (mainland, plus 71/81/82 used on residence permits).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)
# ASCII only: `\d` would also match Arabic-Indic, Devanagari, … digits.
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_TICKET_SHAPE = re.compile(r"[0-9]{12}")


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """An ID or ticket number as typed anywhere (registration, log-in, recovery, reset, staff
    search), read one way: NFKC (full-width digits and other compatibility forms become ASCII),
    surrounding white space dropped, `x` → `X`. Whatever is then not ASCII digits (and a final
    `X`) fails the shape checks: other scripts' digits, zero-width and direction marks, inner
    spaces. So no look-alike of a number is a second number."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def has_id_shape(number: str) -> bool:
    """Whether a normalised value is 17 ASCII digits and a digit or `X`."""
    return _ID_SHAPE.fullmatch(number) is not None


def has_ticket_shape(number: str) -> bool:
    """Whether a normalised value is 12 ASCII digits."""
    return _TICKET_SHAPE.fullmatch(number) is not None


def ticket_number(raw: str, *, field: str = "ticketNumber") -> str:
    """The normalised ticket number, or `InvalidInputError` when it is not 12 digits."""
    number = normalize(raw)
    if not has_ticket_shape(number):
        raise InvalidInputError(field, "准考证号应为12位数字")
    return number


def validate(raw: str, *, today: date, field: str = "idNumber") -> str:
    """The normalised number, or `InvalidInputError` naming what is wrong (never the number)."""
    number = normalize(raw)
    if not has_id_shape(number):
        raise InvalidInputError(field, "身份证号应为18位，前17位为数字，末位为数字或X")
    if number[:2] not in PROVINCES:
        raise InvalidInputError(field, "身份证号的地区码无效")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInputError(field, "身份证号中的出生日期无效") from None
    if born > today or born.year < 1900:
        raise InvalidInputError(field, "身份证号中的出生日期无效")
    if check_char(number[:17]) != number[17]:
        raise InvalidInputError(field, "身份证号校验位不正确，请核对")
    return number


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def is_male(number: str) -> bool:
    return int(number[16]) % 2 == 1


def mask(number: str) -> str:
    """`5001**********1234`: the first 4 and last 4 characters, nothing more."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """`138****5678`."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
