"""A candidate's requests: `requestAdmissionTicket`, `requestCourseCertificate`,
`requestTranscript` (the facts read through the other subgraphs with the service token)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_documents import service, sources
from zikao_documents.facts import DocumentUnavailableError
from zikao_documents.inputs import check_sitting, parse_id
from zikao_documents.schema.common import Problems, answer, graph_of, settings_of, wake
from zikao_documents.schema.documents import Document
from zikao_kit.auth import Role
from zikao_kit.clock import in_beijing
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import NotFoundError
from zikao_kit.problems import (
    Problem,
    register_problem,
)


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


RequestDocumentResult = Annotated[
    DocumentRequested | DocumentUnavailable | Problems, strawberry.union("RequestDocumentResult")
]


async def _request_ticket(info: Info[Context, None], sitting: str) -> DocumentRequested:
    principal = info.context.require_principal(Role.CANDIDATE)
    code = check_sitting(sitting) or ""
    facts = await sources.ticket_facts(graph_of(info.context), [principal.candidate_id], code)
    mine = facts.get(principal.candidate_id)
    if mine is None:
        raise NotFoundError("考生信息不存在")
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


@strawberry.type
class RequestsMutation:
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
