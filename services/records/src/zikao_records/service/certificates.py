"""Course certificates (课程合格证书): a candidate applies, for a course passed in a published
sitting, within the certificate window (`Windows.certificate_days` working days after the
publication date, until midnight Beijing time of the last day); the certificate is ready
`Windows.ready_days` working days after the window's last day, for every application of the
sitting alike. One live application per course. Staff of the candidate's region (or the
province) list a sitting's applications; the documents service reads one to render it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access
from zikao_kit.auth import Principal
from zikao_records import errors
from zikao_records.models import (
    CertificateApplication,
    Course,
    ExamResult,
    ResultStatus,
    Sitting,
)
from zikao_records.repository.certificates import CertificateRepository
from zikao_records.repository.scores import ResultRepository
from zikao_records.service import holidays, scope
from zikao_records.service.calendar import Windows, add_working_days, closes_at
from zikao_records.service.sittings import get_sitting, published_by

MAX_PAGE = 200


@dataclass(frozen=True)
class ApplicationView:
    application: CertificateApplication
    course: Course
    result: ExamResult


@dataclass(frozen=True)
class CertificateRequest:
    candidate_id: uuid.UUID
    sitting_code: str
    course_code: str
    region_code: str | None  # the region the candidate's token names


async def apply(
    session: AsyncSession, request: CertificateRequest, *, windows: Windows, now: datetime
) -> ApplicationView:
    """The application made; `NoPassError` without a published pass of the course in the
    sitting, `CalendarYearUnknownError` when the window reaches a year without holidays,
    `CertificateWindowClosedError` after the window, `CertificateAlreadyAppliedError` for a
    second application for the course."""
    sitting = await get_sitting(session, request.sitting_code)
    published_at, result = await _published_pass(session, sitting, request, now)
    calendar = await holidays.load_calendar(session)
    deadline = windows.certificate_deadline(calendar, published_at)
    if now >= closes_at(deadline):
        raise errors.CertificateWindowClosedError()
    application = CertificateApplication(
        candidate_id=request.candidate_id,
        sitting_code=sitting.code,
        course_code=request.course_code,
        result_id=result.id,
        region_code=request.region_code,
        applied_at=now,
        ready_on=add_working_days(calendar, deadline, windows.ready_days),
    )
    if not await CertificateRepository(session).add(application):
        raise errors.CertificateAlreadyAppliedError()
    return await _view(session, application.id)


async def _published_pass(
    session: AsyncSession, sitting: Sitting, request: CertificateRequest, now: datetime
) -> tuple[datetime, ExamResult]:
    published_at = published_by(sitting.scores_published_at, now)
    if published_at is None:  # before publication no result exists for the candidate
        raise errors.NoPassError()
    result = await ResultRepository(session).of_course(
        request.candidate_id, sitting.code, request.course_code
    )
    if result is None or not result.passed or result.status is not ResultStatus.NORMAL:
        raise errors.NoPassError()
    return published_at, result


async def _view(session: AsyncSession, application_id: uuid.UUID) -> ApplicationView:
    row = await CertificateRepository(session).get(application_id)
    if row is None:
        raise errors.CertificateApplicationNotFoundError()
    return ApplicationView(*row)


async def applications_of(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationView]]:
    """Each candidate's applications, newest first."""
    found: dict[uuid.UUID, list[ApplicationView]] = defaultdict(list)
    for row in await CertificateRepository(session).of(candidate_ids):
        found[row[0].candidate_id].append(ApplicationView(*row))
    return found


async def application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> ApplicationView:
    """One application, for whoever may read the candidate's data (the candidate, staff of
    their region or the province, internal services such as documents)."""
    view = await _view(session, application_id)
    regions = await scope.candidate_regions(session, [view.application.candidate_id])
    region = regions.get(view.application.candidate_id)
    if not access.may_read_candidate(principal, view.application.candidate_id, region):
        raise errors.CertificateApplicationNotFoundError()  # not even whether it exists
    return view


async def sitting_applications(
    session: AsyncSession,
    staff: Principal,
    sitting_code: str,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[ApplicationView]:
    """One page of a sitting's applications: district staff see their region's only."""
    region = access.staff_region(staff)
    rows = await CertificateRepository(session).in_sitting(
        sitting_code, region_code=region, after=after, limit=min(limit, MAX_PAGE)
    )
    return [ApplicationView(*row) for row in rows]
