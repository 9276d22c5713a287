"""Documents' part of the graph: `Candidate.documents` (on identity's entity), `document`,
`verifyDocument`, and the requests: `requestAdmissionTicket`, `requestTranscript`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from zikao_documents import batches, limits, models, service, sources
from zikao_documents.facts import DocumentUnavailableError
from zikao_documents.graph import GraphClient
from zikao_documents.inputs import check_sitting, maybe_id, parse_id
from zikao_documents.jobs import enqueue_prepare, enqueue_render
from zikao_documents.links import room_path, signed_download_url, signed_path_url
from zikao_documents.settings import DocumentsSettings, documents_settings
from zikao_kit.auth import Principal, Role, bearer_token
from zikao_kit.clock import in_beijing
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import DomainError, ForbiddenError, NotFoundError, UnauthenticatedError
from zikao_kit.graphql import build_schema
from zikao_kit.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    RateLimited,
    Unauthenticated,
    problem_from_error,
    register_problem,
)


@strawberry.enum(description="What a document is.")
class DocumentKind(Enum):
    ADMISSION_TICKET = "ADMISSION_TICKET"
    COURSE_CERTIFICATE = "COURSE_CERTIFICATE"
    TRANSCRIPT = "TRANSCRIPT"


@strawberry.enum(description="Where a document is on its way to a PDF.")
class DocumentStatus(Enum):
    PENDING = "PENDING"
    RENDERING = "RENDERING"
    READY = "READY"
    FAILED = "FAILED"


@strawberry.type(description="A document a candidate asked for (admission ticket, certificate…).")
class Document:
    id: strawberry.ID
    kind: DocumentKind
    status: DocumentStatus
    sitting: str | None = strawberry.field(description="the sitting it belongs to, e.g. 2026-10")
    requested_at: datetime
    ready_at: datetime | None
    sha256: str | None = strawberry.field(description="of the PDF, hex; null until READY")
    superseded: bool = strawberry.field(
        default=False, description="a newer version replaced it (e.g. the seats changed)"
    )

    @strawberry.field(
        description="A short-lived link to the PDF (no login needed while valid); null until READY."
    )
    async def download_url(self, info: Info[Context, None]) -> str | None:
        if self.status is not DocumentStatus.READY:
            return None
        document_id = uuid.UUID(str(self.id))
        principal = info.context.require_principal()
        if service.is_audited(principal):
            issue = info.context.loader("issued_links", _issue_links(info.context, principal))
            await issue.load(document_id)
        settings = documents_settings(info.context.settings)
        return signed_download_url(
            settings.download_base_url,
            settings.link_key,
            document_id,
            ttl_seconds=settings.link_ttl_seconds,
        )

    @classmethod
    def from_model(cls, document: models.DocumentRequest) -> Document:
        return cls(
            id=strawberry.ID(str(document.id)),
            kind=DocumentKind(document.kind.value),
            status=DocumentStatus(document.status.value),
            sitting=document.sitting,
            # Stored in UTC; the DateTime scalar answers them in Beijing time (+08:00).
            requested_at=document.requested_at,
            ready_at=document.ready_at,
            sha256=document.sha256 if document.status is models.DocumentStatus.READY else None,
            superseded=document.superseded_at is not None,
        )


def _issue_links(
    context: Context, reader: Principal
) -> Callable[[Sequence[uuid.UUID]], Awaitable[list[None]]]:
    """Audits the links a request hands to staff or a service: one transaction for all."""

    async def issue(document_ids: Sequence[uuid.UUID]) -> list[None]:
        async with context.db.begin() as session:
            await service.record_links_issued(session, reader, document_ids)
        return [None] * len(document_ids)

    return issue


def _load_documents(
    context: Context, reader: Principal
) -> Callable[[Sequence[uuid.UUID]], Awaitable[list[list[Document]]]]:
    async def load(candidate_ids: Sequence[uuid.UUID]) -> list[list[Document]]:
        async with context.db() as session:
            found = await service.documents_by_candidate(session, reader, candidate_ids)
        return [[Document.from_model(d) for d in found.get(i, [])] for i in candidate_ids]

    return load


@strawberry.federation.type(keys=["id"])
class Candidate:
    """Identity's candidate entity; this subgraph adds `documents` and nothing else."""

    id: strawberry.ID

    @strawberry.field(description="The candidate's documents, newest first.")
    async def documents(self, info: Info[Context, None]) -> list[Document]:
        principal = info.context.require_principal()
        candidate_id = maybe_id(str(self.id))
        if candidate_id is None or not service.may_look_for(principal, candidate_id):
            raise ForbiddenError("只能查看本人的文件")
        load = _load_documents(info.context, principal)
        documents: list[Document] = await info.context.loader("documents", load).load(candidate_id)
        return documents

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Candidate | None:
        # Like identity: a malformed reference (the gateway sends none) resolves to null.
        return cls(id=id) if maybe_id(str(id)) is not None else None


@strawberry.type
class Query:
    @strawberry.field(description="One document; null when it does not exist or is not yours.")
    async def document(self, info: Info[Context, None], id: strawberry.ID) -> Document | None:
        principal = info.context.require_principal()
        document_id = parse_id(str(id))  # `invalid_id` for text that is not a UUID
        async with info.context.db() as session:
            found = await service.readable_document(session, principal, document_id)
        return Document.from_model(found) if found is not None else None


@strawberry.type(description="The document is asked for; it renders in the background.")
class DocumentRequested:
    document: Document


@strawberry.type(description="The document cannot be made yet: `missing` names every reason.")
class DocumentUnavailable(Problem):
    missing: list[str] = strawberry.field(
        description="outside_printing_window, not_signed_up, seats_not_published, not_seated, "
        "no_photo, no_passed_courses"
    )


register_problem(
    DocumentUnavailableError,
    lambda e: DocumentUnavailable(code=e.code, message=e.message, missing=list(e.missing)),
)


@strawberry.enum(description="Whether a printed code belongs to a document we issued.")
class VerificationStatus(Enum):
    VALID = "VALID"
    SUPERSEDED = "SUPERSEDED"


@strawberry.type(description="A document we issued, as its printed code shows it to anyone.")
class DocumentVerified:
    status: VerificationStatus
    kind: DocumentKind
    sitting: str | None
    issued_on: date = strawberry.field(description="the day it was issued, Beijing time")
    masked_name: str = strawberry.field(description="e.g. 张*")

    @classmethod
    def of(cls, found: service.Verification) -> DocumentVerified:
        return cls(
            status=VerificationStatus.SUPERSEDED if found.superseded else VerificationStatus.VALID,
            kind=DocumentKind(found.kind.value),
            sitting=found.sitting,
            issued_on=in_beijing(found.issued_at).date(),
            masked_name=found.masked_name,
        )


Problems = InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict | RateLimited
RequestDocumentResult = Annotated[
    DocumentRequested | DocumentUnavailable | Problems, strawberry.union("RequestDocumentResult")
]
VerifyDocumentResult = Annotated[
    DocumentVerified | InvalidInput | NotFound | RateLimited,
    strawberry.union("VerifyDocumentResult"),
]


async def answer(work: Awaitable[Any]) -> Any:
    """The success of `work`, or the typed problem of the domain error it raised (its
    transaction rolled back, nothing enqueued)."""
    try:
        return await work
    except DomainError as error:
        return problem_from_error(error)


def graph_of(context: Context) -> GraphClient:
    """The process's client of the other subgraphs (made on first use)."""
    graph = context.extras.get("graph")
    if not isinstance(graph, GraphClient):
        graph = context.extras["graph"] = GraphClient(settings_of(context))
    return graph


def settings_of(context: Context) -> DocumentsSettings:
    return documents_settings(context.settings)


async def wake(context: Context, document: models.DocumentRequest) -> None:
    """After the commit: a render job for a request not done yet (arq refuses a second one
    with the same id, so asking twice enqueues once)."""
    if document.is_done:
        return
    queue = context.extras["queue"]
    name = settings_of(context).queue_name
    await enqueue_render(queue, document.id, attempts=document.attempts, queue_name=name)


async def _request_ticket(info: Info[Context, None], sitting: str) -> DocumentRequested:
    principal = info.context.require_principal(Role.CANDIDATE)
    code = check_sitting(sitting) or ""
    facts = await sources.ticket_facts(graph_of(info.context), [principal.candidate_id], code)
    mine = facts.get(principal.candidate_id)
    if mine is None:
        raise ForbiddenError("考生信息不存在")
    issuer = settings_of(info.context).issuer
    async with info.context.db.begin() as session:
        document = await service.request_admission_ticket(
            session, by=principal, facts=mine, issuer=issuer, now=utc_now()
        )
    await wake(info.context, document)
    return DocumentRequested(document=Document.from_model(document))


async def _request_transcript(info: Info[Context, None]) -> DocumentRequested:
    principal = info.context.require_principal(Role.CANDIDATE)
    graph = graph_of(info.context)
    person = await sources.person(graph, principal.candidate_id)
    record = await sources.records_of(graph, principal.candidate_id)
    issuer = settings_of(info.context).issuer
    async with info.context.db.begin() as session:
        document = await service.request_transcript(
            session, by=principal, person=person, record=record, issuer=issuer
        )
    await wake(info.context, document)
    return DocumentRequested(document=Document.from_model(document))


async def _request_certificate(
    info: Info[Context, None], application_id: strawberry.ID
) -> DocumentRequested:
    principal = info.context.require_principal(Role.CANDIDATE)
    wanted = parse_id(str(application_id), "applicationId")
    graph = graph_of(info.context)
    applied = await sources.application(graph, wanted)
    if applied is None or applied.candidate_id != principal.candidate_id:
        raise NotFoundError("证书申请不存在")
    person = await sources.person(graph, principal.candidate_id)
    issuer = settings_of(info.context).issuer
    today = in_beijing(utc_now()).date()
    async with info.context.db.begin() as session:
        document = await service.request_certificate(
            session, by=principal, person=person, applied=applied, issuer=issuer, today=today
        )
    await wake(info.context, document)
    return DocumentRequested(document=Document.from_model(document))


async def _verify(info: Info[Context, None], code: str) -> DocumentVerified | NotFound:
    settings = settings_of(info.context)
    key = f"{settings.redis_prefix}:limit:verify:{info.context.client_address()}"
    await limits.hit(
        info.context.redis,
        key,
        limit=settings.verify_limit,
        window_seconds=settings.verify_window_seconds,
    )
    async with info.context.db() as session:
        found = await service.verify(session, code)
    if found is None:
        return NotFound(code="unknown_code", message="未找到与该验证码对应的文件")
    return DocumentVerified.of(found)


@strawberry.enum(description="Where a ticket batch stands.")
class BatchStatus(Enum):
    PREPARING = "PREPARING"
    PREPARED = "PREPARED"


@strawberry.type(description="One room of a ticket batch: its candidates' tickets as one zip.")
class TicketBatchRoom:
    venue_id: strawberry.ID
    venue_name: str
    room: int
    candidates: int
    requested: int = strawberry.field(description="tickets requested (rendering or ready)")
    ready: int
    failed: int
    skipped: int = strawberry.field(description="candidates missing something (e.g. a photo)")
    batch_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="A short-lived link to the zip of the room's ready tickets.")
    def download_url(self, info: Info[Context, None]) -> str | None:
        if not self.ready:
            return None
        settings = settings_of(info.context)
        path = room_path(self.batch_id, uuid.UUID(str(self.venue_id)), self.room)
        return signed_path_url(
            settings.download_base_url,
            settings.link_key,
            path,
            ttl_seconds=settings.link_ttl_seconds,
        )


@strawberry.type(description="Every admission ticket of a sitting, or of one district's venues.")
class TicketBatch:
    id: strawberry.ID
    sitting: str
    region_code: str | None = strawberry.field(description="null: the whole province")
    status: BatchStatus
    requested_at: datetime
    prepared_at: datetime | None

    @strawberry.field(description="Progress per room (venue name, room number).")
    async def rooms(self, info: Info[Context, None]) -> list[TicketBatchRoom]:
        batch_id = uuid.UUID(str(self.id))
        async with info.context.db() as session:
            found = await batches.rooms(session, batch_id)
        return [
            TicketBatchRoom(
                venue_id=strawberry.ID(str(r.venue_id)),
                venue_name=r.venue_name,
                room=r.room,
                candidates=r.members,
                requested=r.requested,
                ready=r.ready,
                failed=r.failed,
                skipped=r.skipped,
                batch_id=batch_id,
            )
            for r in found
        ]

    @classmethod
    def from_model(cls, batch: models.TicketBatch) -> TicketBatch:
        return cls(
            id=strawberry.ID(str(batch.id)),
            sitting=batch.sitting,
            region_code=batch.region_code,
            status=BatchStatus(batch.status.value),
            requested_at=batch.requested_at,
            prepared_at=batch.prepared_at,
        )


@strawberry.type(description="The batch is being prepared; read its progress by `ticketBatch`.")
class TicketBatchStarted:
    batch: TicketBatch


GenerateTicketsResult = Annotated[
    TicketBatchStarted | Problems, strawberry.union("GenerateTicketsResult")
]


def caller_token(context: Context) -> str:
    """The caller's own token, for reading records' staff lists in their scope."""
    request = context.request
    token = bearer_token(request.headers.get("authorization")) if request is not None else None
    if token is None:
        raise UnauthenticatedError()
    return token


async def _generate(
    info: Info[Context, None], sitting: str, region_code: str | None
) -> TicketBatchStarted:
    principal = info.context.require_principal(Role.STAFF, Role.ADMIN)
    code = check_sitting(sitting) or ""
    region = batches.batch_scope(principal, region_code)
    seated = await sources.roster(graph_of(info.context), caller_token(info.context), code, region)
    async with info.context.db.begin() as session:
        batch, _ = await batches.open_batch(
            session, by=principal, sitting=code, region_code=region, roster=seated
        )
    name = settings_of(info.context).queue_name
    await enqueue_prepare(info.context.extras["queue"], batch.id, chunk=0, queue_name=name)
    return TicketBatchStarted(batch=TicketBatch.from_model(batch))


@strawberry.type
class BatchQuery:
    @strawberry.field(description="Staff: a ticket batch and its progress; null if not yours.")
    async def ticket_batch(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> TicketBatch | None:
        principal = info.context.require_principal()
        batch_id = parse_id(str(id))
        async with info.context.db() as session:
            found = await batches.readable_batch(session, principal, batch_id)
        return TicketBatch.from_model(found) if found is not None else None


@strawberry.type
class VerifyQuery:
    @strawberry.field(
        description="Public: whether a printed verification code belongs to a document we "
        "issued (its kind, sitting, issue day and the masked name); rate limited."
    )
    async def verify_document(self, info: Info[Context, None], code: str) -> VerifyDocumentResult:
        result: VerifyDocumentResult = await answer(_verify(info, code))
        return result


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="准考证: my admission ticket for the sitting (inside the printing window, "
        "with a photo and published seats); asking again gives the same document."
    )
    async def request_admission_ticket(
        self, info: Info[Context, None], sitting: str
    ) -> RequestDocumentResult:
        result: RequestDocumentResult = await answer(_request_ticket(info, sitting))
        return result

    @strawberry.mutation(
        description="Staff: request every admission ticket of the sitting (district staff: their "
        "district's venues; provincial staff: one district or all); asking again adds what "
        "changed and renders nothing twice. Progress: `ticketBatch`."
    )
    async def generate_admission_tickets(
        self, info: Info[Context, None], sitting: str, region_code: str | None = None
    ) -> GenerateTicketsResult:
        result: GenerateTicketsResult = await answer(_generate(info, sitting, region_code))
        return result

    @strawberry.mutation(
        description="课程合格证书: the certificate of my application (applyForCourseCertificate), "
        "from its readyOn day."
    )
    async def request_course_certificate(
        self, info: Info[Context, None], application_id: strawberry.ID
    ) -> RequestDocumentResult:
        result: RequestDocumentResult = await answer(_request_certificate(info, application_id))
        return result

    @strawberry.mutation(description="成绩单: a transcript of every course I passed.")
    async def request_transcript(self, info: Info[Context, None]) -> RequestDocumentResult:
        result: RequestDocumentResult = await answer(_request_transcript(info))
        return result


@strawberry.type
class RootQuery(Query, VerifyQuery, BatchQuery):
    pass


schema = build_schema("documents", query=RootQuery, mutation=Mutation, types=[Candidate])
