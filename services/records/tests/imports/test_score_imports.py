"""Score imports against the real PostgreSQL: files staged by COPY, checked set-based, applied
only when clean or accepted, refused for a published sitting; malformed files change nothing."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import ForbiddenError, InvalidInputError
from zikao_records import models
from zikao_records.import_testing import (
    FIVE_LEVEL,
    PASS_FAIL,
    THEORY,
    THEORY_2,
    a_sitting_with,
)
from zikao_records.models.imports import ScoreImport, ScoreImportStatus
from zikao_records.service import imports, publication
from zikao_records.service.imports import ScoresPublishedError

SITTING = "2031-04"
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)
DISTRICT = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
STEP = 2  # lines per checking step: several steps even for small files
HEADER = "准考证号,课程代码,成绩,状态\n"


def csv_file(lines: Sequence[str], *, encoding: str = "utf-8", header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + "".join(line + "\n" for line in lines)).encode(encoding))


async def run(db: Sessionmaker, score_import: ScoreImport) -> ScoreImport:
    found = await imports.run_import(db, score_import.id, step=STEP)
    assert found is not None
    return found


async def results(db: Sessionmaker, sitting: str = SITTING) -> dict[tuple[uuid.UUID, str], tuple]:
    async with db() as session:
        rows = await session.execute(
            select(models.ExamResult).where(col(models.ExamResult.sitting_code) == sitting)
        )
        return {
            (r.candidate_id, r.course_code): (r.score, r.grade, r.passed, r.status.value)
            for r in rows.scalars()
        }


async def staged_lines(db: Sessionmaker) -> int:
    async with db() as session:
        found = await session.execute(
            select(func.count()).select_from(models.imports.score_import_line)
        )
        return int(found.scalar_one())


async def import_count(db: Sessionmaker) -> int:
    async with db() as session:
        return int((await session.execute(select(func.count(col(ScoreImport.id))))).scalar_one())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_a_clean_file_is_applied_whole(db: Sessionmaker, encoding: str) -> None:
    (a, ticket_a), (b, ticket_b) = await a_sitting_with(db, 2)
    lines = [
        f"{ticket_a},{THEORY},85,正常",
        f"{ticket_a},{THEORY_2},59,normal",
        f"{ticket_a},{FIVE_LEVEL},良好,",
        f"{ticket_a},{PASS_FAIL},不合格,正常",
        f"{ticket_b},{THEORY},,缺考",
        f"{ticket_b},{THEORY_2},,cancelled",
        f"{ticket_b},{FIVE_LEVEL},不及格,正常",
        f"{ticket_b},{PASS_FAIL},合格,",
    ]
    staged = await imports.stage_upload(
        db, PROVINCE, SITTING, csv_file(lines, encoding=encoding), file_name="scores.csv"
    )
    assert (staged.file_format, staged.encoding, staged.rows_total) == ("CSV", encoding, 8)
    done = await run(db, staged)
    assert (done.status, done.rows_checked, done.rows_rejected, done.rows_applied) == (
        ScoreImportStatus.APPLIED,
        8,
        0,
        8,
    )
    assert await results(db) == {
        (a, THEORY): (85, None, True, "NORMAL"),
        (a, THEORY_2): (59, None, False, "NORMAL"),
        (a, FIVE_LEVEL): (None, "良好", True, "NORMAL"),
        (a, PASS_FAIL): (None, "不合格", False, "NORMAL"),
        (b, THEORY): (None, None, False, "ABSENT"),
        (b, THEORY_2): (None, None, False, "CANCELLED"),
        (b, FIVE_LEVEL): (None, "不及格", False, "NORMAL"),
        (b, PASS_FAIL): (None, "合格", True, "NORMAL"),
    }
    assert await staged_lines(db) == 0  # the staging table is emptied


async def test_new_results_get_time_ordered_ids_in_the_order_of_their_key(
    db: Sessionmaker,
) -> None:
    """Applied results are UUIDv7 (their time, then a counter in (candidate, course) order), so
    a million new results append to the primary key's index; a re-import keeps the ids."""
    people = await a_sitting_with(db, 3)
    lines = [f"{t},{course},70," for _, t in reversed(people) for course in (THEORY_2, THEORY)]
    before = datetime.now(UTC)
    await run(db, await imports.stage_upload(db, PROVINCE, SITTING, csv_file(lines)))
    ids = await result_ids(db)
    assert [key for key, _ in ids] == sorted(key for key, _ in ids)
    assert [i for _, i in ids] == sorted(i for _, i in ids)
    assert {(i.version, i.variant) for _, i in ids} == {(7, uuid.RFC_4122)}
    assert abs((ids[0][1].int >> 80) - before.timestamp() * 1000) < 60_000  # Unix milliseconds
    await run(db, await imports.stage_upload(db, PROVINCE, SITTING, csv_file(lines)))
    assert await result_ids(db) == ids


async def result_ids(db: Sessionmaker) -> list[tuple[tuple[uuid.UUID, str], uuid.UUID]]:
    async with db() as session:
        rows = await session.execute(select(models.ExamResult))
        found = [((r.candidate_id, r.course_code), r.id) for r in rows.scalars()]
    return sorted(found)


async def test_an_xlsx_file_reads_as_the_csv_and_a_formula_cell_is_a_rejected_line(
    db: Sessionmaker,
) -> None:
    ((a, ticket),) = await a_sitting_with(db, 1, region="5001")  # no leading zero to lose
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["准考证号", "课程代码", "成绩", "状态"])
    sheet.append([int(ticket), THEORY, 91.0, "正常"])  # Excel keeps numbers as floats
    sheet.append([ticket, THEORY_2, "=50+40", "正常"])
    sheet.append([ticket, FIVE_LEVEL, "优秀", None])
    body = io.BytesIO()
    workbook.save(body)
    staged = await imports.stage_upload(db, PROVINCE, SITTING, body, file_name="分数.xlsx")
    assert staged.file_format == "XLSX"
    done = await run(db, staged)
    assert (done.status, done.rows_rejected) == (ScoreImportStatus.CHECKED, 1)
    async with db() as session:
        page = await imports.report(session, staged.id, after=0, first=10)
    assert [(r.line, r.reason) for r in page.rejections] == [(3, "formula_cell")]
    assert await results(db) == {}  # nothing until staff accept
    async with db.begin() as session:
        await imports.accept_import(session, PROVINCE, staged.id, now=datetime.now(UTC))
    done = await run(db, staged)
    assert (done.status, done.rows_applied) == (ScoreImportStatus.APPLIED, 2)
    assert await results(db) == {
        (a, THEORY): (91, None, True, "NORMAL"),
        (a, FIVE_LEVEL): (None, "优秀", True, "NORMAL"),
    }


async def test_each_rejected_line_has_its_line_and_reason(db: Sessionmaker) -> None:
    (a, ticket), (_, unpaid) = await a_sitting_with(db, 2)
    (elsewhere,) = await a_sitting_with(db, 1, region="0105", make_sitting=False)
    async with db.begin() as session:
        registration = (
            await session.execute(
                select(models.ExamRegistration).where(
                    col(models.ExamRegistration.sitting_code) == SITTING,
                    col(models.ExamRegistration.course_code) == THEORY,
                    col(models.ExamRegistration.candidate_id) != a,
                    col(models.ExamRegistration.region_code) == "0103",
                )
            )
        ).scalar_one()
        registration.status = models.RegistrationStatus.UNPAID
        session.add(registration)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in ticket)
    lines = [
        f"{ticket},{THEORY},101,",  # 2
        f"{ticket},{THEORY_2},8.5,",  # 3
        f"{ticket},{FIVE_LEVEL},合格,",  # 4: not of the five levels
        f"{ticket},{PASS_FAIL},及格,",  # 5: not pass/fail
        f"{full_width},{THEORY},60,",  # 6
        f"{ticket[:-1]},{THEORY},60,",  # 7
        f"999999999999,{THEORY},60,",  # 8
        f"{ticket},00015,60,",  # 9: not examined in the sitting
        f"{unpaid},{THEORY},60,",  # 10
        f"{ticket},{THEORY},70,迟到",  # 11: no such status
        f"{ticket},{THEORY},70,缺考",  # 12: a score for an absence
        f"{ticket},{THEORY},,",  # 13
        f"{ticket},{THEORY}",  # 14: a cell missing
        f"{ticket},{THEORY},88,",  # 15: good
        f"{ticket},{THEORY},90,",  # 16: the same course again
        f"{elsewhere[1]},{THEORY},75,",  # 17: good for the province
    ]
    staged = await imports.stage_upload(db, PROVINCE, SITTING, csv_file(lines))
    done = await run(db, staged)
    assert (done.status, done.rows_total, done.rows_checked, done.rows_rejected) == (
        ScoreImportStatus.CHECKED,
        16,
        16,
        14,
    )
    async with db() as session:
        first = await imports.report(session, staged.id, after=0, first=10)
        rest = await imports.report(session, staged.id, after=first.rejections[-1].line, first=10)
    assert first.has_next
    assert not rest.has_next
    assert [(r.line, r.reason) for r in [*first.rejections, *rest.rejections]] == [
        (2, "bad_score"),
        (3, "bad_score"),
        (4, "bad_grade"),
        (5, "bad_grade"),
        (6, "full_width"),
        (7, "bad_ticket_number"),
        (8, "unknown_ticket_number"),
        (9, "course_not_in_sitting"),
        (10, "not_paid"),
        (11, "bad_status"),
        (12, "value_for_absence"),
        (13, "missing_value"),
        (14, "missing_cells"),
        (16, "repeated_line"),
    ]
    assert first.rejections[0].ticket_number == ticket  # what staff uploaded, nothing else
    assert await results(db) == {}


async def test_district_staff_import_their_region_only(db: Sessionmaker) -> None:
    ((mine, ticket),) = await a_sitting_with(db, 1)
    ((_, other),) = await a_sitting_with(db, 1, region="0105", make_sitting=False)
    lines = [f"{ticket},{THEORY},77,", f"{other},{THEORY},66,"]
    staged = await imports.stage_upload(db, DISTRICT, SITTING, csv_file(lines))
    done = await run(db, staged)
    assert done.rows_rejected == 1
    async with db() as session:
        page = await imports.report(session, staged.id, after=0, first=10)
        with pytest.raises(imports.ScoreImportNotFoundError):  # not for another district
            await imports.readable_import(
                session, Principal(subject="s", role=Role.STAFF, region_code="0105"), staged.id
            )
    assert [(r.line, r.reason) for r in page.rejections] == [(3, "out_of_region")]
    async with db.begin() as session:
        await imports.accept_import(session, DISTRICT, staged.id, now=datetime.now(UTC))
    await run(db, staged)
    assert await results(db) == {(mine, THEORY): (77, None, True, "NORMAL")}
    with pytest.raises(ForbiddenError):
        await imports.stage_upload(
            db, Principal(subject="c", role=Role.CANDIDATE), SITTING, csv_file(lines)
        )


async def test_a_reimport_replaces_unpublished_results_and_a_published_sitting_refuses(
    db: Sessionmaker,
) -> None:
    ((a, ticket),) = await a_sitting_with(db, 1)
    first = await imports.stage_upload(db, PROVINCE, SITTING, csv_file([f"{ticket},{THEORY},40,"]))
    await run(db, first)
    again = await imports.stage_upload(db, PROVINCE, SITTING, csv_file([f"{ticket},{THEORY},64,"]))
    await run(db, again)
    assert await results(db) == {(a, THEORY): (64, None, True, "NORMAL")}
    async with db.begin() as session:
        await publication.publish_scores(session, PROVINCE, SITTING, now=datetime.now(UTC))
    before = await import_count(db)
    with pytest.raises(ScoresPublishedError):
        await imports.stage_upload(db, PROVINCE, SITTING, csv_file([f"{ticket},{THEORY},99,"]))
    assert await import_count(db) == before
    assert await results(db) == {(a, THEORY): (64, None, True, "NORMAL")}


async def test_an_import_accepted_before_publication_is_refused_after_it(
    db: Sessionmaker,
) -> None:
    """Publication waits for open imports; an import whose sitting was published meanwhile (a
    scheduled time that came) applies nothing."""
    ((_, ticket),) = await a_sitting_with(db, 1)
    staged = await imports.stage_upload(
        db, PROVINCE, SITTING, csv_file([f"{ticket},{THEORY},70,", f"{ticket},{THEORY_2},x,"])
    )
    await run(db, staged)
    async with db.begin() as session:
        with pytest.raises(publication.ImportsPendingError):
            await publication.publish_scores(session, PROVINCE, SITTING, now=datetime.now(UTC))
    async with db.begin() as session:
        await imports.accept_import(session, PROVINCE, staged.id, now=datetime.now(UTC))
        sitting = await session.get(models.Sitting, SITTING)
        assert sitting is not None
        sitting.scores_published_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(sitting)
    done = await run(db, staged)
    assert (done.status, done.problem, done.rows_applied) == (
        ScoreImportStatus.REFUSED,
        "scores_published",
        0,
    )
    assert await results(db) == {}


async def test_only_the_province_publishes(db: Sessionmaker) -> None:
    await a_sitting_with(db, 1)
    async with db.begin() as session:
        with pytest.raises(ForbiddenError):
            await publication.publish_scores(session, DISTRICT, SITTING, now=datetime.now(UTC))
    async with db.begin() as session:
        sitting = await publication.publish_scores(
            session, PROVINCE, SITTING, now=datetime.now(UTC)
        )
    assert sitting.scores_published_at is not None
    async with db.begin() as session:
        with pytest.raises(ScoresPublishedError):
            await publication.publish_scores(session, PROVINCE, SITTING, now=datetime.now(UTC))


MALFORMED = {
    "empty": b"",
    "no header": b"500126100001,03706,80\n",
    "missing columns": "准考证号,成绩\n500126100001,80\n".encode(),
    "wrong encoding": "准考证号,课程代码,成绩\n".encode("utf-16"),
    "garbage": os.urandom(10 * 1024 * 1024),
    "broken xlsx": b"PK\x03\x04" + os.urandom(4096),
    "a huge header": b"a" * 200_000 + b"\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_a_malformed_file_is_a_problem_and_changes_nothing(
    db: Sessionmaker, name: str
) -> None:
    await a_sitting_with(db, 1)
    before = await import_count(db)
    with pytest.raises(InvalidInputError) as refused:
        await imports.stage_upload(db, PROVINCE, SITTING, io.BytesIO(MALFORMED[name]))
    assert refused.value.code in {
        "empty_file",
        "missing_columns",
        "unreadable_encoding",
        "unreadable_file",
        "not_a_score_file",
    }
    assert await import_count(db) == before
    assert await staged_lines(db) == 0


async def test_nul_and_full_width_lines_are_rejected_not_guessed(db: Sessionmaker) -> None:
    ((_, ticket),) = await a_sitting_with(db, 1)
    lines = [
        f"{ticket},{THEORY},8\x000,",
        f"{ticket},{THEORY_2},８０,",
        f"{ticket},{FIVE_LEVEL},良好,",
    ]
    staged = await imports.stage_upload(db, PROVINCE, SITTING, csv_file(lines))
    await run(db, staged)
    async with db() as session:
        page = await imports.report(session, staged.id, after=0, first=10)
    assert [(r.line, r.reason) for r in page.rejections] == [
        (2, "nul_character"),
        (3, "full_width"),
    ]
