"""SQL of score imports: a file's lines COPYed into the staging table, checked set-based (one
statement per range of lines, then one for repeated lines), applied with one
INSERT … ON CONFLICT, and the report read by pages."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, delete, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import Course, ExamResult, Sitting
from zikao_records.models.base import SCHEMA
from zikao_records.models.imports import (
    LINE_COLUMNS,
    CandidateTicket,
    ScoreImport,
    ScoreImportRejection,
    ScoreImportStatus,
    score_import_line,
)
from zikao_records.repository.base import CandidateSitting

# A staged line: the import's id (as text: COPY reads it so), then the file line's fields.
Line = tuple[str, int, str | None, str | None, str | None, str | None, str | None]

WORK_MEM = "128MB"
PASSING_GRADES = ("优秀", "良好", "中等", "及格", "合格")
FIVE_LEVEL = ("优秀", "良好", "中等", "及格", "不及格")
PASS_FAIL = ("合格", "不合格")

# The status column as written (English or Chinese words; blank is a normal result).
_STATUS = """
CASE lower(coalesce(l.status, ''))
  WHEN '' THEN 'NORMAL' WHEN 'normal' THEN 'NORMAL' WHEN '正常' THEN 'NORMAL'
  WHEN 'absent' THEN 'ABSENT' WHEN '缺考' THEN 'ABSENT'
  WHEN 'cancelled' THEN 'CANCELLED' WHEN 'canceled' THEN 'CANCELLED'
  WHEN '取消' THEN 'CANCELLED' WHEN '违纪' THEN 'CANCELLED' WHEN '违规' THEN 'CANCELLED'
END"""

_FULL_WIDTH = "'[０-９Ａ-Ｚａ-ｚ]'"

# The first reason a line is rejected for (NULL: the line is good). Order matters: a line's
# shape before what it refers to, and what it refers to before its value. A ticket number or
# course code that was found is well-shaped (candidate_ticket's and course's check constraints):
# only one not found has its shape tested (two regular expressions less for each good line).
_REASON = f"""
CASE
  WHEN l.problem IS NOT NULL THEN l.problem
  WHEN l.ticket_number IS NULL THEN 'missing_ticket_number'
  WHEN t.candidate_id IS NULL AND l.ticket_number !~ '^[0-9]{{12}}$' THEN
    CASE WHEN l.ticket_number ~ {_FULL_WIDTH} THEN 'full_width' ELSE 'bad_ticket_number' END
  WHEN l.course_code IS NULL THEN 'missing_course_code'
  WHEN sc.course_code IS NULL AND l.course_code !~ '^[0-9]{{5}}$' THEN
    CASE WHEN l.course_code ~ {_FULL_WIDTH} THEN 'full_width' ELSE 'bad_course_code' END
  WHEN s.status IS NULL THEN 'bad_status'
  WHEN t.candidate_id IS NULL THEN 'unknown_ticket_number'
  WHEN sc.course_code IS NULL THEN 'course_not_in_sitting'
  WHEN g.status IS NULL THEN 'not_signed_up'
  WHEN g.status <> 'PAID' THEN 'not_paid'
  WHEN CAST(:region AS text) IS NOT NULL AND g.region_code IS DISTINCT FROM :region
    THEN 'out_of_region'
  WHEN s.status <> 'NORMAL' THEN
    CASE WHEN l.value IS NULL THEN NULL ELSE 'value_for_absence' END
  WHEN l.value IS NULL THEN 'missing_value'
  WHEN c.kind = 'THEORY' THEN
    CASE WHEN l.value ~ '^[0-9]{{1,3}}$' AND l.value::integer <= 100 THEN NULL
         WHEN l.value ~ {_FULL_WIDTH} THEN 'full_width' ELSE 'bad_score' END
  WHEN c.grade_scheme = 'PASS_FAIL' THEN
    CASE WHEN l.value NOT IN {PASS_FAIL!r} THEN 'bad_grade' END
  ELSE CASE WHEN l.value NOT IN {FIVE_LEVEL!r} THEN 'bad_grade' END
END"""

_JOINS = f"""
FROM {SCHEMA}.score_import_line l
LEFT JOIN {SCHEMA}.candidate_ticket t ON t.ticket_number = l.ticket_number
LEFT JOIN {SCHEMA}.sitting_course sc
  ON sc.sitting_code = :sitting AND sc.course_code = l.course_code
LEFT JOIN {SCHEMA}.course c ON c.code = sc.course_code
LEFT JOIN {SCHEMA}.exam_registration g
  ON g.candidate_id = t.candidate_id AND g.sitting_code = :sitting
  AND g.course_code = l.course_code AND g.status IN ('UNPAID', 'PAID')
"""

CHECK_LINES = text(
    f"""
INSERT INTO {SCHEMA}.score_import_rejection (import_id, line, reason, ticket_number, course_code)
SELECT l.import_id, l.line, r.reason, left(l.ticket_number, 20), left(l.course_code, 10)
{_JOINS}
CROSS JOIN LATERAL (SELECT {_STATUS} AS status) s
CROSS JOIN LATERAL (SELECT {_REASON} AS reason) r
WHERE l.import_id = :import_id AND l.line >= :low AND l.line < :high AND r.reason IS NOT NULL
ON CONFLICT DO NOTHING
"""
)

# A second line for the same ticket number and course: the first stays, the others are
# rejected (which one staff meant is theirs to say). The repeated keys are found by hashing the
# good lines (a sort of a million text keys took four times as long), then their later lines.
_GOOD = f"""NOT EXISTS (
    SELECT 1 FROM {SCHEMA}.score_import_rejection x
    WHERE x.import_id = l.import_id AND x.line = l.line)"""

CHECK_REPEATS = text(
    f"""
INSERT INTO {SCHEMA}.score_import_rejection (import_id, line, reason, ticket_number, course_code)
SELECT l.import_id, l.line, 'repeated_line', left(l.ticket_number, 20), left(l.course_code, 10)
FROM {SCHEMA}.score_import_line l
JOIN (
  SELECT l.ticket_number, l.course_code, min(l.line) AS first
  FROM {SCHEMA}.score_import_line l
  WHERE l.import_id = :import_id AND {_GOOD}
  GROUP BY l.ticket_number, l.course_code HAVING count(*) > 1
) repeated ON repeated.ticket_number = l.ticket_number AND repeated.course_code = l.course_code
WHERE l.import_id = :import_id AND l.line > repeated.first AND {_GOOD}
ON CONFLICT DO NOTHING
"""
)

# New results get time-ordered ids (UUIDv7, RFC 9562: the statement's prefix, then a counter)
# and go in the order of the (candidate, sitting, course) key: both indexes of a million new
# results grow at their right-hand end instead of on random pages (random ids in file order
# took four times as long).
_ORDER = "t.candidate_id, l.course_code"
APPLY_LINES = text(
    f"""
INSERT INTO {SCHEMA}.exam_result
  (id, candidate_id, sitting_code, course_code, score, grade, passed, status, source, recorded_at)
SELECT CAST(:ids || lpad(to_hex(row_number() OVER (ORDER BY {_ORDER})), 8, '0') AS uuid),
  t.candidate_id, :sitting, l.course_code,
  CASE WHEN s.status = 'NORMAL' AND c.kind = 'THEORY' THEN l.value::integer END,
  CASE WHEN s.status = 'NORMAL' AND c.kind = 'PRACTICE' THEN l.value END,
  s.status = 'NORMAL' AND CASE c.kind
    WHEN 'THEORY' THEN l.value::integer >= 60
    ELSE l.value IN {PASSING_GRADES!r} END,
  s.status::{SCHEMA}.resultstatus,
  (CASE c.kind WHEN 'THEORY' THEN 'EXAM' ELSE 'PRACTICE' END)::{SCHEMA}.resultsource,
  :now
FROM {SCHEMA}.score_import_line l
JOIN {SCHEMA}.candidate_ticket t ON t.ticket_number = l.ticket_number
JOIN {SCHEMA}.course c ON c.code = l.course_code
CROSS JOIN LATERAL (SELECT {_STATUS} AS status) s
WHERE l.import_id = :import_id AND {_GOOD}
ORDER BY {_ORDER}
ON CONFLICT (candidate_id, sitting_code, course_code) DO UPDATE SET
  score = EXCLUDED.score, grade = EXCLUDED.grade, passed = EXCLUDED.passed,
  status = EXCLUDED.status, source = EXCLUDED.source, recorded_at = EXCLUDED.recorded_at
"""
)
COUNTER_BITS = 32  # the last 8 hex digits of an id: more lines than a file may hold


def time_ordered_prefix(now: datetime) -> str:
    """The first 28 characters of a UUIDv7 of `now`: 48 bits of Unix milliseconds, the version,
    42 random bits and the variant; the statement appends a 32-bit counter."""
    millis = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62)
    value |= secrets.randbits(62 - COUNTER_BITS) << COUNTER_BITS
    return str(uuid.UUID(int=value))[: -(COUNTER_BITS // 4)]


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, score_import: ScoreImport) -> None:
        self.session.add(score_import)
        await self.session.flush()

    async def get(self, import_id: uuid.UUID, *, lock: bool = False) -> ScoreImport | None:
        statement = select(ScoreImport).where(col(ScoreImport.id) == import_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def of_sitting(
        self,
        sitting_code: str,
        *,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None,
        region_code: str | None,
    ) -> Sequence[ScoreImport]:
        """A sitting's imports, newest first, `limit` of them after the cursor `before`; those
        uploaded for `region_code` only, unless None (the province reads all)."""
        statement = select(ScoreImport).where(col(ScoreImport.sitting_code) == sitting_code)
        if region_code is not None:
            statement = statement.where(col(ScoreImport.region_code) == region_code)
        if before is not None:
            at, import_id = before
            statement = statement.where(
                (col(ScoreImport.uploaded_at) < at)
                | ((col(ScoreImport.uploaded_at) == at) & (col(ScoreImport.id) < import_id))
            )
        statement = statement.order_by(
            col(ScoreImport.uploaded_at).desc(), col(ScoreImport.id).desc()
        ).limit(limit)
        return (await self.session.execute(statement)).scalars().all()

    async def unfinished(self) -> list[uuid.UUID]:
        statement = select(col(ScoreImport.id)).where(
            col(ScoreImport.status).in_([ScoreImportStatus.CHECKING, ScoreImportStatus.APPLYING])
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def copy_lines(self, lines: Iterable[Line]) -> int:
        """COPYs `lines` into the staging table; how many."""
        batch = list(lines)
        if not batch:
            return 0
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(
            score_import_line.name, schema_name=SCHEMA, columns=LINE_COLUMNS, records=batch
        )
        return len(batch)

    async def line_bounds(self, import_id: uuid.UUID) -> tuple[int, int]:
        """The first and last line staged for the import (0, 0 when none)."""
        statement = select(
            func.coalesce(func.min(score_import_line.c.line), 0),
            func.coalesce(func.max(score_import_line.c.line), 0),
        ).where(score_import_line.c.import_id == import_id)
        low, high = (await self.session.execute(statement)).one()
        return int(low), int(high)

    async def roomy(self) -> None:
        """Memory for the set-based statements of this transaction: their hash joins and sorts
        of a million lines stay in memory instead of spilling to disk in batches."""
        await self.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))

    async def analyze_lines(self) -> None:
        """Fresh statistics of the staging table: without them the planner takes a million
        COPYed lines for a handful and checks them by a million index probes each."""
        await self.session.execute(text(f"ANALYZE {SCHEMA}.{score_import_line.name}"))

    async def check_lines(self, score_import: ScoreImport, low: int, high: int) -> None:
        await self.session.execute(
            CHECK_LINES,
            {
                "import_id": score_import.id,
                "sitting": score_import.sitting_code,
                "region": score_import.region_code,
                "low": low,
                "high": high,
            },
        )

    async def check_repeats(self, import_id: uuid.UUID) -> None:
        await self.session.execute(CHECK_REPEATS, {"import_id": import_id})

    async def count_rejected(self, import_id: uuid.UUID, *, below: int | None = None) -> int:
        statement = select(func.count()).where(col(ScoreImportRejection.import_id) == import_id)
        if below is not None:
            statement = statement.where(col(ScoreImportRejection.line) < below)
        return int((await self.session.execute(statement)).scalar_one())

    async def count_lines(self, import_id: uuid.UUID, *, below: int) -> int:
        statement = select(func.count()).where(
            score_import_line.c.import_id == import_id, score_import_line.c.line < below
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def forget_checks(self, import_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(ScoreImportRejection).where(col(ScoreImportRejection.import_id) == import_id)
        )

    async def apply(self, score_import: ScoreImport, *, now: datetime) -> int:
        """Inserts (or replaces) the results of the import's good lines; how many."""
        result = await self.session.execute(
            APPLY_LINES,
            {
                "import_id": score_import.id,
                "sitting": score_import.sitting_code,
                "now": now,
                "ids": time_ordered_prefix(now),
            },
        )
        return int(cast(Any, result).rowcount)

    async def drop_lines(self, import_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(score_import_line).where(score_import_line.c.import_id == import_id)
        )

    async def rejections(
        self, import_id: uuid.UUID, *, after: int, limit: int
    ) -> Sequence[ScoreImportRejection]:
        statement = (
            select(ScoreImportRejection)
            .where(
                col(ScoreImportRejection.import_id) == import_id,
                col(ScoreImportRejection.line) > after,
            )
            .order_by(col(ScoreImportRejection.line))
            .limit(limit)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def lock_sitting(self, sitting_code: str) -> Sitting | None:
        """The sitting, locked against publication until the transaction ends (publication
        takes the same row lock, so an import is applied wholly before or refused after)."""
        statement = select(Sitting).where(col(Sitting.code) == sitting_code).with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_status(
        self, import_id: uuid.UUID, status: ScoreImportStatus, **values: Any
    ) -> None:
        await self.session.execute(
            update(ScoreImport)
            .where(col(ScoreImport.id) == import_id)
            .values(status=status, **values)
        )


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def learn(self, tickets: Iterable[tuple[str, uuid.UUID]]) -> int:
        """Records ticket numbers identity gave (a re-issued ticket keeps its number; a
        candidate's number never changes, so a known pair is left alone); how many new."""
        rows = [{"ticket_number": t, "candidate_id": c} for t, c in tickets]
        if not rows:
            return 0
        statement = insert(CandidateTicket).values(rows).on_conflict_do_nothing()
        result = await self.session.execute(statement)
        return int(cast(Any, result).rowcount)

    async def unknown_candidates(
        self, sitting_code: str, *, limit: int, after: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Candidates with a paid sign-up for the sitting whose ticket number records has not
        learned yet, in id order after `after` (those before were asked about already)."""
        statement = text(
            f"""
            SELECT DISTINCT g.candidate_id FROM {SCHEMA}.exam_registration g
            WHERE g.sitting_code = :sitting AND g.status = 'PAID'
              AND (CAST(:after AS uuid) IS NULL OR g.candidate_id > :after)
              AND NOT EXISTS (SELECT 1 FROM {SCHEMA}.candidate_ticket t
                              WHERE t.candidate_id = g.candidate_id)
            ORDER BY g.candidate_id LIMIT :limit
            """
        )
        rows = await self.session.execute(
            statement, {"sitting": sitting_code, "limit": limit, "after": after}
        )
        return [row[0] for row in rows]


class ResultsReadRepository:
    """Published results with their sitting's publication time (what the results cache keeps
    them under)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(
        self, keys: Sequence[CandidateSitting], *, now: datetime
    ) -> Sequence[Row[ExamResult, Course, str, datetime | None]]:
        """The results of sittings whose scores are published at `now`; none of the others."""
        statement = (
            select(ExamResult, Course, col(Sitting.code), col(Sitting.scores_published_at))
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .join(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                tuple_(col(ExamResult.candidate_id), col(ExamResult.sitting_code)).in_(list(keys)),
                col(Sitting.scores_published_at) <= now,
            )
            .order_by(col(ExamResult.course_code))
        )
        return (await self.session.execute(statement)).all()
