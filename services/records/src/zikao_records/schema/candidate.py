"""Records' fields of the `Candidate` entity (identity owns the entity's other fields).

Each field checks the caller by the one rule of `zikao_kit.access`, with the region records knows
for the candidate, then loads through a DataLoader: N candidates in one request cost one query
for their regions and one per field, not N.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from zikao_kit import access, answer_cache, clock
from zikao_kit.auth import Role
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import NotFoundError
from zikao_records.repository.base import CandidateSitting
from zikao_records.schema.catalogue import Major
from zikao_records.schema.certificates import CertificateApplication
from zikao_records.schema.common import batch_many, batch_one, parse_sitting, unpaid_lapse
from zikao_records.schema.exemptions import Exemption, Transfer
from zikao_records.schema.graduation import GraduationAudit
from zikao_records.schema.graduation_applications import GraduationApplication
from zikao_records.schema.scores import ExamResult, PassedCourse, ScoreReview
from zikao_records.schema.signup import ExamRegistration
from zikao_records.schema.violations import Violation
from zikao_records.service import (
    certificates,
    exemptions,
    graduation,
    graduation_applications,
    results_cache,
    scope,
    scores,
    signup,
    sittings,
    violations,
)
from zikao_records.settings import records_settings


@strawberry.federation.type(keys=["id"], description="A candidate (考生).")
class Candidate:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Candidate:
        return cls(id=id)

    @strawberry.field(description="The chosen major; null until one is chosen.")
    async def major(self, info: Info[Context, None]) -> Major | None:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.major", batch_one(info.context, _chosen_majors))
        return await loader.load(candidate_id)

    @strawberry.field(description="Live sign-ups for the sitting (paid, or unpaid and not lapsed).")
    async def exams(self, info: Info[Context, None], sitting: str) -> list[ExamRegistration]:
        key = (await _readable(info, self.id), parse_sitting(sitting))
        loader = info.context.loader("records.exams", batch_many(info.context, _exams))
        return await loader.load(key)

    @strawberry.field(description="The sitting's results; empty until its scores are published.")
    async def results(self, info: Info[Context, None], sitting: str) -> list[ExamResult]:
        key = (await _readable(info, self.id), parse_sitting(sitting))
        loader = info.context.loader("records.results", batch_many(info.context, _results))
        return await loader.load(key)

    @strawberry.field(description="The best valid pass of each course, exemptions included.")
    async def passed_courses(self, info: Info[Context, None]) -> list[PassedCourse]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.passes", batch_many(info.context, _passes))
        return await loader.load(candidate_id)

    @strawberry.field(description="Score reviews asked for, newest first.")
    async def score_reviews(self, info: Info[Context, None]) -> list[ScoreReview]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.reviews", batch_many(info.context, _reviews))
        return await loader.load(candidate_id)

    @strawberry.field(description="Course certificate applications (课程合格证书), newest first.")
    async def certificate_applications(
        self, info: Info[Context, None]
    ) -> list[CertificateApplication]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.certificates", batch_many(info.context, _certs))
        return await loader.load(candidate_id)

    @strawberry.field(description="Exemptions (免考) and the certificates granting them.")
    async def exemptions(self, info: Info[Context, None]) -> list[Exemption]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.exemptions", batch_many(info.context, _exemptions))
        return await loader.load(candidate_id)

    @strawberry.field(description="Passes brought in from other provinces (转考).")
    async def transfers(self, info: Info[Context, None]) -> list[Transfer]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.transfers", batch_many(info.context, _transfers))
        return await loader.load(candidate_id)

    @strawberry.field(description="Violations (违规) and their sanctions, newest first.")
    async def violations(self, info: Info[Context, None]) -> list[Violation]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.violations", batch_many(info.context, _violations))
        return await loader.load(candidate_id)

    @strawberry.field(description="What is still needed to graduate; null until a major is chosen.")
    async def graduation_audit(self, info: Info[Context, None]) -> GraduationAudit | None:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.audits", batch_one(info.context, _audits))
        return await loader.load(candidate_id)

    @strawberry.field(description="Applications to graduate (毕业申请) and where they stand.")
    async def graduation_applications(
        self, info: Info[Context, None]
    ) -> list[GraduationApplication]:
        candidate_id = await _readable(info, self.id)
        loader = info.context.loader("records.graduations", batch_many(info.context, _graduations))
        return await loader.load(candidate_id)


@strawberry.type
class CandidateQuery:
    # Identity answers the same field: a query of records' fields only (this sitting's
    # results, the passed courses) is then planned to records alone, one subgraph call.
    @strawberry.federation.field(shareable=True, description="The signed-in candidate.")
    def me(self, info: Info[Context, None]) -> Candidate:
        principal = info.context.require_principal()
        return Candidate(id=strawberry.ID(str(principal.candidate_id)))


async def _readable(info: Info[Context, None], id: strawberry.ID) -> uuid.UUID:
    """The candidate's id, once the caller may read their records (`zikao_kit.access`, with
    the region records knows for them, loaded for all the request's candidates at once)."""
    principal = info.context.require_principal()
    try:
        candidate_id = uuid.UUID(str(id))
    except ValueError as error:
        raise NotFoundError("考生不存在") from error
    if principal.role is Role.CANDIDATE:  # themself or nobody: the rule needs no region
        access.ensure_may_read_candidate(principal, candidate_id, None)
        return candidate_id
    loader = info.context.loader("records.regions", batch_one(info.context, _regions))
    access.ensure_may_read_candidate(principal, candidate_id, await loader.load(candidate_id))
    return candidate_id


async def _regions(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, str]:
    return await scope.candidate_regions(session, ids)


async def _chosen_majors(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, Major]:
    found = await signup.chosen_majors(session, ids)
    return {candidate_id: Major.from_model(major) for candidate_id, major in found.items()}


async def _exams(
    context: Context, session: AsyncSession, keys: list[CandidateSitting]
) -> Mapping[CandidateSitting, list[ExamRegistration]]:
    lapse = unpaid_lapse(context)
    found = await signup.exams(session, keys, now=utc_now(), lapse=lapse)
    return {key: [ExamRegistration.from_view(v) for v in views] for key, views in found.items()}


async def _results(
    context: Context, session: AsyncSession, keys: list[CandidateSitting]
) -> Mapping[CandidateSitting, list[ExamResult]]:
    now = utc_now()
    found = await results_cache.published_results(context, session, keys, now=now)
    _vouch_for_results(context, keys, found, now)
    return {key: [ExamResult.from_line(line) for line in lines] for key, lines in found.items()}


def _vouch_for_results(
    context: Context,
    keys: list[CandidateSitting],
    found: Mapping[CandidateSitting, object],
    now: datetime,
) -> None:
    """Tells the gateway it may keep the answer (`zikao_kit.answer_cache`) while nothing
    changes: results of published sittings only (until a correction, which invalidates their
    tag), and never past the caller's token."""
    if any(key not in found for key in keys):
        # a sitting not published yet: its empty answer must not be kept
        answer_cache.hints(context).never()
        return
    tags = [results_cache.results_tag(c, s) for c, s in keys]
    tags += [results_cache.sitting_tag(s) for s in {s for _, s in keys}]
    _vouch(context, tags, now)


async def _passes(
    context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[PassedCourse]]:
    settings = records_settings(context.settings)
    now = utc_now()
    found = await scores.passed_courses(
        session,
        ids,
        now=now,
        validity_years=settings.pass_validity_years,
        transfers=exemptions.transfer_rule(settings),
    )
    await _vouch_for_passes(context, session, ids, now)
    return {key: [PassedCourse.from_view(v) for v in views] for key, views in found.items()}


async def _vouch_for_passes(
    context: Context, session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> None:
    """Tells the gateway it may keep the answer while the passes cannot have changed: every
    records mutation drops it (`results_cache.tags_after_mutation`), and it is never kept past
    what changes them unannounced: Beijing's next midnight (a pass's validity runs out on a
    day), the next scheduled publication of any sitting, the caller's token."""
    publication = await sittings.next_publication(session, now)
    tags = [results_cache.passes_tag(candidate_id) for candidate_id in ids]
    _vouch(
        context,
        [*tags, results_cache.PASSES_TAG],
        now,
        clock.next_beijing_midnight(now),
        publication,
    )


def _vouch(context: Context, tags: list[str], now: datetime, *until: datetime | None) -> None:
    """Lets the gateway keep the answer under `tags` for `RECORDS_ANSWER_KEEP_SECONDS` at most,
    never past the caller's token nor any moment of `until` (None: no such moment)."""
    hints = answer_cache.hints(context)
    principal = context.principal
    if principal is None:
        hints.never()
        return
    seconds = min(
        records_settings(context.settings).answer_keep_seconds,
        int(principal.expires_at - now.timestamp()),
        *(int((moment - now).total_seconds()) for moment in until if moment is not None),
    )
    if seconds <= 0:
        hints.never()
        return
    hints.keep(tags, seconds)


async def _reviews(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[ScoreReview]]:
    found = await scores.score_reviews(session, ids)
    return {key: [ScoreReview.from_view(v) for v in views] for key, views in found.items()}


async def _audits(
    context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, GraduationAudit]:
    settings = records_settings(context.settings)
    found = await graduation.graduation_audits(
        session,
        ids,
        now=utc_now(),
        validity_years=settings.pass_validity_years,
        transfers=exemptions.transfer_rule(settings),
    )
    return {key: GraduationAudit.from_audit(audit) for key, audit in found.items()}


async def _graduations(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[GraduationApplication]]:
    found = await graduation_applications.applications_of(session, ids)
    return {k: [GraduationApplication.from_view(v) for v in views] for k, views in found.items()}


async def _certs(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[CertificateApplication]]:
    found = await certificates.applications_of(session, ids)
    return {k: [CertificateApplication.from_view(v) for v in views] for k, views in found.items()}


async def _exemptions(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[Exemption]]:
    found = await exemptions.exemptions_of(session, ids)
    return {key: [Exemption.from_view(v) for v in views] for key, views in found.items()}


async def _transfers(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[Transfer]]:
    found = await exemptions.transfers_of(session, ids)
    return {key: [Transfer.from_view(v) for v in views] for key, views in found.items()}


async def _violations(
    _context: Context, session: AsyncSession, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, list[Violation]]:
    found = await violations.violations_of(session, ids)
    return {key: [Violation.from_view(v) for v in views] for key, views in found.items()}
