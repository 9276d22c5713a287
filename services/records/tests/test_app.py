"""Records' app: the audit trail answers internal callers only (POST /internal/audit)."""

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zikao_kit import audit
from zikao_kit.auth import Principal, Role, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.settings import ServiceSettings
from zikao_records.app import create_app
from zikao_records.models import AuditEntry
from zikao_records.settings import RecordsSettings

KEY = Ed25519PrivateKey.generate()
KID = "test-key"
STAFF = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
CANDIDATE = uuid.uuid4()


def verifier(settings: ServiceSettings) -> TokenVerifier:
    keys = StaticKeySource({KID: KEY.public_key()})
    return TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def token(subject: str, role: Role) -> str:
    now = int(time.time())
    claims = {
        "sub": subject,
        "role": role.value,
        "iss": "zikao-identity",
        "aud": "zikao",
        "iat": now,
        "exp": now + 300,
    }
    return jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": KID})


@pytest.fixture
async def records_http(
    settings: RecordsSettings, db: Sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    """Records' app, its database the test's transaction."""
    app = create_app(settings, verifier_factory=verifier)
    async with app.router.lifespan_context(app):
        app.state.zikao.db = db
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            yield client


@pytest.fixture
async def entries(db: Sessionmaker) -> None:
    async with db.begin() as session:
        audit.record(
            session,
            AuditEntry,
            STAFF,
            "payment.recorded",
            candidate_id=CANDIDATE,
            target="sitting:2031-04",
            detail={"transactionId": "manual:RCPT-1"},
        )
        audit.record(session, AuditEntry, ADMIN, "venue.created", target="venue:x")
        audit.record(session, AuditEntry, ADMIN, "sitting.saved", target="sitting:2031-04")


async def ask(
    client: httpx.AsyncClient, query: dict[str, Any], bearer: str | None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
    return await client.post("/internal/audit", json=query, headers=headers)


@pytest.mark.usefixtures("entries")
async def test_internal_callers_read_the_trail_with_filters(
    records_http: httpx.AsyncClient,
) -> None:
    service = token("documents", Role.SERVICE)
    everything = await ask(records_http, {}, service)
    assert everything.status_code == 200
    assert {e["action"] for e in everything.json()["entries"]} >= {
        "payment.recorded",
        "venue.created",
        "sitting.saved",
    }
    mine = (await ask(records_http, {"candidate_id": str(CANDIDATE)}, service)).json()["entries"]
    assert [(e["service"], e["action"], e["actor"]) for e in mine] == [
        ("records", "payment.recorded", "staff-0103")
    ]
    assert mine[0]["candidate_id"] == str(CANDIDATE)
    by_admin = await ask(records_http, {"actor": "admin-1", "action": "venue.created"}, service)
    assert [e["target"] for e in by_admin.json()["entries"]] == ["venue:x"]
    malformed = await ask(records_http, {"candidate_id": "x"}, service)
    assert (malformed.status_code, malformed.json()) == (400, {"error": "invalid_input"})


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN, Role.AUDITOR, Role.CANDIDATE])
async def test_only_the_service_role_reads_it(records_http: httpx.AsyncClient, role: Role) -> None:
    subject = str(CANDIDATE) if role is Role.CANDIDATE else "someone"
    refused = await ask(records_http, {}, token(subject, role))
    assert (refused.status_code, refused.json()) == (403, {"error": "forbidden"})


async def test_without_a_token_it_answers_401(records_http: httpx.AsyncClient) -> None:
    anonymous = await ask(records_http, {}, None)
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "unauthenticated"})
    forged = await ask(records_http, {}, "not-a-token")
    assert forged.status_code == 401
