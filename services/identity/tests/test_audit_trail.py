"""The audit trail through the graph: identity's own entries and another service's, served by
kit's real `POST /internal/audit` over a real table (mounted in process), merged newest first,
filtered, paged by cursor, actors named; a source that is down or refuses is named in
`unavailable` and the query still answers."""

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from starlette.applications import Starlette

from zikao_identity import models
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.service import staff
from zikao_identity.testing import MakeCandidate, an_id_number
from zikao_identity.tokens import TokenSigner
from zikao_kit.audit import AuditColumns, audit_route, record
from zikao_kit.auth import Principal, Role, StaticKeySource, TokenVerifier
from zikao_kit.clock import in_beijing
from zikao_kit.db import Sessionmaker, schema_registry
from zikao_kit.testing import make_context, taking_turns

AUDITOR = Principal("auditor-1", Role.AUDITOR)
RECORDS = "http://records.test/internal/audit"
PAGE = """query($first: Int!, $after: String, $actor: String, $action: String,
  $candidate: ID, $since: DateTime, $until: DateTime) {
  auditTrail(first: $first, after: $after, actor: $actor, action: $action,
    candidateId: $candidate, since: $since, until: $until) {
  nextCursor unavailable entries { id service at actor actorName actorRole action candidateId
    target reason detail { key value } } } }"""


class StandInModel(SQLModel, registry=schema_registry("public")):
    pass


class StandInEntry(AuditColumns, StandInModel, table=True):
    """Another service's audit table (records' has these columns too)."""

    __tablename__ = "audit_entry_stand_in"


@pytest.fixture
async def stand_in_table(db_connection: AsyncConnection) -> None:
    """Created in the test's transaction, so it goes with the rollback."""
    await db_connection.run_sync(StandInModel.metadata.create_all)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connections to it are refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def _stand_in(db: Sessionmaker, signer: TokenSigner, service: str) -> httpx.ASGITransport:
    verifier = TokenVerifier(
        StaticKeySource({signer.kid: signer.public_key}), issuer="zikao-identity", audience="zikao"
    )
    route = audit_route(
        service=service, model=StandInEntry, db=lambda: db, verifier=lambda: verifier
    )
    return httpx.ASGITransport(app=Starlette(routes=[route]))


@pytest.fixture
async def trail(
    stand_in_table: None,
    db: Sessionmaker,
    redis: Redis,
    deps: IdentityDeps,
    closed_port: int,
) -> Any:
    """Runs a query as `principal` with records served in process and documents down."""
    turns = taking_turns(db)  # the stand-in and the resolvers share the test's one connection
    down = f"http://127.0.0.1:{closed_port}/internal/audit"
    sources = f"records={RECORDS},documents={down}"
    settings = deps.settings.model_copy(update={"audit_sources": sources})
    mounted = IdentityDeps.create(settings, redis, deps.vault, deps.signer)

    async def run(
        query: str,
        variables: dict[str, Any],
        who: Principal = AUDITOR,
        signer: TokenSigner = deps.signer,
    ) -> Any:
        """`signer`: the key the stand-in trusts (identity's own unless a test says not)."""
        mounts = {"http://records.test": _stand_in(turns, signer, "records")}
        extras = {"vault": deps.vault, "deps": replace(mounted, audit_mounts=mounts)}
        context = make_context(turns, redis, settings, who, extras)
        return await schema.execute(query, variable_values=variables, context_value=context)

    return run


async def _other_service_entries(
    db: Sessionmaker, candidate: models.Candidate, start: datetime
) -> list[StandInEntry]:
    actors = [
        Principal(str(candidate.id), Role.CANDIDATE),
        Principal("service:documents", Role.SERVICE),
        Principal("demo-data", Role.ADMIN),
    ]
    async with db.begin() as session:
        entries = []
        for minutes, actor in enumerate(actors):
            entry = record(
                session,
                StandInEntry,
                actor,
                f"records_action_{minutes}",
                candidate_id=candidate.id,
                target=f"sitting:2027-0{minutes + 1}",
                detail={"courses": ["00015", "03708"], "fee": 80},
            )
            entry.at = start + timedelta(minutes=minutes)
            entries.append(entry)
    return entries


async def test_the_trail_merges_names_filters_and_pages(
    trail: Any, db: Sessionmaker, deps: IdentityDeps, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(an_id_number(801))
    async with db.begin() as session:
        account = await staff.create_staff(
            session,
            deps.blocklist,
            Principal("admin-1", Role.ADMIN),
            staff.NewStaff("liu.sp", "刘老师", Role.STAFF, "0106", "staff secret 2026"),
        )
    worker = Principal(str(account.id), Role.STAFF, region_code="0106")
    async with db.begin() as session:
        await staff.reveal_id_number(session, deps, worker, candidate.id, "核对报名信息")
    start = datetime.now(UTC) - timedelta(hours=1)
    await _other_service_entries(db, candidate, start)

    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = await trail(PAGE, {"first": 2, "after": after})
        assert page.errors is None, page.errors
        answer = page.data["auditTrail"]
        assert answer["unavailable"] == ["documents"]
        seen += answer["entries"]
        after = answer["nextCursor"]
        if after is None:
            break
    assert [(e["service"], e["action"]) for e in seen] == [
        ("identity", "reveal_id_number"),
        ("identity", "create_staff"),
        ("records", "records_action_2"),
        ("records", "records_action_1"),
        ("records", "records_action_0"),
    ]
    assert [(e["actorName"], e["actorRole"]) for e in seen] == [
        ("刘老师", "staff"),
        ("admin-1", "admin"),
        ("demo-data", "admin"),
        ("service:documents", "service"),
        (candidate.ticket_number, "candidate"),
    ]
    assert all(e["at"].endswith("+08:00") for e in seen)
    assert seen[1]["target"] == f"staff:{account.id}"
    assert {"key": "courses", "value": '["00015", "03708"]'} in seen[2]["detail"]
    assert {"key": "fee", "value": "80"} in seen[2]["detail"]

    async def actions(**filters: Any) -> list[str]:
        page = await trail(PAGE, {"first": 50, **filters})
        assert page.errors is None, page.errors
        return [e["action"] for e in page.data["auditTrail"]["entries"]]

    minute = in_beijing(start + timedelta(minutes=1)).isoformat()  # "…+08:00"
    assert await actions(actor=str(account.id)) == ["reveal_id_number"]
    assert await actions(action="create_staff") == ["create_staff"]
    assert await actions(candidate=str(candidate.id), until=minute) == ["records_action_0"]
    assert await actions(since=minute) == [
        "reveal_id_number",
        "create_staff",
        "records_action_2",
        "records_action_1",
    ]
    naive = await trail(PAGE, {"first": 5, "since": minute[:-6]})
    assert naive.errors is not None  # a time without an offset means nothing certain


async def test_a_source_that_refuses_is_unavailable_and_the_rest_answers(
    trail: Any, db: Sessionmaker, deps: IdentityDeps, make_candidate: MakeCandidate
) -> None:
    """Records answering 401 (it trusts another key) is as good as down."""
    candidate = await make_candidate(an_id_number(803))
    await _other_service_entries(db, candidate, datetime.now(UTC))
    stranger = TokenSigner.load(None, issuer="zikao-identity", audience="zikao")
    page = await trail(PAGE, {"first": 10}, signer=stranger)
    assert page.errors is None, page.errors
    assert page.data["auditTrail"]["unavailable"] == ["records", "documents"]
    assert page.data["auditTrail"]["entries"] == []


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 201}, "first"),
        ({"first": 5, "after": "not a cursor"}, "after"),
        ({"first": 5, "candidate": "not-a-uuid"}, "candidateId"),
        ({"first": 5, "action": "x" * 51}, "action"),
        ({"first": 5, "actor": "staff\u200f-1"}, "actor"),
    ],
)
async def test_malformed_filters_are_invalid_input(
    trail: Any, variables: dict[str, Any], field: str
) -> None:
    page = await trail(PAGE, variables)
    assert [e.extensions["code"] for e in page.errors] == ["invalid_input"]


@pytest.mark.parametrize(
    "who", [Principal("staff-1", Role.STAFF, region_code="0106"), Principal("s", Role.SERVICE)]
)
async def test_only_auditors_and_admins_read_the_trail(trail: Any, who: Principal) -> None:
    page = await trail(PAGE, {"first": 5, "after": "garbage"}, who)
    assert [e.extensions["code"] for e in page.errors] == ["forbidden"]


async def test_the_old_audit_log_reads_the_same_trail(
    trail: Any, db: Sessionmaker, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(an_id_number(805))
    await _other_service_entries(db, candidate, datetime.now(UTC) - timedelta(hours=1))
    old = "{ auditLog(limit: 2, offset: 1) { service action actorName } }"
    page = await trail(old, {})
    assert page.errors is None, page.errors
    assert page.data["auditLog"] == [
        {"service": "records", "action": "records_action_1", "actorName": "service:documents"},
        {"service": "records", "action": "records_action_0", "actorName": candidate.ticket_number},
    ]
