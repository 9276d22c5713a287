"""Documents' Starlette app: the subgraph, health, and the PDF download route."""

from __future__ import annotations

import asyncio
import uuid

from arq.connections import ArqRedis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zikao_documents import batches, room_lists, service, sources
from zikao_documents.graph import GraphClient
from zikao_documents.inputs import check_sitting, is_ascii_number, maybe_id
from zikao_documents.links import link_is_valid, path_link_is_valid, room_path
from zikao_documents.models import AuditEntry, DocumentRequest
from zikao_documents.schema import schema
from zikao_documents.settings import DocumentsSettings, documents_settings, get_settings
from zikao_documents.storage import LocalStorage
from zikao_kit.audit import audit_route
from zikao_kit.auth import Principal, bearer_token
from zikao_kit.errors import (
    DomainError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
)
from zikao_kit.subgraph import ServiceState, create_subgraph_app

STATUS_OF = {UnauthenticatedError: 401, ForbiddenError: 403, NotFoundError: 404}
BAD_LINK = "下载链接无效或已过期"


def _problem(error: DomainError) -> Response:
    status = next((s for t, s in STATUS_OF.items() if isinstance(error, t)), 409)
    return JSONResponse({"code": error.code, "message": error.message}, status_code=status)


async def _caller(
    request: Request, state: ServiceState, document_id: uuid.UUID
) -> Principal | None:
    """None for a valid signed link to this document, else the bearer token's principal."""
    settings = documents_settings(state.settings)
    expires, signature = request.query_params.get("expires"), request.query_params.get("signature")
    if expires is not None or signature is not None:
        if not link_is_valid(settings.link_key, document_id, expires or "", signature or ""):
            raise ForbiddenError(BAD_LINK)
        return None
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError()
    return await state.verifier.verify(token)


async def _document_file(request: Request, document_id: uuid.UUID) -> tuple[DocumentRequest, bytes]:
    state: ServiceState = request.app.state.zikao
    principal = await _caller(request, state, document_id)
    async with state.db() as session:
        document = await service.get_document(session, document_id)
    if document is None:
        raise NotFoundError("文件不存在")
    if principal is not None and not service.may_read(principal, document):
        raise ForbiddenError("只能下载本人的文件")
    pdf = await service.read_file(state.extras["storage"], document)
    if principal is not None and service.is_audited(principal):
        async with state.db.begin() as session:
            service.record_download(session, principal, document)
    return document, pdf


async def download(request: Request) -> Response:
    """`GET /documents/{id}/download`: the PDF, checked against its recorded sha256."""
    document_id = maybe_id(request.path_params["document_id"])
    if document_id is None:
        return _problem(NotFoundError("文件不存在"))
    try:
        document, pdf = await _document_file(request, document_id)
    except DomainError as error:
        return _problem(error)
    filename = f"{document.kind.value.lower()}-{document.id}.pdf"
    headers = {
        "content-disposition": f'attachment; filename="{filename}"',
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


async def _room_zip(request: Request) -> bytes:
    state: ServiceState = request.app.state.zikao
    params = request.path_params
    batch_id, venue_id = maybe_id(params["batch_id"]), maybe_id(params["venue_id"])
    room_text = params["room"]
    if batch_id is None or venue_id is None or not is_ascii_number(room_text):
        raise NotFoundError("文件不存在")
    room = int(room_text)
    settings = documents_settings(state.settings)
    expires, signature = request.query_params.get("expires"), request.query_params.get("signature")
    if expires is not None or signature is not None:
        path = room_path(batch_id, venue_id, room)
        if not path_link_is_valid(settings.link_key, path, expires or "", signature or ""):
            raise ForbiddenError(BAD_LINK)
        allowed = True
    else:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise UnauthenticatedError()
        principal = await state.verifier.verify(token)
        async with state.db() as session:
            allowed = await batches.readable_batch(session, principal, batch_id) is not None
    if not allowed:
        raise ForbiddenError("只能下载本地区的准考证")
    async with state.db() as session:
        return await batches.room_zip(session, state.extras["storage"], batch_id, venue_id, room)


LISTS = {
    f"{room_lists.SEAT_LIST}.pdf": room_lists.SEAT_LIST,
    f"{room_lists.DOOR_LIST}.pdf": room_lists.DOOR_LIST,
}


async def _room_list(request: Request) -> bytes:
    state: ServiceState = request.app.state.zikao
    params = request.path_params
    venue_id, kind = maybe_id(params["venue_id"]), LISTS.get(params["kind"])
    sitting, room_text = params["sitting"], params["room"]
    if venue_id is None or kind is None or not is_ascii_number(room_text):
        raise NotFoundError("文件不存在")
    check_sitting(sitting)
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError()
    principal = await state.verifier.verify(token)
    if not principal.is_staff:
        raise ForbiddenError()
    graph: GraphClient = state.extras["graph"]
    facts = await sources.room_facts(graph, token, sitting, venue_id, int(room_text))
    settings = documents_settings(state.settings)
    room = room_lists.room_list(settings.issuer, facts)
    return await asyncio.to_thread(room_lists.render_room_list, kind, room)


async def room_list_download(request: Request) -> Response:
    """`GET /sittings/{sitting}/venues/{venue}/rooms/{room}/seat-list.pdf` (座位表) or
    `door-list.pdf` (门贴): staff with their own token, in the scope records gives them."""
    try:
        pdf = await _room_list(request)
    except DomainError as error:
        return _problem(error)
    kind, room = LISTS[request.path_params["kind"]], int(request.path_params["room"])
    name = f"{kind}-{room:03d}.pdf"
    headers = {
        "content-disposition": f'attachment; filename="{name}"',
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


async def room_download(request: Request) -> Response:
    """`GET /ticket-batches/{batch}/rooms/{venue}/{room}/download`: a zip of the room's ready
    admission tickets (each checked against its sha256), for offices that print them."""
    try:
        data = await _room_zip(request)
    except DomainError as error:
        return _problem(error)
    name = f"tickets-room-{int(request.path_params['room']):03d}.zip"
    headers = {
        "content-disposition": f'attachment; filename="{name}"',
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
    }
    return Response(data, media_type="application/zip", headers=headers)


def create_app(settings: DocumentsSettings | None = None) -> Starlette:
    settings = settings or get_settings()
    storage = LocalStorage(settings.storage_dir)
    running: dict[str, ServiceState] = {}

    async def keep(state: ServiceState) -> None:
        # The arq client shares the service's Redis pool (closed with it at shutdown).
        queue = ArqRedis(connection_pool=state.redis.connection_pool)
        state.extras.update(storage=storage, queue=queue, graph=GraphClient(settings))
        running["state"] = state

    trail = audit_route(
        service="documents",
        model=AuditEntry,
        db=lambda: running["state"].db,
        verifier=lambda: running["state"].verifier,
    )
    return create_subgraph_app(
        name="documents",
        schema_name="documents",
        settings=settings,
        schema=schema,
        routes=[
            Route("/documents/{document_id}/download", download, methods=["GET"]),
            Route(
                "/ticket-batches/{batch_id}/rooms/{venue_id}/{room}/download",
                room_download,
                methods=["GET"],
            ),
            Route(
                "/sittings/{sitting}/venues/{venue_id}/rooms/{room}/{kind}",
                room_list_download,
                methods=["GET"],
            ),
            trail,
        ],
        on_startup=[keep],
    )
