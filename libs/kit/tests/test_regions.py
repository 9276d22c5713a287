from pathlib import Path

import pytest

from zikao_kit.regions import CHONGQING, Region, RegionFileError, load_regions


def test_chongqing_ships_its_districts_and_counties() -> None:
    regions = load_regions(CHONGQING)
    assert regions["0101"] == Region("0101", "万州区", "重庆市")
    assert regions["0103"].name == "渝中区"
    assert regions["0243"].city_code == "02"
    assert len(regions) == 38


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "province.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_another_province_is_another_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "code,name,city\n0101,和平区,天津市\n")
    assert load_regions(path) == {"0101": Region("0101", "和平区", "天津市")}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("code,name\n0101,和平区\n", "header"),
        ("code,name,city\n", "no regions"),
        ("code,name,city\n101,和平区,天津市\n", "4 digits"),
        ("code,name,city\n０１０１,和平区,天津市\n", "4 digits"),
        ("code,name,city\n0101, ,天津市\n", "blank"),
        ("code,name,city\n0101,和平区,天津市\n0101,河东区,天津市\n", "repeated"),
    ],
)
def test_a_region_file_that_makes_no_sense_is_refused(
    tmp_path: Path, text: str, complaint: str
) -> None:
    with pytest.raises(RegionFileError, match=complaint):
        load_regions(_file(tmp_path, text))
