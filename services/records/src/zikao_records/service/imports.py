"""Score imports (成绩导入): staff upload a file of a sitting's scores; every line is checked;
nothing of a file with rejected lines is applied until staff accept the rest.

1. `stage_upload` (the upload route): the file's header and encoding are read first (a file that
   is not a score file is refused with a problem and leaves nothing behind), then its lines are
   COPYed into the staging table and the import is recorded as CHECKING, all in one transaction.
2. `run_import` (the worker's job, carrying the import id only; safe to run again): checks the
   lines set-based, a range of lines per step (each step commits its progress), then repeated
   lines; the rejected lines are the report. A clean file is applied at once; one with
   rejections waits (CHECKED) for `accept_import`, which lets the job apply the good lines.
3. Applying locks the sitting row (publication takes the same lock) and inserts or replaces the
   results with one INSERT … ON CONFLICT: all of a file's good lines at once, or none. A sitting
   whose scores are published refuses imports (`scores_published`): its results change only
   through a review answer or a violation.

Who: provincial staff and admins for any sitting; district staff too, for their own region's
candidates (a line of another region's candidate is rejected as `out_of_region`). An import is
read and accepted by the province or by staff of the region it was uploaded for.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access, audit
from zikao_kit.auth import Principal
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import ConflictError, DomainError, NotFoundError
from zikao_records.models import AuditEntry
from zikao_records.models.imports import ScoreImport, ScoreImportRejection, ScoreImportStatus
from zikao_records.repository.imports import ImportRepository, Line
from zikao_records.service.score_files import FileLine, open_score_file
from zikao_records.service.sittings import get_sitting, published_by
from zikao_records.service.tickets import TicketSource, learn_tickets

logger = logging.getLogger("zikao.records.imports")
COPY_BATCH = 50_000
MAX_FILE_NAME = 200
OPEN_STATUSES = (ScoreImportStatus.CHECKING, ScoreImportStatus.CHECKED, ScoreImportStatus.APPLYING)


class ScoresPublishedError(ConflictError):
    """A published sitting's scores change only through a review answer or a violation."""

    code = "scores_published"
    default_message = "本考次成绩已发布，只能通过成绩复查或违规处理更正"


class ScoreImportNotFoundError(NotFoundError):
    code = "score_import_not_found"
    default_message = "成绩导入记录不存在"


class ImportNotWaitingError(ConflictError):
    code = "import_not_waiting"
    default_message = "该导入不在等待确认的状态"


@dataclass(frozen=True)
class ReportPage:
    rejections: Sequence[ScoreImportRejection]
    has_next: bool


def ensure_may_import(staff: Principal) -> str | None:
    """Staff and admins; the region a district uploader works in (None: province-wide)."""
    return access.staff_region(staff)


def ensure_may_read_import(staff: Principal, score_import: ScoreImport) -> None:
    """The province, or staff of the region the import was uploaded for."""
    region = access.staff_region(staff)
    if region is not None and region != score_import.region_code:
        raise ScoreImportNotFoundError()  # another region's import does not exist for them


def clean_file_name(name: str | None) -> str:
    """The file's name as shown in the list: printable, one line, bounded."""
    kept = "".join(ch for ch in (name or "") if ch.isprintable())
    return kept.strip()[:MAX_FILE_NAME] or "upload"


async def stage_upload(
    db: Sessionmaker,
    staff: Principal,
    sitting_code: str,
    file: IO[bytes],
    *,
    file_name: str | None = None,
    now: datetime | None = None,
) -> ScoreImport:
    """Records the import and stages its lines (see the module); typed problems for a sitting
    that does not exist or is published and for a file that is no score file."""
    region = ensure_may_import(staff)
    now = now or utc_now()
    async with db() as session:
        sitting = await get_sitting(session, sitting_code)
        if published_by(sitting.scores_published_at, now) is not None:
            raise ScoresPublishedError()
    score_file = await asyncio.to_thread(open_score_file, file)
    score_import = ScoreImport(
        sitting_code=sitting_code,
        file_name=clean_file_name(file_name),
        file_format=score_file.file_format,
        encoding=score_file.encoding,
        status=ScoreImportStatus.CHECKING,
        region_code=region,
        uploaded_by=staff.subject[:64],
        uploaded_at=now,
    )
    async with db.begin() as session:
        repository = ImportRepository(session)
        await repository.add(score_import)
        total = await _stage_lines(repository, score_file.lines, score_import.id)
        score_import.rows_total = total
        session.add(score_import)
        audit.record(
            session,
            AuditEntry,
            staff,
            "scores.import_uploaded",
            target=f"score-import:{score_import.id}",
            detail={"sitting": sitting_code, "rows": total, "format": score_file.file_format},
        )
    logger.info(
        "score file staged",
        extra={"import_id": str(score_import.id), "sitting": sitting_code, "rows": total},
    )
    return score_import


async def _stage_lines(
    repository: ImportRepository, lines: Iterator[FileLine], import_id: uuid.UUID
) -> int:
    """COPYs the lines batch by batch, reading the next batch (in a thread) while PostgreSQL
    takes the last; how many."""
    key = (str(import_id),)  # a tuple of str, int and None only: the GC soon stops tracking it
    reading = asyncio.ensure_future(asyncio.to_thread(_take, lines, key, COPY_BATCH))
    total = 0
    try:
        while batch := await reading:
            reading = asyncio.ensure_future(asyncio.to_thread(_take, lines, key, COPY_BATCH))
            total += await repository.copy_lines(batch)
    finally:
        await asyncio.gather(reading, return_exceptions=True)  # no thread left reading the file
    return total


def _take(lines: Iterator[FileLine], key: tuple[str], size: int) -> list[Line]:
    return [key + line for line in itertools.islice(lines, size)]


async def run_import(
    db: Sessionmaker,
    import_id: uuid.UUID,
    *,
    step: int,
    tickets: TicketSource | None = None,
) -> ScoreImport | None:
    """The worker's job: checks a CHECKING import (and applies it when no line is rejected),
    applies an APPLYING one (accepted by staff); leaves any other alone. Safe to run twice.
    `tickets` (identity) is first asked for the ticket numbers records does not know yet; when
    it cannot answer, their lines are rejected as `unknown_ticket_number` (the report says so;
    nothing of the file is applied unless staff accept it)."""
    async with db() as session:
        score_import = await ImportRepository(session).get(import_id)
    if score_import is None:
        return None
    if score_import.status is ScoreImportStatus.CHECKING:
        if tickets is not None:
            try:
                await learn_tickets(db, tickets, score_import.sitting_code)
            except DomainError as error:
                logger.warning(
                    "ticket numbers not learned",
                    extra={"import_id": str(import_id), "code": error.code},
                )
        rejected = await _check(db, score_import, step=step)
        if rejected:
            return await _get(db, import_id)
    if score_import.status in (ScoreImportStatus.CHECKING, ScoreImportStatus.APPLYING):
        await _apply(db, import_id)
    return await _get(db, import_id)


async def _get(db: Sessionmaker, import_id: uuid.UUID) -> ScoreImport | None:
    async with db() as session:
        return await ImportRepository(session).get(import_id)


async def _check(db: Sessionmaker, score_import: ScoreImport, *, step: int) -> int:
    """Checks every staged line (from scratch: a job that died half-way starts over); how many
    were rejected. Each range of lines commits its progress."""
    import_id = score_import.id
    async with db.begin() as session:
        repository = ImportRepository(session)
        await repository.forget_checks(import_id)
        await repository.set_status(import_id, ScoreImportStatus.CHECKING, rows_checked=0)
        await repository.analyze_lines()
        low, high = await repository.line_bounds(import_id)
    if score_import.rows_total == 0:
        async with db.begin() as session:
            await ImportRepository(session).set_status(
                import_id, ScoreImportStatus.REFUSED, problem="no_lines", checked_at=utc_now()
            )
        return 0
    for start in range(low, high + 1, step):
        end = start + step
        async with db.begin() as session:
            repository = ImportRepository(session)
            await repository.roomy()
            await repository.check_lines(score_import, start, end)
            checked = await repository.count_lines(import_id, below=end)
            rejected = await repository.count_rejected(import_id)
            await repository.set_status(
                import_id,
                ScoreImportStatus.CHECKING,
                rows_checked=checked,
                rows_rejected=rejected,
            )
    async with db.begin() as session:
        repository = ImportRepository(session)
        await repository.roomy()
        await repository.check_repeats(import_id)
        rejected = await repository.count_rejected(import_id)
        status = ScoreImportStatus.CHECKED if rejected else ScoreImportStatus.CHECKING
        await repository.set_status(
            import_id,
            status,
            rows_checked=score_import.rows_total,
            rows_rejected=rejected,
            checked_at=utc_now(),
        )
    logger.info("score file checked", extra={"import_id": str(import_id), "rejected": rejected})
    return rejected


async def _apply(db: Sessionmaker, import_id: uuid.UUID) -> None:
    """Applies the good lines in one transaction, under the sitting's row lock; refuses when
    the sitting's scores were published meanwhile. The staged lines are dropped either way."""
    now = utc_now()
    async with db.begin() as session:
        repository = ImportRepository(session)
        score_import = await repository.get(import_id, lock=True)
        if score_import is None or score_import.status not in (
            ScoreImportStatus.CHECKING,
            ScoreImportStatus.APPLYING,
        ):
            return
        sitting = await repository.lock_sitting(score_import.sitting_code)
        if sitting is None or published_by(sitting.scores_published_at, now) is not None:
            await repository.set_status(
                import_id, ScoreImportStatus.REFUSED, problem=ScoresPublishedError.code
            )
            await repository.drop_lines(import_id)
            return
        await repository.roomy()
        applied = await repository.apply(score_import, now=now)
        await repository.set_status(
            import_id, ScoreImportStatus.APPLIED, rows_applied=applied, applied_at=now
        )
        await repository.drop_lines(import_id)
    logger.info("score file applied", extra={"import_id": str(import_id), "applied": applied})


async def accept_import(
    session: AsyncSession, staff: Principal, import_id: uuid.UUID, *, now: datetime
) -> ScoreImport:
    """Staff accept an import with rejected lines: its good lines will be applied (the caller
    wakes the worker after the commit). Audited."""
    access.staff_region(staff)
    repository = ImportRepository(session)
    score_import = await repository.get(import_id, lock=True)
    if score_import is None:
        raise ScoreImportNotFoundError()
    ensure_may_read_import(staff, score_import)
    if score_import.status is not ScoreImportStatus.CHECKED:
        raise ImportNotWaitingError()
    sitting = await get_sitting(session, score_import.sitting_code)
    if published_by(sitting.scores_published_at, now) is not None:
        raise ScoresPublishedError()
    score_import.status = ScoreImportStatus.APPLYING
    score_import.accepted_by = staff.subject[:64]
    score_import.accepted_at = now
    session.add(score_import)
    audit.record(
        session,
        AuditEntry,
        staff,
        "scores.import_accepted",
        target=f"score-import:{score_import.id}",
        detail={
            "sitting": score_import.sitting_code,
            "rows": score_import.rows_total,
            "rejected": score_import.rows_rejected,
        },
    )
    return score_import


async def readable_import(
    session: AsyncSession, staff: Principal, import_id: uuid.UUID
) -> ScoreImport:
    access.staff_region(staff)
    score_import = await ImportRepository(session).get(import_id)
    if score_import is None:
        raise ScoreImportNotFoundError()
    ensure_may_read_import(staff, score_import)
    return score_import


async def report(
    session: AsyncSession, import_id: uuid.UUID, *, after: int, first: int
) -> ReportPage:
    """A page of the report: rejected lines after line `after`, in line order."""
    found = await ImportRepository(session).rejections(import_id, after=after, limit=first + 1)
    return ReportPage(rejections=found[:first], has_next=len(found) > first)


async def sitting_imports(
    session: AsyncSession,
    staff: Principal,
    sitting_code: str,
    *,
    first: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> tuple[Sequence[ScoreImport], bool]:
    """A sitting's imports the caller may read, newest first; and whether more follow."""
    region = access.staff_region(staff)
    await get_sitting(session, sitting_code)
    found = await ImportRepository(session).of_sitting(
        sitting_code, limit=first + 1, before=before, region_code=region
    )
    return found[:first], len(found) > first


async def unfinished_imports(session: AsyncSession) -> list[uuid.UUID]:
    """Imports a worker still has to check or apply."""
    return await ImportRepository(session).unfinished()
