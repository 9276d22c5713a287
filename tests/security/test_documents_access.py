"""Documents end to end under the one read rule: district staff read their own district's
candidates' documents only (the list, one document, the download), provincial staff and admins
read every district's; staff downloads land in documents' audit trail, which only internal
callers read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e import RunningSystem, graphql

from zikao_devrun.zikao import base_url
from zikao_documents import service
from zikao_documents.models import DocumentRequest
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import WANZHOU, YUZHONG, request_ticket
from zikao_documents.worker import WorkerDeps, render_document
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker

DOCUMENT = "query($id: ID!) { document(id: $id) { id status downloadUrl } }"
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { id documents { id } } } }"""


@dataclass(frozen=True)
class Ready:
    """A rendered admission ticket of a candidate of 万州区 and one of 渝中区."""

    wanzhou: DocumentRequest
    yuzhong: DocumentRequest


async def _request_and_render(zikao: RunningSystem, region: str) -> DocumentRequest:
    """The candidate asks (their token's region is kept); the renderer runs in this process on
    the storage folder the running documents service reads (the session's work folder)."""
    assert zikao.system.log_dir is not None
    storage = LocalStorage(Path(zikao.system.log_dir).parent / "documents")
    settings = DocumentsSettings(database_url=zikao.database_url, storage_dir=storage.root)
    engine = create_engine(zikao.database_url, schema="documents", pool_size=1)
    db = create_sessionmaker(engine)
    try:
        async with db.begin() as session:
            document = await request_ticket(session, region=region, sitting="2040-10")
        deps = WorkerDeps(settings=settings, db=db, storage=storage)
        assert await render_document({"deps": deps}, str(document.id)) == "ready"
        return document
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def ready(zikao: RunningSystem) -> Ready:
    return Ready(
        await _request_and_render(zikao, WANZHOU), await _request_and_render(zikao, YUZHONG)
    )


def tokens(zikao: RunningSystem) -> dict[str, str]:
    return {
        "yuzhong": zikao.token("staff-yuzhong-e2e", Role.STAFF, YUZHONG),
        "wanzhou": zikao.token("staff-wanzhou-e2e", Role.STAFF, WANZHOU),
        "province": zikao.token("staff-province-e2e", Role.STAFF),
        "admin": zikao.token("admin-e2e", Role.ADMIN),
    }


async def _document(client: httpx.AsyncClient, zikao: RunningSystem, token: str, id: Any) -> Any:
    response = await graphql(client, zikao.url, DOCUMENT, {"id": str(id)}, token)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["document"]


async def _listed(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str, candidate_id: uuid.UUID
) -> list[str]:
    """The candidate's documents as documents' subgraph answers the entity (district staff
    reach no other district's candidate through identity, so the gateway would not ask)."""
    url = f"{base_url(zikao.ports.documents)}/graphql"
    representation = {"__typename": "Candidate", "id": str(candidate_id)}
    response = await graphql(client, url, ENTITIES, {"r": [representation]}, token)
    body = response.json()
    assert "errors" not in body, body
    return [d["id"] for d in body["data"]["_entities"][0]["documents"]]


async def _download(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str | None, document_id: uuid.UUID
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    url = f"{base_url(zikao.ports.documents)}/documents/{document_id}/download"
    return await client.get(url, headers=headers)


async def test_district_staff_read_only_their_districts_documents(
    zikao: RunningSystem, client: httpx.AsyncClient, ready: Ready
) -> None:
    yuzhong = tokens(zikao)["yuzhong"]
    assert await _document(client, zikao, yuzhong, ready.wanzhou.id) is None
    assert await _listed(client, zikao, yuzhong, ready.wanzhou.candidate_id) == []
    refused = await _download(client, zikao, yuzhong, ready.wanzhou.id)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    own = await _document(client, zikao, yuzhong, ready.yuzhong.id)
    assert own["id"] == str(ready.yuzhong.id)
    listed = await _listed(client, zikao, yuzhong, ready.yuzhong.candidate_id)
    assert listed == [str(ready.yuzhong.id)]
    served = await _download(client, zikao, yuzhong, ready.yuzhong.id)
    assert served.status_code == 200
    assert served.content.startswith(b"%PDF")


async def test_provincial_staff_and_admins_read_every_district(
    zikao: RunningSystem, client: httpx.AsyncClient, ready: Ready
) -> None:
    every = tokens(zikao)
    for who in ("province", "admin"):
        for document in (ready.wanzhou, ready.yuzhong):
            found = await _document(client, zikao, every[who], document.id)
            assert found["status"] == "READY"
            listed = await _listed(client, zikao, every[who], document.candidate_id)
            assert listed == [str(document.id)]
            response = await _download(client, zikao, every[who], document.id)
            assert response.status_code == 200


async def _trail(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str | None, query: dict[str, Any]
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    url = f"{base_url(zikao.ports.documents)}/internal/audit"
    return await client.post(url, json=query, headers=headers)


async def test_staff_downloads_are_in_the_audit_trail_for_internal_callers_only(
    zikao: RunningSystem, client: httpx.AsyncClient, ready: Ready
) -> None:
    wanzhou = tokens(zikao)["wanzhou"]
    assert (await _download(client, zikao, wanzhou, ready.wanzhou.id)).status_code == 200
    owner = zikao.token(str(ready.wanzhou.candidate_id), Role.CANDIDATE, WANZHOU)
    assert (await _download(client, zikao, owner, ready.wanzhou.id)).status_code == 200
    query = {
        "candidate_id": str(ready.wanzhou.candidate_id),
        "actor": "staff-wanzhou-e2e",
        "action": service.DOWNLOAD_DOCUMENT,
    }
    internal = zikao.token("identity", Role.SERVICE)
    response = await _trail(client, zikao, internal, query)
    assert response.status_code == 200
    [entry] = response.json()["entries"]
    assert (entry["service"], entry["actor_role"]) == ("documents", "staff")
    assert entry["target"] == str(ready.wanzhou.id)
    everyone = await _trail(client, zikao, internal, {"actor": str(ready.wanzhou.candidate_id)})
    assert everyone.json()["entries"] == []  # the candidate's own download is not audited
    for token in (wanzhou, tokens(zikao)["admin"], owner):
        assert (await _trail(client, zikao, token, query)).status_code == 403
    assert (await _trail(client, zikao, None, query)).status_code == 401
