# mypy: disallow-untyped-decorators=False
"""成绩合并, identity's part in the graph: `cancelMergedCandidate` (records calls it with the
staff member's own token while it moves the duplicate's records; see records' merges)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_identity.schema.candidate import Candidate
from zikao_identity.schema.common import Problems, answer
from zikao_identity.service import merges
from zikao_identity.service.staff import STAFF_WORK
from zikao_kit.context import Context
from zikao_kit.errors import InvalidInputError


@strawberry.type(description="The duplicate record is cancelled, merged into the kept one.")
class CandidateMergedAway:
    candidate: Candidate
    repeated: bool = strawberry.field(description="it was merged into the same one before")


CancelMergedCandidateResult = Annotated[
    CandidateMergedAway | Problems, strawberry.union("CancelMergedCandidateResult")
]


def _id(raw: strawberry.ID, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise InvalidInputError(field, "考生编号格式不正确") from None


async def _cancel(
    info: Info[Context, None], raw_id: strawberry.ID, raw_kept: strawberry.ID, reason: str
) -> CandidateMergedAway:
    actor = info.context.require_principal(*STAFF_WORK)
    candidate_id, kept_id = _id(raw_id, "candidateId"), _id(raw_kept, "keptId")
    async with info.context.db.begin() as session:
        done = await merges.cancel_merged(session, actor, candidate_id, kept_id, reason)
    found = await Candidate.resolve_reference(info, strawberry.ID(str(done.candidate.id)))
    if found is None:  # provincial staff read every record
        raise RuntimeError("a merged candidate could not be read back")
    return CandidateMergedAway(candidate=found, repeated=done.repeated)


@strawberry.type
class CandidateMergeMutation:
    @strawberry.mutation(
        description="Provincial staff: cancel a duplicate ticket number merged into another"
        " candidate (成绩合并); audited. Use records' mergeCandidates, which calls this."
    )
    async def cancel_merged_candidate(
        self,
        info: Info[Context, None],
        candidate_id: strawberry.ID,
        kept_id: strawberry.ID,
        reason: str,
    ) -> CancelMergedCandidateResult:
        return await answer(_cancel(info, candidate_id, kept_id, reason))
