"""`GET /graduation-audits/{run}/eligible.{csv|xlsx}`: the candidates a batch graduation audit
found eligible, for staff with their bearer token (district staff: runs of their region). The
path names a run, never a person. The export is audited (`export.graduation_eligible`) before
the first byte; the file streams a page of the run's rows at a time, with ticket numbers and
names asked of identity once per page (`service.exports`'s writers). Problems answer
`{"code", "message", "field"}` as the other exports do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from zikao_kit import audit
from zikao_kit.errors import DomainError, InvalidInputError
from zikao_kit.subgraph import ServiceState
from zikao_records import text
from zikao_records.directory import Directory, identity_client
from zikao_records.http_exports import problem, staff_caller
from zikao_records.list_settings import list_settings
from zikao_records.models import AuditEntry, GraduationAuditRun
from zikao_records.service import exports, graduation_batch

HEADER = ["准考证号", "姓名", "专业代码", "区县代码", "必考课程已合格", "必考课程总数", "选考学分"]


def _run_id(value: str) -> uuid.UUID:
    try:
        if not value.isascii() or len(value) > 40:
            raise ValueError(value)
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError("run", "审核批次编号格式不正确", code=text.BAD_FORMAT) from None


def _format(value: str) -> exports.FileFormat:
    formats = {f.value: f for f in exports.FileFormat}
    if value not in formats:
        raise InvalidInputError("format", "格式应为 csv 或 xlsx", code=text.BAD_FORMAT)
    return formats[value]


async def export_eligible(request: Request) -> Response:
    state: ServiceState = request.app.state.zikao
    try:
        run_id = _run_id(str(request.path_params.get("run", "")))
        file_format = _format(str(request.path_params.get("format", "")))
        principal = await staff_caller(request, state)
        async with state.db.begin() as session:
            run = await graduation_batch.readable_run(session, principal, run_id)
            audit.record(
                session,
                AuditEntry,
                principal,
                "export.graduation_eligible",
                target=f"graduation-audit:{run.id}",
                detail={"format": file_format.value, "eligible": run.eligible},
            )
    except DomainError as error:
        return problem(error)
    body = _stream(state, run, file_format)
    return StreamingResponse(
        body,
        media_type=exports.MEDIA_TYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="graduation-eligible-{run.id}.'
            f'{file_format.value}"'
        },
    )


async def _stream(
    state: ServiceState, run: GraduationAuditRun, file_format: exports.FileFormat
) -> AsyncIterator[bytes]:
    async with identity_client(state.extras).connected() as identity:
        rows = _rows(state, identity, run.id)
        if file_format is exports.FileFormat.CSV:
            async for chunk in exports.csv_file(HEADER, rows):
                yield chunk
        else:
            async for chunk in exports.xlsx_file("毕业审核合格名单", HEADER, rows):
                yield chunk


async def _rows(
    state: ServiceState, identity: Directory, run_id: uuid.UUID
) -> AsyncIterator[exports.Rows]:
    page = list_settings().export_page_rows
    async for found in graduation_batch.eligible_rows(state.db, run_id, page=page):
        people = await identity.people([row.candidate_id for row in found])
        yield [
            [
                exports.cell(value)
                for value in (
                    people[row.candidate_id].ticket_number if row.candidate_id in people else "",
                    people[row.candidate_id].name if row.candidate_id in people else "",
                    row.major_code,
                    row.region_code or "",
                    row.required_passed,
                    row.required_total,
                    row.elective_credits,
                )
            ]
            for row in found
        ]


ROUTE = Route("/graduation-audits/{run}/eligible.{format}", export_eligible, methods=["GET"])
