"""Hostile text at documents' doors, through the running system: the `document(id:)` argument
through the gateway and on documents' subgraph itself, the download route's path and link
parameters. Each answers a 4xx or an error with a stable code, never a 500 or a masked internal
error, and writes nothing (documents' row counts stay the same)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from e2e import RunningSystem

from zikao_devrun.zikao import base_url
from zikao_documents.links import signed_download_url
from zikao_documents.models import DocumentRequest
from zikao_documents.settings import DEV_LINK_KEY
from zikao_documents.testing import WANZHOU, request_ticket
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker

DOCUMENT = "query($id: ID!) { document(id: $id) { id downloadUrl } }"
NASTY = {
    "huge": "考" * 10_000,
    "right-to-left": "\u202e{id}",
    "zero-width": "{id}\u200b",
    "full-width": "full-width",
    "emoji": "{id}😀",
    "lone surrogate": "\ud800",
    "nul": "{id}\x00",
}


def _spell(template: str, document_id: uuid.UUID) -> str:
    if template == "full-width":
        return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in str(document_id))
    return template.replace("{id}", str(document_id))


@pytest.fixture(scope="module")
async def pending(zikao: RunningSystem) -> DocumentRequest:
    engine = create_engine(zikao.database_url, schema="documents", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            document = await request_ticket(session, region=WANZHOU, sitting="2040-10")
    finally:
        await engine.dispose()
    return document


async def _rows(database_url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM documents.document_request),"
            " (SELECT count(*) FROM documents.audit_entry)"
        )
        assert row is not None
        return row[0], row[1]
    finally:
        await connection.close()


DOORS = [
    *(pytest.param("gateway", t, id=f"gateway-{n}") for n, t in NASTY.items()),
    *(pytest.param("documents", t, id=f"documents-{n}") for n, t in NASTY.items()),
]


@pytest.mark.parametrize(("door", "template"), DOORS)
@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.STAFF, Role.ADMIN])
async def test_a_hostile_document_id_gets_a_stable_code(
    zikao: RunningSystem,
    client: httpx.AsyncClient,
    pending: DocumentRequest,
    door: str,
    template: str,
    role: Role,
) -> None:
    subject = str(pending.candidate_id) if role is Role.CANDIDATE else f"{role.value}-e2e"
    token = zikao.token(subject, role, WANZHOU if role is not Role.ADMIN else None)
    url = zikao.url if door == "gateway" else f"{base_url(zikao.ports.documents)}/graphql"
    before = await _rows(zikao.database_url)
    # ensure_ascii: a lone surrogate travels as the escape `\ud800`, as a hostile client sends it
    body = json.dumps({"query": DOCUMENT, "variables": {"id": _spell(template, pending.id)}})
    response = await client.post(
        url,
        content=body.encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert response.status_code < 500, response.text[:300]
    answer = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []]
    assert codes, answer
    assert "internal" not in codes, answer
    assert None not in codes, answer
    assert set(codes) <= {"invalid_id", "invalid_text"}, answer
    assert (answer.get("data") or {}).get("document") is None
    assert await _rows(zikao.database_url) == before


# Ten thousand characters in a URL: ASCII ones (ten thousand 考 would be a 90 KB URL, which
# clients refuse to send).
IN_URLS = {**NASTY, "huge": "x" * 10_000}


@pytest.mark.parametrize("template", IN_URLS.values(), ids=IN_URLS.keys())
async def test_a_hostile_download_path_or_link_is_refused(
    zikao: RunningSystem, client: httpx.AsyncClient, pending: DocumentRequest, template: str
) -> None:
    documents = base_url(zikao.ports.documents)
    staff = {"authorization": f"Bearer {zikao.token('staff-e2e', Role.STAFF, WANZHOU)}"}
    text = quote(_spell(template, pending.id).encode("utf-8", "surrogatepass"))
    before = await _rows(zikao.database_url)
    response = await client.get(f"{documents}/documents/{text}/download", headers=staff)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    link = signed_download_url(documents, DEV_LINK_KEY, pending.id, ttl_seconds=60)
    path, query = link.split("?", 1)
    expires, signature = (part.split("=", 1)[1] for part in query.split("&"))
    for bad in (f"expires={text}&signature={signature}", f"expires={expires}&signature={text}"):
        response = await client.get(f"{path}?{bad}")
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert await _rows(zikao.database_url) == before
