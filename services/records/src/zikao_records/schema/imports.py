"""Score imports and publication in the graph (staff): an import's progress and report
(`scoreImport`), a sitting's imports (`scoreImports`), `acceptScoreImport` (apply the good lines
of a file with rejected ones) and `publishScores` (the whole sitting at once). Files arrive by
`POST /imports/scores` (`zikao_records.http_imports`), which answers with the import's id."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from arq.connections import ArqRedis
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError
from zikao_records import jobs
from zikao_records.models.imports import ScoreImport as ScoreImportModel
from zikao_records.schema.common import Problems, answer, parse_id, parse_sitting, staff_principal
from zikao_records.schema.sittings import Sitting
from zikao_records.service import imports, publication
from zikao_records.service.results_cache import ResultsCache
from zikao_records.settings import records_settings

MAX_PAGE = 1000


@strawberry.enum(description="Where a score import stands.")
class ScoreImportStatus(Enum):
    CHECKING = strawberry.enum_value("CHECKING", description="its lines are being checked")
    CHECKED = strawberry.enum_value(
        "CHECKED", description="lines were rejected: nothing is applied until staff accept it"
    )
    APPLYING = strawberry.enum_value("APPLYING", description="its good lines are being applied")
    APPLIED = strawberry.enum_value("APPLIED", description="its good lines are results now")
    REFUSED = strawberry.enum_value("REFUSED", description="nothing was applied (see `problem`)")


@strawberry.type(description="A rejected line of a score file and why.")
class RejectedLine:
    line: int = strawberry.field(description="the line (CSV) or row (XLSX); the header is 1")
    reason: str = strawberry.field(
        description="e.g. not_signed_up, not_paid, bad_score, bad_grade, full_width, "
        "formula_cell, repeated_line, unknown_ticket_number, out_of_region"
    )
    ticket_number: str | None = strawberry.field(description="as the file gave it")
    course_code: str | None = strawberry.field(description="as the file gave it")


@strawberry.type(description="A page of an import's report, in line order.")
class ImportReport:
    lines: list[RejectedLine]
    has_next_page: bool
    end_cursor: int | None = strawberry.field(description="the last line of the page")


@strawberry.type(description="An uploaded score file (成绩导入) and how far it has come.")
class ScoreImport:
    id: strawberry.ID
    sitting: str
    file_name: str
    file_format: str = strawberry.field(description="CSV or XLSX")
    encoding: str | None = strawberry.field(description="a CSV's: utf-8, utf-8-sig or gb18030")
    status: ScoreImportStatus
    problem: str | None = strawberry.field(description="why it was refused")
    rows_total: int
    rows_checked: int
    rows_rejected: int
    rows_applied: int
    uploaded_at: datetime
    checked_at: datetime | None
    accepted_at: datetime | None
    applied_at: datetime | None

    @strawberry.field(description="The rejected lines after line `after`, `first` of them.")
    async def report(
        self, info: Info[Context, None], first: int = 100, after: int = 0
    ) -> ImportReport:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInputError("first", f"应在1至{MAX_PAGE}之间", code="out_of_range")
        async with info.context.db() as session:
            page = await imports.report(
                session, uuid.UUID(str(self.id)), after=max(after, 0), first=first
            )
        lines = [
            RejectedLine(
                line=r.line,
                reason=r.reason,
                ticket_number=r.ticket_number,
                course_code=r.course_code,
            )
            for r in page.rejections
        ]
        return ImportReport(
            lines=lines,
            has_next_page=page.has_next,
            end_cursor=lines[-1].line if lines else None,
        )

    @classmethod
    def from_model(cls, model: ScoreImportModel) -> ScoreImport:
        return cls(
            id=strawberry.ID(str(model.id)),
            sitting=model.sitting_code,
            file_name=model.file_name,
            file_format=model.file_format,
            encoding=model.encoding,
            status=ScoreImportStatus(model.status.value),
            problem=model.problem,
            rows_total=model.rows_total,
            rows_checked=model.rows_checked,
            rows_rejected=model.rows_rejected,
            rows_applied=model.rows_applied,
            uploaded_at=model.uploaded_at,
            checked_at=model.checked_at,
            accepted_at=model.accepted_at,
            applied_at=model.applied_at,
        )


@strawberry.type(description="A page of a sitting's imports, newest first.")
class ScoreImportPage:
    imports: list[ScoreImport]
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="The import's good lines will be applied (by the worker).")
class ScoreImportAccepted:
    score_import: ScoreImport


@strawberry.type(description="The sitting's scores are published, all at once.")
class ScoresPublished:
    sitting: Sitting


ScoreImportResult = Annotated[ScoreImport | Problems, strawberry.union("ScoreImportResult")]
ScoreImportsResult = Annotated[ScoreImportPage | Problems, strawberry.union("ScoreImportsResult")]
AcceptScoreImportResult = Annotated[
    ScoreImportAccepted | Problems, strawberry.union("AcceptScoreImportResult")
]
PublishScoresResult = Annotated[ScoresPublished | Problems, strawberry.union("PublishScoresResult")]


def _cursor(model: ScoreImportModel) -> str:
    raw = f"{model.uploaded_at.isoformat()}|{model.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _parse_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        at, _, import_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), uuid.UUID(import_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInputError("after", "游标无效", code="bad_format") from error


@strawberry.type
class ImportsQuery:
    @strawberry.field(description="Staff: a score import, its progress and report.")
    async def score_import(self, info: Info[Context, None], id: strawberry.ID) -> ScoreImportResult:
        async def run() -> ScoreImport:
            staff = staff_principal(info)
            import_id = parse_id(id)
            async with info.context.db() as session:
                model = await imports.readable_import(session, staff, import_id)
            return ScoreImport.from_model(model)

        return await answer(run)

    @strawberry.field(description="Staff: a sitting's score imports, newest first.")
    async def score_imports(
        self,
        info: Info[Context, None],
        sitting: str,
        first: int = 20,
        after: str | None = None,
    ) -> ScoreImportsResult:
        async def run() -> ScoreImportPage:
            staff = staff_principal(info)
            code = parse_sitting(sitting)
            if not 1 <= first <= MAX_PAGE:
                raise InvalidInputError("first", f"应在1至{MAX_PAGE}之间", code="out_of_range")
            before = _parse_cursor(after)
            async with info.context.db() as session:
                found, more = await imports.sitting_imports(
                    session, staff, code, first=first, before=before
                )
            return ScoreImportPage(
                imports=[ScoreImport.from_model(model) for model in found],
                has_next_page=more,
                end_cursor=_cursor(found[-1]) if found else None,
            )

        return await answer(run)


@strawberry.type
class ImportsMutation:
    @strawberry.mutation(
        description="Staff: apply the good lines of an import with rejected lines (audited)."
    )
    async def accept_score_import(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> AcceptScoreImportResult:
        async def run() -> ScoreImportAccepted:
            staff = staff_principal(info)
            import_id = parse_id(id)
            async with info.context.db.begin() as session:
                model = await imports.accept_import(session, staff, import_id, now=utc_now())
            await _wake(info, model.id)
            return ScoreImportAccepted(score_import=ScoreImport.from_model(model))

        return await answer(run)

    @strawberry.mutation(
        description="Provincial staff: publish a sitting's scores, all at once (audited)."
    )
    async def publish_scores(self, info: Info[Context, None], sitting: str) -> PublishScoresResult:
        async def run() -> ScoresPublished:
            staff = staff_principal(info)
            code = parse_sitting(sitting)
            now = utc_now()
            async with info.context.db.begin() as session:
                model = await publication.publish_scores(session, staff, code, now=now)
            await ResultsCache.of(info.context).published(code, now)
            return ScoresPublished(sitting=Sitting.from_model(model, now))

        return await answer(run)


async def _wake(info: Info[Context, None], import_id: uuid.UUID) -> None:
    queue = info.context.extras.get("queue")
    if isinstance(queue, ArqRedis):
        name = records_settings(info.context.settings).queue_name
        await jobs.enqueue_score_import(queue, import_id, queue_name=name)
