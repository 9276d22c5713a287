import uuid

from zikao_kit.db import Sessionmaker, utc_now
from zikao_records.models import MajorLevel
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.repository.scores import ResultRepository
from zikao_records.testing import BENKE, ZHUANKE, a_choice, a_result, a_sitting, add, ago


async def test_upserting_a_course_updates_it(db: Sessionmaker) -> None:
    row = {"code": "03708", "name": "中国近现代史纲要（新）", "credits": 3, "kind": "THEORY"}
    async with db.begin() as session:
        await CourseRepository(session).upsert([row | {"grade_scheme": None}])
    async with db() as session:
        course = (await CourseRepository(session).get_many(["03708"]))["03708"]
    assert (course.name, course.credits) == ("中国近现代史纲要（新）", 3)


async def test_majors_filter_by_level(db: Sessionmaker) -> None:
    async with db() as session:
        benke = await MajorRepository(session).all(MajorLevel.BENKE)
        every = await MajorRepository(session).all()
    assert BENKE in {m.code for m in benke}
    assert {m.level for m in benke} == {MajorLevel.BENKE}
    assert {BENKE, ZHUANKE} <= {m.code for m in every}
    assert {m.level for m in every} == set(MajorLevel)


async def test_chosen_majors_are_found_for_many_candidates_at_once(db: Sessionmaker) -> None:
    one, two, three = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await add(db, a_choice(one), a_choice(two, ZHUANKE))
    async with db() as session:
        chosen = await MajorRepository(session).chosen_by([one, two, three])
    assert {k: m.code for k, m in chosen.items()} == {one: BENKE, two: ZHUANKE}


async def test_a_scheduled_publication_keeps_results_out_until_its_time(db: Sessionmaker) -> None:
    one = uuid.uuid4()
    await add(db, a_sitting("2026-04", scores=ago(-0.5)))
    await add(db, a_result(one, "03708", sitting="2026-04", score=80))
    async with db() as session:
        results = ResultRepository(session)
        assert await results.published([(one, "2026-04")], now=utc_now()) == []
        assert await results.passes([one], now=utc_now()) == []
        assert len(await results.published([(one, "2026-04")], now=ago(-1))) == 1
