import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlmodel import col

from zikao_documents import service
from zikao_documents.app import create_app
from zikao_documents.links import signed_download_url
from zikao_documents.models import AuditEntry, DocumentRequest
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import WANZHOU, YUZHONG, MakeRequest
from zikao_documents.worker import WorkerDeps, render_document
from zikao_kit.auth import JwksKeySource, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.subgraph import ServiceState

KEY = Ed25519PrivateKey.generate()


def token(
    settings: DocumentsSettings, subject: str, role: str = "candidate", region: str | None = None
) -> dict[str, str]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject, "role": role, "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": now, "exp": now + 300,
    }  # fmt: skip
    if region is not None:
        claims["region"] = region
    signed = jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": "test"})
    return {"authorization": f"Bearer {signed}"}


@pytest.fixture
async def client(settings: DocumentsSettings, db: Sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, its sessions on the test's transaction and a verifier
    that trusts the test key."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state: ServiceState = app.state.zikao
        state.db = db
        if isinstance(state.verifier.keys, JwksKeySource):
            await state.verifier.keys.aclose()
        keys = StaticKeySource({"test": KEY.public_key()})
        state.verifier = TokenVerifier(
            keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
            yield client


@pytest.fixture
async def ready(make_request: MakeRequest, deps: WorkerDeps) -> DocumentRequest:
    """A rendered admission ticket of a candidate of 万州区."""
    document = await make_request(region=WANZHOU)
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    return document


def path(document: DocumentRequest | uuid.UUID) -> str:
    document_id = document.id if isinstance(document, DocumentRequest) else document
    return f"/documents/{document_id}/download"


def signed(settings: DocumentsSettings, document_id: uuid.UUID) -> str:
    url = signed_download_url(settings.public_url, settings.link_key, document_id, ttl_seconds=60)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_a_signed_link_downloads_the_pdf(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings,
    storage: LocalStorage,
) -> None:  # fmt: skip
    response = await client.get(signed(settings, ready.id))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    assert response.content == await storage.read(
        f"{ready.id}/{hashlib.sha256(response.content).hexdigest()}.pdf"
    )


@pytest.mark.parametrize(
    "query",
    [
        "expires=1000&signature=x",
        "expires=99999999999&signature=AAAA",
        "signature=only",
        "expires=1",
    ],
)
async def test_a_bad_or_expired_link_is_refused(
    client: httpx.AsyncClient, ready: DocumentRequest, query: str
) -> None:
    response = await client.get(f"{path(ready)}?{query}")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_link_for_another_document_is_refused(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    other = signed(settings, uuid.uuid4())
    response = await client.get(path(ready) + "?" + other.split("?", 1)[1])
    assert response.status_code == 403


async def test_the_owner_and_staff_of_the_candidate_download_with_their_token(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    readers = [
        token(settings, str(ready.candidate_id), region=WANZHOU),
        token(settings, "s-wanzhou", "staff", WANZHOU),
        token(settings, "s-province", "staff"),
        token(settings, "a1", "admin"),
        token(settings, "records", "service"),
    ]
    for headers in readers:
        response = await client.get(path(ready), headers=headers)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")


async def test_others_are_refused(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    assert (await client.get(path(ready))).status_code == 401
    bad = {"authorization": "Bearer not-a-token"}
    assert (await client.get(path(ready), headers=bad)).status_code == 401
    for someone in (
        token(settings, str(uuid.uuid4())),
        token(settings, "s-yuzhong", "staff", YUZHONG),
        token(settings, "auditor-1", "auditor"),
    ):
        response = await client.get(path(ready), headers=someone)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def _entries(db: Sessionmaker) -> list[AuditEntry]:
    async with db() as session:
        return list((await session.execute(select(AuditEntry))).scalars().all())


async def test_staff_downloads_are_audited_and_the_candidates_own_are_not(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings,
    db: Sessionmaker,
) -> None:  # fmt: skip
    await client.get(path(ready), headers=token(settings, str(ready.candidate_id)))
    await client.get(signed(settings, ready.id))
    await client.get(path(ready), headers=token(settings, "s-yuzhong", "staff", YUZHONG))
    assert await _entries(db) == []
    response = await client.get(path(ready), headers=token(settings, "s-wanzhou", "staff", WANZHOU))
    assert response.status_code == 200
    [entry] = await _entries(db)
    assert (entry.actor, entry.actor_role, entry.action) == (
        "s-wanzhou",
        "staff",
        service.DOWNLOAD_DOCUMENT,
    )
    assert (entry.candidate_id, entry.target) == (ready.candidate_id, str(ready.id))
    assert entry.detail == {"kind": "ADMISSION_TICKET", "sitting": "2026-10"}


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


HOSTILE = ["x" * 10_000, "\u202e", "\u200b", "😀", "%00", "\x00", "\ufeff", "' OR 1=1 --"]


@pytest.mark.parametrize("text", HOSTILE)
async def test_a_hostile_path_is_not_found(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings, text: str
) -> None:
    staff = token(settings, "s-province", "staff")
    for document_id in (text, f"{ready.id}{text}", f"{text}{ready.id}"):
        response = await client.get(f"/documents/{quote(document_id)}/download", headers=staff)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


DIGITS_ONLY = uuid.UUID("12345678-1234-4234-8234-123456789012")


async def test_a_full_width_spelling_of_an_id_names_no_document(
    client: httpx.AsyncClient, make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker,
    settings: DocumentsSettings,
) -> None:  # fmt: skip
    document = await make_request()
    async with db.begin() as session:  # an id of digits only, which int() also reads full-width
        await session.execute(
            update(DocumentRequest)
            .where(col(DocumentRequest.id) == document.id)
            .values(id=DIGITS_ONLY)
        )
    assert await render_document({"deps": deps}, str(DIGITS_ONLY)) == "ready"
    staff = token(settings, "s-province", "staff")
    assert (await client.get(path(DIGITS_ONLY), headers=staff)).status_code == 200
    response = await client.get(f"/documents/{fullwidth(str(DIGITS_ONLY))}/download", headers=staff)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_link_parameters_are_refused(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings, text: str
) -> None:
    query = parse_qs(urlsplit(signed(settings, ready.id)).query)
    expires, signature = query["expires"][0], query["signature"][0]
    for bad in (f"expires={quote(text)}&signature={signature}",
                f"expires={expires}&signature={quote(text)}",
                f"expires={expires}{quote(text)}&signature={signature}",
                f"expires={expires}&signature={signature}{quote(text)}"):  # fmt: skip
        response = await client.get(f"{path(ready)}?{bad}")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def test_a_link_with_a_full_width_expiry_is_refused(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    query = parse_qs(urlsplit(signed(settings, ready.id)).query)
    wide = quote(fullwidth(query["expires"][0]))
    response = await client.get(f"{path(ready)}?expires={wide}&signature={query['signature'][0]}")
    assert response.status_code == 403


async def test_unknown_and_unfinished_documents(
    client: httpx.AsyncClient, make_request: MakeRequest, settings: DocumentsSettings
) -> None:
    staff = token(settings, "s1", "staff")
    assert (await client.get(path(uuid.uuid4()), headers=staff)).status_code == 404
    assert (await client.get("/documents/nope/download", headers=staff)).status_code == 404
    pending = await make_request()
    response = await client.get(signed(settings, pending.id))
    assert response.status_code == 409
    assert response.json()["code"] == "document_not_ready"


async def test_a_file_that_no_longer_matches_its_hash_is_not_served(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings,
    storage: LocalStorage, db: Sessionmaker, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    async with db() as session:
        stored = await session.get(DocumentRequest, ready.id)
    assert stored is not None
    assert stored.storage_key is not None
    await storage.write(stored.storage_key, b"%PDF-1.4 forged")
    response = await client.get(signed(settings, ready.id))
    assert response.status_code == 409
    assert response.json()["code"] == "document_integrity"
    assert "does not match its sha256" in caplog.text


AUDIT = "/internal/audit"


async def test_the_audit_trail_answers_internal_callers_with_filters(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    for who in ("s-wanzhou", "s-wanzhou-2"):
        staff = token(settings, who, "staff", WANZHOU)
        assert (await client.get(path(ready), headers=staff)).status_code == 200
    caller = token(settings, "identity", "service")
    query = {"candidate_id": str(ready.candidate_id), "action": service.DOWNLOAD_DOCUMENT}
    response = await client.post(AUDIT, json=query, headers=caller)
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [e["actor"] for e in entries] == ["s-wanzhou-2", "s-wanzhou"]  # newest first
    assert {e["service"] for e in entries} == {"documents"}
    assert {e["target"] for e in entries} == {str(ready.id)}
    one = await client.post(AUDIT, json={**query, "actor": "s-wanzhou"}, headers=caller)
    assert [e["actor"] for e in one.json()["entries"]] == ["s-wanzhou"]
    other = await client.post(AUDIT, json={"candidate_id": str(uuid.uuid4())}, headers=caller)
    assert other.json()["entries"] == []


async def test_the_audit_trail_is_for_internal_callers_only(
    client: httpx.AsyncClient, ready: DocumentRequest, settings: DocumentsSettings
) -> None:
    assert (await client.post(AUDIT, json={})).status_code == 401
    for headers in (
        token(settings, "s-province", "staff"),
        token(settings, "a1", "admin"),
        token(settings, "auditor-1", "auditor"),
        token(settings, str(ready.candidate_id), region=WANZHOU),
    ):
        response = await client.post(AUDIT, json={}, headers=headers)
        assert response.status_code == 403
    bad = await client.post(AUDIT, content=b"{", headers=token(settings, "identity", "service"))
    assert bad.status_code == 400
