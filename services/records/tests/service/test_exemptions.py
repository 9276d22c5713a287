"""`service/exemptions.py` and the transfer-counting rule of `service/scores.py`: staff of the
candidate's region record exemptions (免考) with their certificate and transfers (转考) with
their province, once per course, audited; transfers count only after the local passes the
province asks, by the level of the major."""

import uuid
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import ForbiddenError, InvalidInputError
from zikao_records import errors, models
from zikao_records.models import ResultSource
from zikao_records.service import exemptions, scores
from zikao_records.testing import BENKE, ZHUANKE, a_result, a_sitting, add, ago

YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)
SITTING = "2026-04"
# Courses of the 大数据与会计 (专科) plan and others of the catalogue.
LOCAL = ["00018", "00041", "03706", "00015", "00020"]


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=ago(100)), choice)
    return one


def an_exemption(who: uuid.UUID, number: str = "CET4-2025-0001") -> exemptions.ExemptionRecord:
    return exemptions.ExemptionRecord(who, "00015", "全国大学英语四级（CET-4）", number)


def a_transfer(who: uuid.UUID, course: str = "00041", **kw: object) -> exemptions.TransferRecord:
    values: dict[str, object] = {"province": "四川省", "sitting": "2024-10", "score": 75}
    values.update(kw)
    return exemptions.TransferRecord(who, course, grade=None, **values)  # type: ignore[arg-type]


async def passes(db: Sessionmaker, who: uuid.UUID) -> dict[str, ResultSource]:
    async with db() as session:
        found = await scores.passed_courses(session, [who], now=utc_now(), validity_years=None)
    return {view.course.code: view.result.source for view in found.get(who, [])}


async def audit_actions(db: Sessionmaker, who: uuid.UUID) -> list[tuple[str, dict[str, object]]]:
    async with db() as session:
        statement = select(models.AuditEntry).where(col(models.AuditEntry.candidate_id) == who)
        return [(e.action, e.detail) for e in (await session.execute(statement)).scalars()]


async def test_an_exemption_counts_as_a_pass_and_is_audited_without_its_number(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    async with db.begin() as session:
        view = await exemptions.record_exemption(
            session, YUZHONG, an_exemption(candidate), now=utc_now()
        )
    assert (view.result.source, view.result.passed, view.result.sitting_code) == (
        ResultSource.EXEMPTION, True, None,
    )  # fmt: skip
    assert await passes(db, candidate) == {"00015": ResultSource.EXEMPTION}
    [(action, detail)] = await audit_actions(db, candidate)
    assert action == "exemption.recorded"
    assert detail == {"course": "00015", "certificate": "全国大学英语四级（CET-4）"}
    async with db() as session:
        [shown] = (await exemptions.exemptions_of(session, [candidate]))[candidate]
    assert shown.exemption.certificate_number == "CET4-2025-0001"


async def test_one_exemption_per_course_and_only_in_the_staff_members_region(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    async with db.begin() as session:
        await exemptions.record_exemption(session, YUZHONG, an_exemption(candidate), now=utc_now())
    async with db.begin() as session:
        with pytest.raises(errors.AlreadyCreditedError):
            await exemptions.record_exemption(
                session, YUZHONG, an_exemption(candidate, "X-2"), now=utc_now()
            )
    other = uuid.uuid4()
    await add(db, models.CandidateMajor(candidate_id=other, major_code=ZHUANKE, region_code="0103"))
    async with db.begin() as session:
        with pytest.raises(ForbiddenError):
            await exemptions.record_exemption(session, BEIBEI, an_exemption(other), now=utc_now())
    assert await passes(db, other) == {}


@pytest.mark.parametrize(
    ("course", "certificate", "number", "field", "code"),
    [
        ("00015", "CET-4", "１２３", "certificateNumber", "bad_format"),
        ("00015", "  ", "123", "certificate", "blank"),
        ("0015", "CET-4", "123", "courseCode", "bad_format"),
        ("99999", "CET-4", "123", "courseCode", "course_not_found"),
    ],
)
async def test_a_bad_exemption_is_refused_naming_the_field(
    db: Sessionmaker, course: str, certificate: str, number: str, field: str, code: str
) -> None:
    record = exemptions.ExemptionRecord(uuid.uuid4(), course, certificate, number)
    async with db.begin() as session:
        with pytest.raises(InvalidInputError) as refused:
            await exemptions.record_exemption(session, PROVINCE, record, now=utc_now())
    assert (refused.value.field, refused.value.code) == (field, code)
    async with db() as session:
        statement = (
            select(func.count())
            .select_from(models.ExamResult)
            .where(col(models.ExamResult.candidate_id) == record.candidate_id)
        )
        assert (await session.execute(statement)).scalar_one() == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"province": "四川"}, "province", "unknown_province"),
        ({"score": 59}, "score", "out_of_range"),
        ({"score": None, "grade": "不及格"}, "grade", "not_a_pass"),
        ({"grade": "良好"}, "grade", "score_and_grade"),
        ({"sitting": "2024-13"}, "sitting", "bad_format"),
    ],
)
def test_a_transfer_must_be_a_pass_from_a_named_province(
    changes: dict[str, object], field: str, code: str
) -> None:
    record = a_transfer(uuid.uuid4())
    values = {**record.__dict__, **changes}
    with pytest.raises(InvalidInputError) as refused:
        exemptions.check_transfer(exemptions.TransferRecord(**values))  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.code) == (field, code)


async def test_transfers_count_after_five_local_passes_for_zhuanke(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    async with db.begin() as session:
        view = await exemptions.record_transfer(
            session, YUZHONG, a_transfer(candidate, "00041"), now=utc_now()
        )
    assert (view.result.source, view.result.score) == (ResultSource.TRANSFER, 75)
    await add(db, *[a_result(candidate, c, sitting=SITTING, score=70) for c in LOCAL[2:]])
    await add(db, a_result(candidate, "00537", source=ResultSource.EXEMPTION))  # not local
    assert "00041" not in await passes(db, candidate)  # 3 local passes
    await add(db, a_result(candidate, "00012", sitting=SITTING, score=65))
    assert "00041" not in await passes(db, candidate)  # 4
    await add(db, a_result(candidate, "00018", sitting=SITTING, score=61))
    assert (await passes(db, candidate))["00041"] is ResultSource.TRANSFER  # 5
    [(action, detail)] = await audit_actions(db, candidate)
    assert action == "transfer.recorded"
    assert detail["province"] == "四川省"


async def test_a_benke_candidate_needs_four(db: Sessionmaker) -> None:
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=BENKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=ago(100)), choice)
    await add(db, *[a_result(one, c, sitting=SITTING, score=70) for c in LOCAL[:4]])
    await add(db, a_result(one, "00037", source=ResultSource.TRANSFER, score=80))
    assert (await passes(db, one))["00037"] is ResultSource.TRANSFER


# Pure: the counting rule over any mix of passes.
sources = st.sampled_from(list(ResultSource))
rows = st.lists(
    st.tuples(st.sampled_from(["00015", "00018", "00041", "03706", "00020", "00537"]), sources,
              st.integers(60, 100)),
    max_size=14,
)  # fmt: skip


def course(code: str) -> models.Course:
    return models.Course(code=code, name=code, credits=4, kind=models.CourseKind.THEORY)


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(0, 6), st.randoms())
def test_transfers_count_exactly_when_the_local_passes_reach_the_rule(
    made: list[tuple[str, ResultSource, int]], needed: int, shuffle: object
) -> None:
    one = uuid.uuid4()
    passes = [
        (a_result(one, code, score=score, source=source), course(code))
        for code, source, score in made
    ]
    today = date(2026, 12, 1)
    counted = scores.counted_passes(
        passes, today=today, validity_years=None, transfers_after=needed
    )
    local = {code for code, source, _ in made if source in scores.LOCAL_SOURCES}
    others = {code for code, source, _ in made if source is not ResultSource.TRANSFER}
    everything = {code for code, _, _ in made}
    assert {view.course.code for view in counted} == (
        everything if len(local) >= needed else others
    )
    assert (
        all(view.result.source is not ResultSource.TRANSFER for view in counted)
        or len(local) >= needed
    )
    shuffled = list(passes)
    shuffle.shuffle(shuffled)  # type: ignore[attr-defined]
    again = scores.counted_passes(
        shuffled, today=today, validity_years=None, transfers_after=needed
    )
    assert [(v.course.code, scores.pass_mark(v.result)) for v in again] == [
        (v.course.code, scores.pass_mark(v.result)) for v in counted
    ]
