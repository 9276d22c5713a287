"""Documents' part of the graph, one module per area: documents (`Candidate.documents`,
`document`), a candidate's requests, staff's ticket batches, public verification."""

from __future__ import annotations

import strawberry

from zikao_documents.schema.batches import BatchMutation, BatchQuery
from zikao_documents.schema.documents import Candidate, Query
from zikao_documents.schema.requests import RequestsMutation
from zikao_documents.schema.verify import VerifyQuery
from zikao_kit.graphql import build_schema


@strawberry.type
class RootQuery(Query, VerifyQuery, BatchQuery):
    pass


@strawberry.type
class Mutation(RequestsMutation, BatchMutation):
    pass


schema = build_schema("documents", query=RootQuery, mutation=Mutation, types=[Candidate])

__all__ = ["schema"]
