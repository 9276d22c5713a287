"""`GET /exports/{seat-list|door-list}.{csv|xlsx}?sitting=YYYY-MM[&venue=<id>[&room=N]]`:
seat lists (座位表) and door lists (门贴) for staff, with their bearer token in the
`Authorization` header. The query names a sitting, a venue and a room, never a person. Without
a venue: every venue of the caller's region (all, for provincial staff and admins). Each
export is audited (`export.seat_list`, `export.door_list`) before the first byte is sent; the
file streams (`service.exports`). Problems answer `{"code", "message", "field"}`: 400 for a bad
query, 401/403 for the caller, 404 for an unknown sitting or venue."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from zikao_kit import audit
from zikao_kit.access import staff_region
from zikao_kit.auth import Principal, bearer_token
from zikao_kit.errors import (
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthenticatedError,
)
from zikao_kit.subgraph import ServiceState
from zikao_records import text
from zikao_records.directory import IdentityClient, identity_client
from zikao_records.list_settings import list_settings
from zikao_records.models import AuditEntry, Venue
from zikao_records.service import exports, lists
from zikao_records.service.sittings import get_sitting

logger = logging.getLogger("zikao.records.exports")
MAX_ROOM = 500


@dataclass(frozen=True)
class ExportRequest:
    kind: exports.ListKind
    file_format: exports.FileFormat
    sitting: str
    venue_id: uuid.UUID | None
    room: int | None


def problem(error: DomainError) -> JSONResponse:
    statuses = [
        (InvalidInputError, 400), (UnauthenticatedError, 401), (ForbiddenError, 403),
        (NotFoundError, 404),
    ]  # fmt: skip
    status = next((s for kind, s in statuses if isinstance(error, kind)), 409)
    body = {"code": error.code, "message": error.message}
    field = getattr(error, "field", None)
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def parse_request(request: Request) -> ExportRequest:
    """What the path and query ask for; `InvalidInputError` naming the part that is wrong."""
    name, _, suffix = str(request.path_params.get("name", "")).rpartition(".")
    kinds, formats = (
        {k.value: k for k in exports.ListKind},
        {f.value: f for f in exports.FileFormat},
    )
    if name not in kinds:
        raise InvalidInputError("list", "列表应为 seat-list 或 door-list", code=text.BAD_FORMAT)
    if suffix not in formats:
        raise InvalidInputError("format", "格式应为 csv 或 xlsx", code=text.BAD_FORMAT)
    query = request.query_params
    sitting = text.code(query.get("sitting", ""), "sitting", text.SITTING_CODE)
    venue_id = _venue(query.get("venue"))
    room = _room(query.get("room"))
    if room is not None and venue_id is None:
        raise InvalidInputError("room", "指定考场时须指定考点", code="room_without_venue")
    return ExportRequest(kinds[name], formats[suffix], sitting, venue_id, room)


def _venue(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        if not value.isascii() or len(value) > 40:
            raise ValueError(value)
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError("venue", "考点编号格式不正确", code=text.BAD_FORMAT) from None


def _room(value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise InvalidInputError("room", "考场号应为数字", code=text.BAD_FORMAT)
    return text.within(int(value), "room", 1, MAX_ROOM)


async def staff_caller(request: Request, state: ServiceState) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError()
    principal = await state.verifier.verify(token)
    staff_region(principal)  # staff and admins only
    return principal


async def _venues(state: ServiceState, principal: Principal, asked: ExportRequest) -> list[Venue]:
    """The venues exported, once the caller may; the export audited."""
    async with state.db.begin() as session:
        await get_sitting(session, asked.sitting)
        venues = await lists.venues_in_scope(session, principal, asked.venue_id)
        detail = {
            "venue": str(asked.venue_id) if asked.venue_id else None,
            "room": asked.room,
            "format": asked.file_format.value,
            "venues": len(venues),
        }
        action = f"export.{asked.kind.value.replace('-', '_')}"
        audit.record(
            session, AuditEntry, principal, action, target=f"sitting:{asked.sitting}", detail=detail
        )
    return venues


async def export_list(request: Request) -> Response:
    state: ServiceState = request.app.state.zikao
    try:
        asked = parse_request(request)
        principal = await staff_caller(request, state)
        venues = await _venues(state, principal, asked)
    except DomainError as error:
        return problem(error)
    body = _stream(state, asked, venues, identity_client(state.extras))
    name = exports.file_name(asked.kind, asked.sitting, asked.file_format)
    return StreamingResponse(
        body,
        media_type=exports.MEDIA_TYPES[asked.file_format],
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


async def _stream(
    state: ServiceState, asked: ExportRequest, venues: list[Venue], client: IdentityClient
) -> AsyncIterator[bytes]:
    page_rows = list_settings().export_page_rows
    write = exports.csv_bytes if asked.file_format is exports.FileFormat.CSV else exports.xlsx_bytes
    try:
        async with client.connected() as identity:
            rows = exports.pages(
                state.db, identity, asked.kind, asked.sitting, venues, room=asked.room,
                page_rows=page_rows,
            )  # fmt: skip
            async for chunk in write(asked.kind, rows):
                yield chunk
    except DomainError as error:  # identity went away mid-file: the download ends short
        logger.warning("export cut short", extra={"code": error.code, "sitting": asked.sitting})
        raise


ROUTE = Route("/exports/{name}", export_list, methods=["GET"])
