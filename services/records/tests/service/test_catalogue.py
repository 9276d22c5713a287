import json
import shutil
from pathlib import Path

import pytest

from zikao_kit.db import Sessionmaker
from zikao_records.models import CourseKind, MajorLevel, PlanCategory
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.service.catalogue import CatalogueError, load_catalogue, read_catalogue
from zikao_records.settings import DATA_DIR
from zikao_records.testing import BENKE, ZHUANKE


def test_the_shipped_catalogue_has_both_levels_and_complete_plans() -> None:
    catalogue = read_catalogue(DATA_DIR)
    majors = {m.columns["code"]: m for m in catalogue.majors}
    assert majors[ZHUANKE].columns["level"] is MajorLevel.ZHUANKE
    assert majors[BENKE].columns["level"] is MajorLevel.BENKE
    assert PlanCategory.THESIS in majors[BENKE].plan.values()
    assert PlanCategory.PRACTICE in majors[ZHUANKE].plan.values()
    kinds = {c["code"]: c["kind"] for c in catalogue.courses}
    assert kinds["03708"] is CourseKind.THEORY
    assert kinds["90501"] is CourseKind.PRACTICE


def test_a_plan_naming_an_unknown_course_is_refused(tmp_path: Path) -> None:
    folder = _copy_catalogue(tmp_path)
    _edit_plan(folder, BENKE, "REQUIRED", ["03708", "99999"])
    with pytest.raises(CatalogueError, match="unknown courses 99999"):
        read_catalogue(folder)


def test_a_practice_course_needs_a_grade_scheme(tmp_path: Path) -> None:
    folder = _copy_catalogue(tmp_path)
    courses = folder / "courses.csv"
    courses.write_text(courses.read_text(encoding="utf-8") + "90999,实践,2,PRACTICE,\n", "utf-8")
    with pytest.raises(CatalogueError, match="course 90999"):
        read_catalogue(folder)


async def test_loading_again_makes_each_plan_what_its_file_says(
    db: Sessionmaker, tmp_path: Path
) -> None:
    folder = _copy_catalogue(tmp_path)
    _edit_plan(folder, BENKE, "REQUIRED", ["03708", "03709"])
    async with db.begin() as session:
        await load_catalogue(session, folder)
        await load_catalogue(session, folder)
    async with db() as session:
        plan = await MajorRepository(session).plans([BENKE])
    required = [p.course_code for p, _ in plan if p.category is PlanCategory.REQUIRED]
    assert sorted(required) == ["03708", "03709"]


def _copy_catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DATA_DIR, folder)
    return folder


def _edit_plan(folder: Path, major: str, category: str, codes: list[str]) -> None:
    path = folder / "majors.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for entry in document["majors"]:
        if entry["code"] == major:
            entry["plan"][category] = codes
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
