# mypy: disallow-untyped-decorators=False
"""Staff's candidate search in the graph: `searchCandidates(query, first, after)`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_identity.schema.candidate import Candidate
from zikao_identity.schema.common import Problems, answer
from zikao_identity.service import search
from zikao_identity.service.staff import STAFF_WORK
from zikao_kit.context import Context


@strawberry.type(description="A page of candidates found, by ticket number.")
class CandidateSearchPage:
    items: list[Candidate]
    next_cursor: str | None = strawberry.field(
        description="`after` of the next page; null on the last"
    )


SearchCandidatesResult = Annotated[
    CandidateSearchPage | Problems, strawberry.union("SearchCandidatesResult")
]


async def _search(
    info: Info[Context, None], query: str, first: int, after: str | None
) -> CandidateSearchPage:
    principal = info.context.require_principal(*STAFF_WORK)
    vault = info.context.extras["vault"]
    async with info.context.db() as session:
        page = await search.search_candidates(
            session, vault, principal, query, first=first, after=after
        )
    return CandidateSearchPage(
        items=[Candidate.from_view(view) for view in page.views], next_cursor=page.next_cursor
    )


@strawberry.type
class CandidateSearchQuery:
    @strawberry.field(
        description="Staff: candidates by name (its beginning), 12-digit ticket number or 18-digit"
        " ID number; district staff find their region's only. At most 100 a page."
    )
    async def search_candidates(
        self, info: Info[Context, None], query: str, first: int = 20, after: str | None = None
    ) -> SearchCandidatesResult:
        return await answer(_search(info, query, first, after))
