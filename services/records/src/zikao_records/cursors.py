"""Opaque page cursors: the sort key of a page's last row, as base64url JSON. A cursor is read
back only when it is exactly what `encode` wrote (so any other text is `bad_cursor`, never a
query on garbage)."""

from __future__ import annotations

import base64
import binascii
import json

from zikao_kit.errors import InvalidInputError

MAX_CURSOR = 400


def encode(key: tuple[str | int, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode()


def decode(cursor: str | None, kinds: tuple[type, ...]) -> tuple[str | int, ...] | None:
    """The key of `cursor` (None for none), whose parts have the types `kinds`;
    `InvalidInputError` on `after` for anything else."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError(cursor)
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        key = None
    if not _shaped(key, kinds) or encode(tuple(key)) != cursor:
        raise InvalidInputError("after", "分页游标无效", code="bad_cursor")
    return tuple(key)


def _shaped(key: object, kinds: tuple[type, ...]) -> bool:
    if not isinstance(key, list) or len(key) != len(kinds):
        return False
    return all(type(part) is kind for part, kind in zip(key, kinds, strict=True))
