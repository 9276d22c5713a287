"""Graduation application windows (`RECORDS_GRADUATION_WINDOWS`): month-day ranges each year,
in Beijing dates. Read by the settings (to refuse a malformed one at start-up) and by the
applications service, so it imports neither."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WINDOW = re.compile(r"^(\d{2})-(\d{2})/(\d{2})-(\d{2})$")
MonthDay = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """A graduation application window, each year from `first` to `last` (month, day;
    Beijing time, both days included)."""

    first: MonthDay
    last: MonthDay

    def holds(self, day: date) -> bool:
        return self.first <= (day.month, day.day) <= self.last


def parse_windows(values: Sequence[str]) -> tuple[Window, ...]:
    """`MM-DD/MM-DD` windows (`RECORDS_GRADUATION_WINDOWS`); ValueError for anything else."""
    windows = []
    for value in values:
        match = WINDOW.match(value)
        if match is None:
            raise ValueError(f"a graduation window is MM-DD/MM-DD, not {value!r}")
        m1, d1, m2, d2 = (int(part) for part in match.groups())
        for month, day in ((m1, d1), (m2, d2)):
            try:
                date(2024, month, day)  # a leap year: 02-29 is a day
            except ValueError:
                raise ValueError(f"a graduation window names no day: {value!r}") from None
        if (m1, d1) > (m2, d2):
            raise ValueError(f"a graduation window ends after it starts: {value!r}")
        windows.append(Window((m1, d1), (m2, d2)))
    return tuple(windows)
