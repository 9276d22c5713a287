"""成绩合并 in the graph: `mergeCandidates(keptId, mergedId, reason)` (provincial staff): the
merged-away candidate's records move to the kept one and identity cancels its ticket number, in
one step (see `service.merges`)."""

from __future__ import annotations

import json
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.auth import bearer_token
from zikao_kit.context import Context
from zikao_kit.errors import UnauthenticatedError
from zikao_records.directory import identity_client
from zikao_records.schema.candidate import Candidate
from zikao_records.schema.common import Problems, answer, parse_id, staff_principal
from zikao_records.service import merges


@strawberry.type(description="Rows of one kind that moved to the kept candidate.")
class MovedRows:
    kind: str = strawberry.field(description="exam_result, score_review, exam_registration…")
    count: int


@strawberry.type(description="The duplicate's records are the kept candidate's; it is cancelled.")
class CandidatesMerged:
    kept: Candidate
    moved: list[MovedRows]
    dropped_results: list[str] = strawberry.field(
        description="results that lost to the kept candidate's of the same course and sitting"
        " (as JSON: sitting, course, score, grade, status, source)"
    )
    dropped_reviews: int
    closed_signups: int = strawberry.field(
        description="a course signed up twice: the second is refunded (paid) or cancelled"
    )
    repeated_in_identity: bool = strawberry.field(
        description="identity had cancelled the duplicate before (a merge completed again)"
    )


MergeCandidatesResult = Annotated[
    CandidatesMerged | Problems, strawberry.union("MergeCandidatesResult")
]


def _caller_token(info: Info[Context, None]) -> str:
    request = info.context.request
    token = bearer_token(request.headers.get("authorization")) if request is not None else None
    if token is None:
        raise UnauthenticatedError()
    return token


@strawberry.type
class MergesMutation:
    @strawberry.mutation(
        description="Provincial staff: merge a duplicate ticket number into the kept candidate"
        " (成绩合并); audited here and in identity."
    )
    async def merge_candidates(
        self, info: Info[Context, None], kept_id: strawberry.ID, merged_id: strawberry.ID,
        reason: str,
    ) -> MergeCandidatesResult:  # fmt: skip
        async def run() -> CandidatesMerged:
            principal = staff_principal(info)
            kept, merged, token = parse_id(kept_id), parse_id(merged_id), _caller_token(info)
            client = identity_client(info.context.extras)
            async with client.connected() as identity, info.context.db.begin() as session:

                async def cancel() -> bool:
                    return await identity.cancel_merged(token, merged, kept, reason)

                done = await merges.merge_candidates(
                    session, principal, kept=kept, merged=merged, reason=reason,
                    cancel_in_identity=cancel,
                )  # fmt: skip
            return CandidatesMerged(
                kept=Candidate(id=strawberry.ID(str(kept))),
                moved=[MovedRows(kind=k, count=n) for k, n in sorted(done.moved.items())],
                dropped_results=[json.dumps(r, ensure_ascii=False) for r in done.dropped_results],
                dropped_reviews=done.dropped_reviews,
                closed_signups=done.closed_signups,
                repeated_in_identity=done.repeated_in_identity,
            )

        return await answer(run)
