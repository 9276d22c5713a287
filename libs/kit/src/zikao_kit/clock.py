"""Time as Zikao keeps it and shows it: stored in UTC, shown in Beijing time (UTC+8; China has
kept it without daylight saving since 1991, so no time-zone database is needed).

`DATETIME` is the `DateTime` scalar of every subgraph: it answers ISO 8601 with the `+08:00`
offset, and accepts only times that carry an offset (a naive time means nothing certain), which
it turns into UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def in_beijing(moment: datetime) -> datetime:
    """`moment` as Beijing time (a naive value is taken to be UTC, as the database stores it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING)


def next_beijing_midnight(moment: datetime) -> datetime:
    """The first midnight in Beijing after `moment` (when a Beijing date changes)."""
    local = in_beijing(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def serialize(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"DateTime cannot represent {type(value).__name__}")
    return in_beijing(value).isoformat()


def parse(value: object) -> datetime:
    """An ISO 8601 time with an offset, as UTC; a clear coercion error for anything else."""
    if not isinstance(value, str) or len(value) > 64:
        raise StrawberryInputCoercionError("时间格式应为 ISO 8601，如 2026-10-24T09:00:00+08:00")
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise StrawberryInputCoercionError(
            "时间格式应为 ISO 8601，如 2026-10-24T09:00:00+08:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StrawberryInputCoercionError("时间须带时区，如 2026-10-24T09:00:00+08:00")
    return moment.astimezone(UTC)


DATETIME = ScalarDefinition(
    name="DateTime",
    description="Date with time (isoformat)",  # as Strawberry words it: the SDL stays as it was
    specified_by_url=None,
    serialize=serialize,
    parse_value=parse,
    parse_literal=None,
    origin=datetime,
)
