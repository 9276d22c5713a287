"""The seed of the holiday calendar: `data/calendar.json`, written from the `chinese-calendar`
package (the State Council's notices, one a year) by `python -m zikao_records.calendar_seed`,
and read by `make migrate`'s reference-data step.

The file is committed, not read from the package at migrate time: a database gets the days a
reviewer has seen in a diff, the same on every machine whatever version of the package is
installed, and a package update that changes a past year shows up as a test failure
(`tests/test_calendar_seed.py` compares the file with the package) instead of silently moving
deadlines. It holds only the days that differ from the Monday–Friday rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from importlib.metadata import version
from pathlib import Path

from zikao_records.models import DayKind

SEED_FILE = Path(__file__).parent / "data" / "calendar.json"
PACKAGE = "chinese-calendar"
NAMES = {  # the package's English names, as the State Council's notices name them
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class Seed:
    source: str
    years: tuple[int, ...]
    days: tuple[tuple[date, DayKind, str], ...]


def from_package() -> Seed:
    """The exceptions of every year the installed package covers."""
    # Only this step needs the package, which ships no types (its tables are plain dicts).
    constants = import_module("chinese_calendar.constants")

    days = [
        (day, DayKind.HOLIDAY, NAMES[str(name)])
        for day, name in constants.holidays.items()
        if day.weekday() < 5
    ] + [(day, DayKind.WORKDAY, NAMES[str(name)]) for day, name in constants.workdays.items()]
    if any(kind is DayKind.WORKDAY and day.weekday() < 5 for day, kind, _ in days):
        raise ValueError("the package has an adjusted working day on a weekday")
    years = range(min(d.year for d, _, _ in days), max(d.year for d, _, _ in days) + 1)
    return Seed(f"{PACKAGE} {version(PACKAGE)}", tuple(years), tuple(sorted(days)))


def read(path: Path = SEED_FILE) -> Seed:
    document = json.loads(path.read_text(encoding="utf-8"))
    days = tuple((date.fromisoformat(d), DayKind(k), n) for d, k, n in document["days"])
    return Seed(document["source"], tuple(document["years"]), days)


def render(seed: Seed) -> str:
    """The file's text: one day a line, so a new year or a correction reads well in a diff."""
    lines = [json.dumps([d.isoformat(), k.value, n], ensure_ascii=False) for d, k, n in seed.days]
    return (
        f'{{"source": "{seed.source}",\n "years": {json.dumps(list(seed.years))},\n'
        ' "days": [\n  ' + ",\n  ".join(lines) + "\n ]}\n"
    )


if __name__ == "__main__":
    SEED_FILE.write_text(render(from_package()), encoding="utf-8")
