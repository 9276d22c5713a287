"""The upload route and the graph's import and publication fields, over HTTP against records'
app (its database the test's transaction): files in, ids out, problems never a 500."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlmodel import col

from zikao_kit.auth import Role, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.settings import ServiceSettings
from zikao_records import import_settings as import_settings_module
from zikao_records.app import create_app
from zikao_records.import_testing import a_sitting_with
from zikao_records.models import AuditEntry, ExamResult
from zikao_records.models.imports import ScoreImport
from zikao_records.service import imports
from zikao_records.settings import RecordsSettings

KEY = Ed25519PrivateKey.generate()
KID = "test-key"
SITTING = "2031-04"


def verifier(settings: ServiceSettings) -> TokenVerifier:
    keys = StaticKeySource({KID: KEY.public_key()})
    return TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def token(subject: str, role: Role, region: str | None = None) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iss": "zikao-identity",
        "aud": "zikao",
        "iat": now,
        "exp": now + 300,
    }
    if region is not None:
        claims["region"] = region
    return jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": KID})


PROVINCE = token("staff-province", Role.STAFF)
DISTRICT = token("staff-0103", Role.STAFF, "0103")


@pytest.fixture
async def http(database_url: str, db: Sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    settings = RecordsSettings(
        database_url=database_url, queue_name=f"zikao:records:test-{uuid.uuid4().hex[:12]}"
    )
    app = create_app(settings, verifier_factory=verifier)
    async with app.router.lifespan_context(app):
        app.state.zikao.db = db
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            yield client


async def upload(
    client: httpx.AsyncClient, body: bytes, bearer: str | None = PROVINCE, sitting: str = SITTING
) -> httpx.Response:
    headers = {"content-disposition": "attachment; filename*=UTF-8''%E6%88%90%E7%BB%A9.csv"}
    if bearer:
        headers["authorization"] = f"Bearer {bearer}"
    return await client.post(f"/imports/scores?sitting={sitting}", content=body, headers=headers)


async def graph(client: httpx.AsyncClient, query: str, bearer: str = PROVINCE, **variables: Any):
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {bearer}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


IMPORT = """query ($id: ID!) { scoreImport(id: $id) {
  __typename ... on ScoreImport { status fileName rowsTotal rowsChecked rowsRejected rowsApplied
    report(first: 1) { lines { line reason ticketNumber courseCode } hasNextPage endCursor } }
  ... on Problem { code } } }"""
ACCEPT = """mutation ($id: ID!) { acceptScoreImport(id: $id) {
  __typename ... on ScoreImportAccepted { scoreImport { status } } ... on Problem { code } } }"""
PUBLISH = """mutation ($s: String!) { publishScores(sitting: $s) {
  __typename ... on ScoresPublished { sitting { code scoresPublishedAt } }
  ... on Problem { code } } }"""
LIST = """query ($s: String!, $after: String) { scoreImports(sitting: $s, first: 1, after: $after) {
  __typename ... on ScoreImportPage { imports { id status } hasNextPage endCursor }
  ... on Problem { code } } }"""


async def test_a_file_travels_in_is_checked_accepted_and_published(
    http: httpx.AsyncClient, db: Sessionmaker
) -> None:
    ((candidate, ticket),) = await a_sitting_with(db, 1)
    body = f"准考证号,课程代码,成绩\n{ticket},03706,88\n{ticket},12656,abc\n{ticket},00015,1\n"
    response = await upload(http, body.encode("gb18030"))
    assert response.status_code == 201
    import_id = response.json()["id"]
    assert response.json()["rowsTotal"] == 3
    waiting = await imports.run_import(db, uuid.UUID(import_id), step=1000)
    assert waiting is not None
    data = await graph(http, IMPORT, id=import_id)
    assert data["scoreImport"] == {
        "__typename": "ScoreImport",
        "status": "CHECKED",
        "fileName": "成绩.csv",
        "rowsTotal": 3,
        "rowsChecked": 3,
        "rowsRejected": 2,
        "rowsApplied": 0,
        "report": {
            "lines": [
                {"line": 3, "reason": "bad_score", "ticketNumber": ticket, "courseCode": "12656"}
            ],
            "hasNextPage": True,
            "endCursor": 3,
        },
    }
    assert (await graph(http, PUBLISH, s=SITTING))["publishScores"]["code"] == "imports_pending"
    other = token("staff-0105", Role.STAFF, "0105")
    refused = await graph(http, ACCEPT, bearer=other, id=import_id)
    assert refused["acceptScoreImport"]["code"] == "score_import_not_found"
    accepted = await graph(http, ACCEPT, id=import_id)
    assert accepted["acceptScoreImport"]["scoreImport"]["status"] == "APPLYING"
    await imports.run_import(db, uuid.UUID(import_id), step=1000)
    district = await graph(http, PUBLISH, bearer=DISTRICT, s=SITTING)
    assert district["publishScores"]["code"] == "out_of_region"
    published = await graph(http, PUBLISH, s=SITTING)
    assert published["publishScores"]["sitting"]["scoresPublishedAt"] is not None
    async with db() as session:
        scores = (
            (
                await session.execute(
                    select(col(ExamResult.score)).where(col(ExamResult.candidate_id) == candidate)
                )
            )
            .scalars()
            .all()
        )
        actions = (
            (
                await session.execute(
                    select(col(AuditEntry.action)).where(
                        col(AuditEntry.action).like("scores.%"),
                        col(AuditEntry.actor) == "staff-province",
                    )
                )
            )
            .scalars()
            .all()
        )
    assert scores == [88]
    assert sorted(actions) == [
        "scores.import_accepted",
        "scores.import_uploaded",
        "scores.published",
    ]
    again = await upload(http, body.encode())
    assert (again.status_code, again.json()["code"]) == (409, "scores_published")


async def test_a_sittings_imports_are_listed_newest_first(
    http: httpx.AsyncClient, db: Sessionmaker
) -> None:
    ((_, ticket),) = await a_sitting_with(db, 1)
    ids = []
    for score in (50, 60):
        response = await upload(http, f"准考证号,课程代码,成绩\n{ticket},03706,{score}\n".encode())
        ids.append(response.json()["id"])
    first = (await graph(http, LIST, s=SITTING))["scoreImports"]
    assert first["hasNextPage"]
    second = (await graph(http, LIST, s=SITTING, after=first["endCursor"]))["scoreImports"]
    assert [i["id"] for i in first["imports"] + second["imports"]] == ids[::-1]
    bad = (await graph(http, LIST, s=SITTING, after="not a cursor"))["scoreImports"]
    assert bad["code"] == "bad_format"


async def count_imports(db: Sessionmaker) -> int:
    async with db() as session:
        return int((await session.execute(select(func.count(col(ScoreImport.id))))).scalar_one())


async def test_bad_uploads_are_problems_and_change_nothing(
    http: httpx.AsyncClient, db: Sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    await a_sitting_with(db, 1)
    candidate = token(str(uuid.uuid4()), Role.CANDIDATE)
    answers = [
        (await upload(http, b"x", bearer=None), 401, "unauthenticated"),
        (await upload(http, b"x", bearer=candidate), 403, "forbidden"),
        (await upload(http, b"x", sitting="2031-4"), 400, "bad_format"),
        (await upload(http, b"x", sitting="2099-04"), 404, "sitting_not_found"),
        (await upload(http, os.urandom(10 * 1024 * 1024)), 400, None),
        (await upload(http, b"\x00" * 1000), 400, "missing_columns"),
        (await upload(http, "准考证号,成绩\n1,2\n".encode()), 400, "missing_columns"),
    ]
    monkeypatch.setenv("RECORDS_IMPORT_MAX_BYTES", "2048")
    import_settings_module.import_settings.cache_clear()
    try:
        answers.append((await upload(http, b"a" * 4096), 413, "file_too_large"))
    finally:
        monkeypatch.delenv("RECORDS_IMPORT_MAX_BYTES")
        import_settings_module.import_settings.cache_clear()
    for response, status, code in answers:
        assert response.status_code == status
        if code is not None:
            assert response.json()["code"] == code
    assert await count_imports(db) == 0
