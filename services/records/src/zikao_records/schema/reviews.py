"""Score reviews (成绩复查) in the graph: `requestScoreReview`, served as
`clients/candidate.graphql` sends it, and staff's `answerScoreReview` (audited). A candidate's
reviews are read on the `Candidate` entity (`scoreReviews`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.problems import RateLimited
from zikao_records import models, text
from zikao_records.schema.common import (
    Problems,
    answer,
    parse_id,
    parse_sitting,
    staff_principal,
)
from zikao_records.schema.scores import ScoreReview
from zikao_records.service import holidays, results_cache, reviews
from zikao_records.settings import records_settings

MAX_REASON = 200
MAX_SCORE = 100


@strawberry.type(description="The review is asked for; staff answer within about 15 days.")
class ScoreReviewRequested:
    review: ScoreReview


@strawberry.type(description="The review is answered: the score stands, or it is corrected.")
class ScoreReviewAnswered:
    review: ScoreReview


RequestScoreReviewResult = Annotated[
    ScoreReviewRequested | Problems | RateLimited, strawberry.union("RequestScoreReviewResult")
]
AnswerScoreReviewResult = Annotated[
    ScoreReviewAnswered | Problems, strawberry.union("AnswerScoreReviewResult")
]


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation(
        description="Ask, free, for a score of a published sitting to be re-checked (成绩复查), "
        "within its review window; once per course and sitting."
    )
    async def request_score_review(
        self,
        info: Info[Context, None],
        sitting: str,
        course_code: str,
        reason: str | None = None,
    ) -> RequestScoreReviewResult:
        async def run() -> ScoreReviewRequested:
            principal = info.context.require_principal()
            request = reviews.ReviewRequest(
                candidate_id=principal.candidate_id,
                sitting_code=parse_sitting(sitting),
                course_code=text.code(course_code, "courseCode", text.COURSE_CODE),
                reason=None if reason is None else text.plain(reason, "reason", MAX_REASON),
            )
            windows = holidays.windows(records_settings(info.context.settings))
            async with info.context.db.begin() as session:
                view = await reviews.request_review(
                    session, request, windows=windows, now=utc_now()
                )
            return ScoreReviewRequested(review=ScoreReview.from_view(view))

        return await answer(run)

    @strawberry.mutation(
        description="Staff of the candidate's region (or province-wide): answer a review; "
        "correctedScore null (or the same score) keeps the score, another corrects the result "
        "(audited)."
    )
    async def answer_score_review(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        corrected_score: int | None = None,
    ) -> AnswerScoreReviewResult:
        async def run() -> ScoreReviewAnswered:
            principal = staff_principal(info)
            score = corrected_score
            if score is not None:
                text.within(score, "correctedScore", 0, MAX_SCORE)
            reply = reviews.ReviewAnswer(review_id=parse_id(id), corrected_score=score)
            async with info.context.db.begin() as session:
                view = await reviews.answer_review(session, principal, reply, now=utc_now())
            if view.review.status is models.ReviewStatus.CORRECTED:  # after the commit
                corrected = view.review
                await results_cache.invalidate(
                    info.context, corrected.candidate_id, corrected.sitting_code
                )
            return ScoreReviewAnswered(review=ScoreReview.from_view(view))

        return await answer(run)
