"""The region table (区县): the districts and counties candidates register in and venues stand in,
shared reference data of every service. One CSV of `code,name,city` per province; Chongqing's
ships here (`CHONGQING`), another province is another file named by each service's setting."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data" / "regions"
CHONGQING = DATA_DIR / "chongqing.csv"
COLUMNS = ("code", "name", "city")
_CODE = re.compile(r"[0-9]{4}")


class RegionFileError(ValueError):
    """A region file that cannot be the region table; names the file and the line."""


@dataclass(frozen=True)
class Region:
    code: str  # 4 digits: city (2) and district (2), as in the ticket number
    name: str
    city: str

    @property
    def city_code(self) -> str:
        return self.code[:2]


def load_regions(path: Path) -> dict[str, Region]:
    """The regions of `path` by code; `RegionFileError` for a wrong header, a malformed or
    repeated code, or a blank name."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise RegionFileError(f"{path.name}: the header must be {','.join(COLUMNS)}")
        regions: dict[str, Region] = {}
        for row in reader:
            region = _region(path, reader.line_num, row)
            if region.code in regions:
                raise RegionFileError(f"{path.name}:{reader.line_num}: {region.code} repeated")
            regions[region.code] = region
    if not regions:
        raise RegionFileError(f"{path.name}: no regions")
    return regions


def _region(path: Path, line: int, row: dict[str, str | None]) -> Region:
    code, name, city = ((row.get(column) or "").strip() for column in COLUMNS)
    if not _CODE.fullmatch(code):
        raise RegionFileError(f"{path.name}:{line}: the code must be 4 digits")
    if not name or not city:
        raise RegionFileError(f"{path.name}:{line}: the name and city must not be blank")
    return Region(code, name, city)
