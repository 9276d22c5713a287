"""The running system over HTTP, through the gateway, with tokens signed by identity's key."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
from e2e import RunningSystem, graphql, register_candidate

from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Role

ACROSS = """query MeAcross($sitting: String!) {
  me {
    ticketNumber name maskedIdNumber region { name }
    major { code name }
    exams(sitting: $sitting) { course { code } }
    documents { id kind status }
  }
}"""


async def test_public_queries_answer_through_the_gateway(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    response = await graphql(client, zikao.url, "{ regions { code name } sittings { code } }")
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert {"code": "0103", "name": "渝中区"} in body["data"]["regions"]


async def test_one_query_crosses_all_three_subgraphs(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    candidate_id = await register_candidate(zikao.database_url, "500103199203040015")
    token = zikao.token(candidate_id)
    response = await graphql(client, zikao.url, ACROSS, {"sitting": "2026-10"}, token)
    body = response.json()
    assert "errors" not in body, body
    me = body["data"]["me"]
    assert me["maskedIdNumber"] == "5001**********0015"
    assert me["region"] == {"name": "渝中区"}
    assert me["major"] is None
    assert me["exams"] == []
    assert me["documents"] == []
    for service in ("identity", "records", "documents"):
        assert '"path": "/graphql"' in zikao.log(service), f"{service} was not asked"


async def test_bad_tokens_are_unauthenticated_with_a_request_id(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    subject = str(uuid.uuid4())
    good = zikao.token(subject)
    head, _, signature = good.split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"x","role":"admin"}').decode()
    stranger = TokenSigner.load(None, issuer="zikao-identity", audience="zikao")
    expired = jwt.encode(
        {
            "sub": subject,
            "role": "candidate",
            "iat": 1,
            "exp": int(time.time()) - 5,
            "iss": "zikao-identity",
            "aud": "zikao",
        },
        zikao.signer._private_key,
        algorithm="EdDSA",
        headers={"kid": zikao.signer.kid},
    )
    for number, token in enumerate(
        (
            f"{head}.{forged}.{signature}",
            expired,
            "garbage",
            stranger.issue(subject=subject, role=Role.CANDIDATE, minutes=5).token,
        )
    ):
        request_id = f"e2e-bad-token-{number}"
        response = await graphql(
            client, zikao.url, "{ me { name } }", token=token, request_id=request_id
        )
        assert response.status_code == 401
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "unauthenticated", error
        assert error["extensions"]["requestId"] == request_id
        assert request_id not in zikao.log("identity")  # refused by the gateway first
