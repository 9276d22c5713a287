"""Documents as the graph shows them: `Candidate.documents` (on identity's entity) and
`document(id)`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from zikao_documents import models, service
from zikao_documents.inputs import maybe_id, parse_id
from zikao_documents.links import signed_download_url
from zikao_documents.settings import documents_settings
from zikao_kit.auth import Principal
from zikao_kit.context import Context
from zikao_kit.errors import ForbiddenError


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
