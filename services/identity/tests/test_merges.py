"""成绩合并, identity's part: a duplicate record cancelled into the kept one, audited, no log-in."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from zikao_identity.deps import IdentityDeps
from zikao_identity.models import AuditEntry, Candidate
from zikao_identity.service import login, sessions
from zikao_identity.testing import Gql, MakeCandidate, an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker

PROVINCIAL = Principal("staff-p", Role.STAFF)
ADMIN = Principal("admin-1", Role.ADMIN)
SHAPINGBA = Principal("staff-1", Role.STAFF, region_code="0106")

CANCEL = """mutation($id: ID!, $kept: ID!, $reason: String!) {
  cancelMergedCandidate(candidateId: $id, keptId: $kept, reason: $reason) { __typename
  ... on CandidateMergedAway { repeated candidate { id mergedIntoId cancelledAt } }
  ... on InvalidInput { field code } ... on Problem { code } } }"""
REASON = "同一考生两次报名"


async def cancel(
    gql: Gql, principal: Principal, merged: Any, kept: Any, reason: str = REASON
) -> Any:
    variables = {"id": str(merged), "kept": str(kept), "reason": reason}
    return (await gql(CANCEL, variables, principal))["cancelMergedCandidate"]


async def audit_count(db: Sessionmaker) -> int:
    async with db() as session:
        statement = select(func.count()).where(AuditEntry.action == "merge_candidate")
        return int((await session.execute(statement)).scalar_one())


async def test_the_duplicate_is_cancelled_once_and_audited(
    gql: Gql, make_candidate: MakeCandidate, db: Sessionmaker
) -> None:
    kept, merged = await make_candidate(an_id_number(1)), await make_candidate(an_id_number(2))
    done = await cancel(gql, PROVINCIAL, merged.id, kept.id)
    assert done["__typename"] == "CandidateMergedAway"
    assert done["repeated"] is False
    assert done["candidate"]["mergedIntoId"] == str(kept.id)
    assert done["candidate"]["cancelledAt"] is not None
    again = await cancel(gql, ADMIN, merged.id, kept.id)
    assert again["repeated"] is True
    assert await audit_count(db) == 1
    async with db() as session:
        [entry] = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "merge_candidate"))
        ).scalars()
    assert (entry.candidate_id, entry.target, entry.reason) == (
        merged.id,
        f"candidate:{kept.id}",
        REASON,
    )


async def test_refusals_change_nothing(
    gql: Gql, make_candidate: MakeCandidate, db: Sessionmaker
) -> None:
    kept, merged = await make_candidate(an_id_number(3)), await make_candidate(an_id_number(4))
    other = await make_candidate(an_id_number(5))
    cases = [
        (SHAPINGBA, merged.id, kept.id, REASON, "Forbidden", None),
        (PROVINCIAL, merged.id, merged.id, REASON, "InvalidInput", "same_candidate"),
        (PROVINCIAL, merged.id, kept.id, "", "InvalidInput", None),
        (PROVINCIAL, merged.id, uuid.uuid4(), REASON, "NotFound", None),
        (PROVINCIAL, "not-an-id", kept.id, REASON, "InvalidInput", None),
    ]
    for principal, one, two, reason, kind, code in cases:
        answer = await cancel(gql, principal, one, two, reason)
        assert answer["__typename"] == kind, answer
        if code:
            assert answer["code"] == code
    assert await audit_count(db) == 0
    await cancel(gql, PROVINCIAL, merged.id, kept.id)
    into_other = await cancel(gql, PROVINCIAL, merged.id, other.id)
    assert into_other["code"] == "already_merged"
    onto_cancelled = await cancel(gql, PROVINCIAL, other.id, merged.id)
    assert onto_cancelled["code"] == "kept_candidate_cancelled"
    async with db() as session:
        row = await session.get(Candidate, other.id)
    assert row is not None
    assert row.cancelled_at is None
    assert await audit_count(db) == 1


async def test_a_cancelled_record_no_longer_logs_in_and_its_sessions_end(
    gql: Gql, make_candidate: MakeCandidate, db: Sessionmaker, deps: IdentityDeps
) -> None:
    kept, merged = await make_candidate(an_id_number(6)), await make_candidate(an_id_number(7))
    async with db.begin() as session:
        issued = await login.log_in_candidate(
            session, deps, login=merged.ticket_number, password="correct horse battery",
            client="10.0.0.1",
        )  # fmt: skip
    await cancel(gql, PROVINCIAL, merged.id, kept.id)
    async with db.begin() as session:
        with pytest.raises(sessions.SessionEndedError):
            await sessions.rotate(session, issued.refresh_token)
    async with db.begin() as session:
        with pytest.raises(login.InvalidCredentialsError):
            await login.log_in_candidate(
                session, deps, login=merged.ticket_number, password="correct horse battery",
                client="10.0.0.2",
            )  # fmt: skip
