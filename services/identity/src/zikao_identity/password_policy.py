"""Password policy after OWASP ASVS 5 (V6) and NIST SP 800-63B: length and a blocklist, no
composition rules."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from zikao_kit.errors import InvalidInputError

MIN_LENGTH = 8
MAX_LENGTH = 128
DEFAULT_LIST = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def common_passwords(path: Path = DEFAULT_LIST) -> frozenset[str]:
    """The blocklist (one password a line, `#` lines are comments), case-folded."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def normalize_password(password: str) -> str:
    """NIST 800-63B: Unicode passwords are normalised (NFKC) before hashing and comparing."""
    return unicodedata.normalize("NFKC", password)


def check_password(
    password: str,
    *,
    field: str = "password",
    blocklist: frozenset[str] | None = None,
    personal: tuple[str | None, ...] = (),
) -> None:
    """Refuses a password that is too short or long, among the most common ones, or that
    contains one of `personal` (ID number, ticket number, phone). Messages never quote it."""
    value = normalize_password(password)
    if len(value) < MIN_LENGTH:
        raise InvalidInputError(field, f"密码至少{MIN_LENGTH}个字符", code="password_too_short")
    if len(value) > MAX_LENGTH:
        raise InvalidInputError(field, f"密码最多{MAX_LENGTH}个字符", code="password_too_long")
    if value.casefold() in (blocklist if blocklist is not None else common_passwords()):
        raise InvalidInputError(field, "该密码过于常见，请换一个", code="password_too_common")
    upper = value.upper()
    if any(item and item.upper() in upper for item in personal):
        raise InvalidInputError(
            field, "密码不能包含身份证号、准考证号或手机号", code="password_contains_personal_data"
        )
