"""Records' fields of the `Candidate` entity (identity owns the entity's other fields).

Each field checks the caller, then loads through a DataLoader: N candidates in one request
cost one query per field, not N.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import timedelta

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import ForbiddenError, InvalidInputError, NotFoundError
from zikao_records import service
from zikao_records.repository import CandidateSitting
from zikao_records.schema.catalogue import Major
from zikao_records.schema.loading import batch_many, batch_one
from zikao_records.schema.records import (
    ExamRegistration,
    ExamResult,
    GraduationAudit,
    PassedCourse,
    ScoreReview,
)
from zikao_records.settings import records_settings

_SITTING = re.compile(r"^\d{4}-\d{2}$")


@strawberry.federation.type(keys=["id"], description="A candidate (考生).")
class Candidate:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Candidate:
        return cls(id=id)

    @strawberry.field(description="The chosen major; null until one is chosen.")
    async def major(self, info: Info[Context, None]) -> Major | None:
        candidate_id = _readable(info, self.id)
        loader = info.context.loader("records.major", batch_one(info.context, _chosen_majors))
        return await loader.load(candidate_id)

    @strawberry.field(description="Live sign-ups for the sitting (paid, or unpaid and not lapsed).")
    async def exams(self, info: Info[Context, None], sitting: str) -> list[ExamRegistration]:
        key = (_readable(info, self.id), parse_sitting(sitting))
        loader = info.context.loader("records.exams", batch_many(info.context, _exams))
        return await loader.load(key)

    @strawberry.field(description="The sitting's results; empty until its scores are published.")
    async def results(self, info: Info[Context, None], sitting: str) -> list[ExamResult]:
        key = (_readable(info, self.id), parse_sitting(sitting))
        loader = info.context.loader("records.results", batch_many(info.context, _results))
        return await loader.load(key)

    @strawberry.field(description="The best valid pass of each course, exemptions included.")
    async def passed_courses(self, info: Info[Context, None]) -> list[PassedCourse]:
        candidate_id = _readable(info, self.id)
        loader = info.context.loader("records.passes", batch_many(info.context, _passes))
        return await loader.load(candidate_id)

    @strawberry.field(description="Score reviews asked for, newest first.")
    async def score_reviews(self, info: Info[Context, None]) -> list[ScoreReview]:
        candidate_id = _readable(info, self.id)
        loader = info.context.loader("records.reviews", batch_many(info.context, _reviews))
        return await loader.load(candidate_id)

    @strawberry.field(description="What is still needed to graduate; null until a major is chosen.")
    async def graduation_audit(self, info: Info[Context, None]) -> GraduationAudit | None:
        candidate_id = _readable(info, self.id)
        loader = info.context.loader("records.audits", batch_one(info.context, _audits))
        return await loader.load(candidate_id)


def _readable(info: Info[Context, None], id: strawberry.ID) -> uuid.UUID:
    """The candidate's id, once the caller is known to be allowed to read their records."""
    principal = info.context.require_principal()
    try:
        candidate_id = uuid.UUID(str(id))
    except ValueError as error:
        raise NotFoundError("考生不存在") from error
    if not service.can_read_records(principal, candidate_id):
        raise ForbiddenError()
    return candidate_id


def parse_sitting(code: str) -> str:
    """A sitting code as the client sent it, once its shape is right."""
    if not _SITTING.match(code):
        raise InvalidInputError("sitting", "考次格式应为 YYYY-MM，如 2026-10")
    return code


async def _chosen_majors(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, Major]:
    found = await service.chosen_majors(session, ids)
    return {candidate_id: Major.from_model(major) for candidate_id, major in found.items()}


async def _exams(
    context: Context, session: AsyncSession, keys: list[CandidateSitting]
) -> Mapping[CandidateSitting, list[ExamRegistration]]:
    lapse = timedelta(minutes=records_settings(context.settings).unpaid_lapse_minutes)
    found = await service.exams(session, keys, now=utc_now(), lapse=lapse)
    return {key: [ExamRegistration.from_view(v) for v in views] for key, views in found.items()}


async def _results(
    _context: Context, session: AsyncSession, keys: list[CandidateSitting]
) -> Mapping[CandidateSitting, list[ExamResult]]:
    found = await service.published_results(session, keys, now=utc_now())
    return {key: [ExamResult.from_view(v) for v in views] for key, views in found.items()}


async def _passes(
    context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[PassedCourse]]:
    years = records_settings(context.settings).pass_validity_years
    found = await service.passed_courses(session, ids, now=utc_now(), validity_years=years)
    return {key: [PassedCourse.from_view(v) for v in views] for key, views in found.items()}


async def _reviews(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[ScoreReview]]:
    found = await service.score_reviews(session, ids)
    return {key: [ScoreReview.from_view(v) for v in views] for key, views in found.items()}


async def _audits(
    context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, GraduationAudit]:
    years = records_settings(context.settings).pass_validity_years
    found = await service.graduation_audits(session, ids, now=utc_now(), validity_years=years)
    return {key: GraduationAudit.from_audit(audit) for key, audit in found.items()}
