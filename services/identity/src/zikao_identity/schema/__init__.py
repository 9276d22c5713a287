"""Identity's part of the graph."""

from __future__ import annotations

import strawberry

from zikao_identity.schema.accounts import AccountMutation
from zikao_identity.schema.audit import AuditTrailQuery
from zikao_identity.schema.candidate import Candidate, CandidateQuery
from zikao_identity.schema.merges import CandidateMergeMutation
from zikao_identity.schema.recovery import RecoveryMutation
from zikao_identity.schema.search import CandidateSearchQuery
from zikao_identity.schema.staff import StaffMutation
from zikao_kit.graphql import build_schema


@strawberry.type
class Query(CandidateQuery, AuditTrailQuery, CandidateSearchQuery):
    pass


@strawberry.type
class Mutation(AccountMutation, RecoveryMutation, StaffMutation, CandidateMergeMutation):
    pass


schema = build_schema("identity", query=Query, mutation=Mutation, types=[Candidate])

__all__ = ["schema"]
