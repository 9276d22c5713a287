"""Course certificates (课程合格证书) in the graph: `applyForCourseCertificate`, served as
`clients/candidate.graphql` sends it; one application (`certificateApplication`, for whoever
may read the candidate's data: the documents service renders it from this) and a sitting's
applications for staff (`certificateApplications`, paged by id, district staff their region's).
A candidate's applications are read on the `Candidate` entity (`certificateApplications`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import NotFoundError
from zikao_kit.problems import RateLimited
from zikao_records import text
from zikao_records.schema.catalogue import Course
from zikao_records.schema.common import Problems, answer, parse_id, parse_sitting, staff_principal
from zikao_records.service import certificates, holidays
from zikao_records.settings import records_settings

if TYPE_CHECKING:
    from zikao_records.schema.candidate import Candidate

CandidateRef = Annotated["Candidate", strawberry.lazy("zikao_records.schema.candidate")]
PAGE = 50


@strawberry.enum(description="Where a course certificate application stands.")
class CertificateStatus(Enum):
    APPLIED = strawberry.enum_value("APPLIED", description="ready on readyOn")
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="its result was cancelled for a violation (违规)"
    )


@strawberry.type(description="An application for a course certificate (课程合格证书).")
class CertificateApplication:
    id: strawberry.ID
    candidate_id: strawberry.ID
    sitting: str
    course: Course
    score: int | None = strawberry.field(description="the result's score (as corrected)")
    grade: str | None = strawberry.field(description="the result's grade, for practice courses")
    status: CertificateStatus
    applied_at: datetime
    ready_on: date = strawberry.field(
        description="the day the certificate is ready: working days after the window ends"
    )

    @strawberry.field(description="The candidate (identity's entity: name and photo there).")
    def candidate(self) -> CandidateRef:
        from zikao_records.schema.candidate import Candidate

        return Candidate(id=self.candidate_id)

    @classmethod
    def from_view(cls, view: certificates.ApplicationView) -> CertificateApplication:
        application, result = view.application, view.result
        return cls(
            id=strawberry.ID(str(application.id)),
            candidate_id=strawberry.ID(str(application.candidate_id)),
            sitting=application.sitting_code,
            course=Course.from_model(view.course),
            score=result.score,
            grade=result.grade,
            status=CertificateStatus(application.status.value),
            applied_at=application.applied_at,
            ready_on=application.ready_on,
        )


@strawberry.type(description="The application is made; the certificate is ready on readyOn.")
class CertificateApplied:
    application: CertificateApplication


ApplyForCourseCertificateResult = Annotated[
    CertificateApplied | Problems | RateLimited,
    strawberry.union("ApplyForCourseCertificateResult"),
]


@strawberry.type
class CertificatesQuery:
    @strawberry.field(
        description="One course certificate application: the candidate, staff of their region "
        "or the province, and internal services (documents renders it); null when not found."
    )
    async def certificate_application(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> CertificateApplication | None:
        principal = info.context.require_principal()
        try:
            application_id = parse_id(id)
            async with info.context.db() as session:
                view = await certificates.application(session, principal, application_id)
        except NotFoundError:
            return None
        return CertificateApplication.from_view(view)

    @strawberry.field(
        description="Staff: a sitting's course certificate applications, by id, `first` after "
        "the id `after` (district staff: their region's)."
    )
    async def certificate_applications(
        self,
        info: Info[Context, None],
        sitting: str,
        first: int = PAGE,
        after: strawberry.ID | None = None,
    ) -> list[CertificateApplication]:
        principal = staff_principal(info)
        limit = text.within(first, "first", 1, certificates.MAX_PAGE)
        cursor = None if after is None else parse_id(after)
        async with info.context.db() as session:
            views = await certificates.sitting_applications(
                session, principal, parse_sitting(sitting), after=cursor, limit=limit
            )
        return [CertificateApplication.from_view(view) for view in views]


@strawberry.type
class CertificatesMutation:
    @strawberry.mutation(
        description="Apply for the certificate of a course passed in a published sitting "
        "(课程合格证书), within the certificate window; once per course."
    )
    async def apply_for_course_certificate(
        self, info: Info[Context, None], sitting: str, course_code: str
    ) -> ApplyForCourseCertificateResult:
        async def run() -> CertificateApplied:
            principal = info.context.require_principal()
            request = certificates.CertificateRequest(
                candidate_id=principal.candidate_id,
                sitting_code=parse_sitting(sitting),
                course_code=text.code(course_code, "courseCode", text.COURSE_CODE),
                region_code=principal.region_code,
            )
            windows = holidays.windows(records_settings(info.context.settings))
            async with info.context.db.begin() as session:
                view = await certificates.apply(session, request, windows=windows, now=utc_now())
            return CertificateApplied(application=CertificateApplication.from_view(view))

        return await answer(run)
