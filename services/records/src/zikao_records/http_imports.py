"""`POST /imports/scores?sitting=YYYY-MM`: staff upload a score file (CSV or XLSX, the raw
body; `Content-Disposition: attachment; filename*=UTF-8''…` may name it). The body streams to a
temporary file, refused past `RECORDS_IMPORT_MAX_BYTES`; its header and encoding are read, its
lines COPYed into the staging table, and a worker wakes to check them. The answer is the
import's id and status (201), or a problem `{"code", "message", "field"}`: 400 for a file that
is no score file, 401/403 for the caller, 404 for the sitting, 409 for a published sitting, 413
for a file too large. Progress, report, acceptance and publication are in the graph.
"""

from __future__ import annotations

import logging
import tempfile
import urllib.parse

from arq.connections import ArqRedis
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from zikao_kit.auth import bearer_token
from zikao_kit.errors import (
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthenticatedError,
)
from zikao_kit.subgraph import ServiceState
from zikao_records import jobs, text
from zikao_records.import_settings import import_settings
from zikao_records.service import imports, scope
from zikao_records.settings import records_settings

logger = logging.getLogger("zikao.records.imports")
SPOOL_BYTES = 1 << 20


class FileTooLargeError(InvalidInputError):
    def __init__(self, limit_bytes: int) -> None:
        megabytes = max(limit_bytes // (1024 * 1024), 1)
        super().__init__("file", f"文件超过{megabytes}MB", code="file_too_large")


def _problem(error: DomainError) -> JSONResponse:
    status = 409
    if isinstance(error, FileTooLargeError):
        status = 413
    elif isinstance(error, InvalidInputError):
        status = 400
    elif isinstance(error, UnauthenticatedError):
        status = 401
    elif isinstance(error, ForbiddenError):
        status = 403
    elif isinstance(error, NotFoundError):
        status = 404
    body = {"code": error.code, "message": error.message}
    field = getattr(error, "field", None)
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def file_name(disposition: str | None) -> str | None:
    """The file name a `Content-Disposition` header gives (`filename*` first), if any."""
    if not disposition:
        return None
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename*" and "''" in value:
            return urllib.parse.unquote(value.split("''", 1)[1])
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip('"')
    return None


async def upload_scores(request: Request) -> Response:
    state: ServiceState = request.app.state.zikao
    try:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise UnauthenticatedError("请先登录")
        staff = await state.verifier.verify(token)
        if staff.role not in scope.STAFF_ROLES:
            raise ForbiddenError()
        imports.ensure_may_import(staff)
        sitting = text.code(request.query_params.get("sitting", ""), "sitting", text.SITTING_CODE)
        limit = import_settings().import_max_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise FileTooLargeError(limit)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise FileTooLargeError(limit)
                spool.write(chunk)
            score_import = await imports.stage_upload(
                state.db,
                staff,
                sitting,
                spool,
                file_name=file_name(request.headers.get("content-disposition")),
            )
    except DomainError as error:
        return _problem(error)
    except ClientDisconnect:
        return Response(status_code=400)
    queue = state.extras.get("queue")
    if isinstance(queue, ArqRedis):  # else the worker's sweeper wakes it
        name = records_settings(state.settings).queue_name
        await jobs.enqueue_score_import(queue, score_import.id, queue_name=name)
    return JSONResponse(
        {
            "id": str(score_import.id),
            "status": score_import.status.value,
            "rowsTotal": score_import.rows_total,
        },
        status_code=201,
    )
