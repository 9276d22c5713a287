"""Graduation applications in the graph: `applyForGraduation` as the contract sends it
(`NotEligible` lists every missing item), staff's queue and decisions, the verified diploma,
and batch audits with their progress and eligible candidates. The audit itself:
`schema/graduation.py`."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from arq.connections import ArqRedis
from strawberry.types import Info

from zikao_kit.auth import Role
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError
from zikao_kit.problems import Problem, register_problem
from zikao_records import cursors, errors, jobs, models, text
from zikao_records.graduation_windows import parse_windows
from zikao_records.repository.graduation import AuditRunRepository
from zikao_records.schema.common import Problems, answer, parse_id, staff_principal
from zikao_records.schema.graduation import MissingRequirement
from zikao_records.service import graduation_applications, graduation_batch
from zikao_records.service.exemptions import transfer_rule
from zikao_records.settings import records_settings

DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_REASON = 500


@strawberry.enum(
    description="Where a graduation application stands: PENDING (waiting for staff), APPROVED "
    "(graduated), REJECTED (see the reason)."
)
class GraduationStatus(Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@strawberry.type(description="An application to graduate (毕业申请).")
class GraduationApplication:
    id: strawberry.ID
    candidate_id: strawberry.ID
    major_code: str
    status: GraduationStatus
    applied_at: datetime
    decided_at: datetime | None
    reason: str | None = strawberry.field(description="staff's reason, when not approved")

    @classmethod
    def from_view(cls, view: graduation_applications.ApplicationView) -> GraduationApplication:
        application = view.application
        return cls(
            id=strawberry.ID(str(application.id)),
            candidate_id=strawberry.ID(str(application.candidate_id)),
            major_code=application.major_code,
            status=GraduationStatus(application.status.value),
            applied_at=application.applied_at,
            decided_at=application.decided_at,
            reason=application.reason,
        )


@strawberry.type(description="The application is in; staff audit it.")
class GraduationApplied:
    application: GraduationApplication


@strawberry.type(description="Staff decided the application.")
class GraduationDecided:
    application: GraduationApplication


@strawberry.type(description="Graduation is not possible yet: `missing` says precisely why.")
class NotEligible(Problem):
    missing: list[MissingRequirement]


register_problem(
    errors.NotEligibleError,
    lambda e: NotEligible(
        code=e.code,
        message=e.message,
        missing=[MissingRequirement.from_item(item) for item in e.missing],
    ),
)


@strawberry.type(description="A 专科 (or higher) diploma staff verified for a 本科 candidate.")
class DiplomaVerified:
    candidate_id: strawberry.ID
    origin: str
    verified_at: datetime


@strawberry.type(description="A page of graduation applications, oldest first.")
class GraduationApplicationPage:
    items: list[GraduationApplication]
    next_cursor: str | None = strawberry.field(description="`after` of the next page; null last")


@strawberry.enum(description="Where a batch audit stands.")
class AuditRunStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type(description="A candidate the batch audit found eligible.")
class EligibleCandidate:
    candidate_id: strawberry.ID
    major_code: str
    region_code: str | None


@strawberry.type(description="A batch graduation audit of a major and/or region, and its progress.")
class GraduationAuditRun:
    id: strawberry.ID
    major_code: str | None
    region_code: str | None
    status: AuditRunStatus
    candidates_total: int | None
    candidates_done: int
    eligible: int
    requested_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_model(cls, run: models.GraduationAuditRun) -> GraduationAuditRun:
        return cls(
            id=strawberry.ID(str(run.id)),
            major_code=run.major_code,
            region_code=run.region_code,
            status=AuditRunStatus(run.status.value),
            candidates_total=run.candidates_total,
            candidates_done=run.candidates_done,
            eligible=run.eligible,
            requested_at=run.requested_at,
            finished_at=run.finished_at,
        )

    @strawberry.field(description="The eligible candidates, a page at a time by id.")
    async def eligible_candidates(
        self, info: Info[Context, None], first: int = DEFAULT_PAGE, after: str | None = None
    ) -> list[EligibleCandidate]:
        size = text.within(first, "first", 1, MAX_PAGE)
        start = cursors.decode(after, (str,))
        last = parse_id(strawberry.ID(str(start[0]))) if start is not None else None
        async with info.context.db() as session:
            rows = await AuditRunRepository(session).rows(
                uuid.UUID(str(self.id)), eligible_only=True, after=last, limit=size
            )
        return [
            EligibleCandidate(
                candidate_id=strawberry.ID(str(row.candidate_id)),
                major_code=row.major_code,
                region_code=row.region_code,
            )
            for row in rows
        ]


@strawberry.type(
    description="The batch audit is queued; read its progress with graduationAuditRun."
)
class GraduationAuditStarted:
    run: GraduationAuditRun


ApplyForGraduationResult = Annotated[
    GraduationApplied | NotEligible | Problems, strawberry.union("ApplyForGraduationResult")
]
DecideGraduationResult = Annotated[
    GraduationDecided | NotEligible | Problems, strawberry.union("DecideGraduationResult")
]
VerifyDiplomaResult = Annotated[DiplomaVerified | Problems, strawberry.union("VerifyDiplomaResult")]
GraduationApplicationsResult = Annotated[
    GraduationApplicationPage | Problems, strawberry.union("GraduationApplicationsResult")
]
StartGraduationAuditResult = Annotated[
    GraduationAuditStarted | Problems, strawberry.union("StartGraduationAuditResult")
]
GraduationAuditRunResult = Annotated[
    GraduationAuditRun | Problems, strawberry.union("GraduationAuditRunResult")
]


def _code(value: str | None, field: str, pattern: re.Pattern[str]) -> str | None:
    return None if value is None else text.code(value, field, pattern)


@strawberry.type
class GraduationMutation:
    @strawberry.mutation(
        description="Apply to graduate in my major, inside a graduation window, when the audit "
        "finds nothing missing (NotEligible lists what is)."
    )
    async def apply_for_graduation(self, info: Info[Context, None]) -> ApplyForGraduationResult:
        async def run() -> GraduationApplied:
            principal = info.context.require_principal(Role.CANDIDATE)
            settings = records_settings(info.context.settings)
            windows = parse_windows(settings.graduation_windows)
            async with info.context.db.begin() as session:
                view = await graduation_applications.apply(
                    session,
                    principal.candidate_id,
                    windows=windows,
                    now=utc_now(),
                    validity_years=settings.pass_validity_years,
                    transfers=transfer_rule(settings),
                )
            return GraduationApplied(application=GraduationApplication.from_view(view))

        return await answer(run)

    @strawberry.mutation(
        description="Staff of the candidate's region (or province-wide): approve (the candidate "
        "is audited again; the major then takes no new sign-ups) or reject with a reason; audited."
    )
    async def decide_graduation(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        approve: bool,
        reason: str | None = None,
    ) -> DecideGraduationResult:
        async def run() -> GraduationDecided:
            principal = staff_principal(info)
            settings = records_settings(info.context.settings)
            why = None if reason is None else text.plain(reason, "reason", MAX_REASON)
            async with info.context.db.begin() as session:
                view = await graduation_applications.decide(
                    session,
                    principal,
                    parse_id(id),
                    approve=approve,
                    reason=why,
                    now=utc_now(),
                    validity_years=settings.pass_validity_years,
                    transfers=transfer_rule(settings),
                )
            return GraduationDecided(application=GraduationApplication.from_view(view))

        return await answer(run)

    @strawberry.mutation(
        description="Staff: record the verified 专科 (or higher) diploma of a 本科 candidate and "
        "the origin it gives (as the major's added courses name it, e.g. NON_RELATED); audited."
    )
    async def verify_diploma(
        self,
        info: Info[Context, None],
        candidate_id: strawberry.ID,
        diploma_number: str,
        origin: str,
    ) -> VerifyDiplomaResult:
        async def run() -> DiplomaVerified:
            principal = staff_principal(info)
            number = text.plain(diploma_number, "diplomaNumber", 40)
            kind = text.plain(origin, "origin", 30)
            async with info.context.db.begin() as session:
                diploma = await graduation_applications.verify_diploma(
                    session,
                    principal,
                    parse_id(candidate_id),
                    diploma_number=number,
                    origin=kind,
                    now=utc_now(),
                )
            return DiplomaVerified(
                candidate_id=strawberry.ID(str(diploma.candidate_id)),
                origin=diploma.origin,
                verified_at=diploma.verified_at,
            )

        return await answer(run)

    @strawberry.mutation(
        description="Staff: audit every candidate of a major and/or region in the worker (district "
        "staff: their region); read the progress and the eligible with graduationAuditRun."
    )
    async def start_graduation_audit(
        self,
        info: Info[Context, None],
        major_code: str | None = None,
        region_code: str | None = None,
    ) -> StartGraduationAuditResult:
        async def run() -> GraduationAuditStarted:
            principal = staff_principal(info)
            major = (
                None if major_code is None else text.code(major_code, "majorCode", text.MAJOR_CODE)
            )
            region = (
                None
                if region_code is None
                else text.code(region_code, "regionCode", text.REGION_CODE)
            )
            async with info.context.db.begin() as session:
                started = await graduation_batch.start_run(
                    session, principal, major_code=major, region_code=region, now=utc_now()
                )
            queue = info.context.extras.get("queue")
            if isinstance(queue, ArqRedis):  # else the worker's sweeper wakes it
                name = records_settings(info.context.settings).queue_name
                await jobs.enqueue_graduation_audit(queue, started.id, queue_name=name)
            return GraduationAuditStarted(run=GraduationAuditRun.from_model(started))

        return await answer(run)


@strawberry.type
class GraduationQuery:
    @strawberry.field(
        description="Staff: graduation applications of a status, oldest first (district staff: "
        "their region)."
    )
    async def graduation_applications(
        self,
        info: Info[Context, None],
        status: GraduationStatus = GraduationStatus.PENDING,
        region_code: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> GraduationApplicationsResult:
        async def run() -> GraduationApplicationPage:
            principal = staff_principal(info)
            region = (
                None
                if region_code is None
                else text.code(region_code, "regionCode", text.REGION_CODE)
            )
            size = text.within(first, "first", 1, MAX_PAGE)
            key = cursors.decode(after, (str, str))
            start = None
            if key is not None:
                try:
                    start = (datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1])))
                except ValueError as error:
                    raise InvalidInputError("after", "分页游标无效", code="bad_cursor") from error
            async with info.context.db() as session:
                views = await graduation_applications.queue(
                    session,
                    principal,
                    status=models.GraduationStatus(status.value),
                    region_code=region,
                    after=start,
                    limit=size + 1,
                )
            page, more = views[:size], len(views) > size
            last = page[-1].application if page else None
            cursor = (
                cursors.encode((last.applied_at.isoformat(), str(last.id)))
                if more and last is not None
                else None
            )
            return GraduationApplicationPage(
                items=[GraduationApplication.from_view(v) for v in page], next_cursor=cursor
            )

        return await answer(run)

    @strawberry.field(description="Staff: a batch graduation audit, its progress and the eligible.")
    async def graduation_audit_run(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> GraduationAuditRunResult:
        async def run() -> GraduationAuditRun:
            principal = staff_principal(info)
            async with info.context.db() as session:
                found = await graduation_batch.readable_run(session, principal, parse_id(id))
            return GraduationAuditRun.from_model(found)

        return await answer(run)
