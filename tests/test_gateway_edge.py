"""The gateway's edge through running gateways over the running services, with the real Redis:
limits, the body size, CSRF, trusted documents and rate limits, each refused before any
subgraph is asked."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from e2e import OPERATIONS, ROOT, RunningSystem, graphql

from zikao_devrun import System, free_port_numbers
from zikao_devrun.zikao import base_url, gateway_spec
from zikao_gateway.trusted import MANIFEST, document_id
from zikao_kit.auth import Role

SIGN_IN_LIMIT = 3
LOG_IN = {
    "login": "500103198501010012",
    "password": "wrong password",
    "captcha": {"id": "no-such-captcha", "answer": "abcd"},
}


def codes(response: httpx.Response) -> list[str]:
    body = response.json()
    answers = body if isinstance(body, list) else [body]
    return [e["extensions"]["code"] for a in answers for e in a.get("errors", ())]


async def identity_log(zikao: RunningSystem, client: httpx.AsyncClient) -> str:
    """Identity's log once it shows a mutation sent now (its line is written after the answer):
    what it would show of any request sent before."""
    control = f"edge-control-{uuid.uuid4().hex}"
    sent = await graphql(client, zikao.url, OPERATIONS["NewCaptcha"], request_id=control)
    assert sent.json()["data"]["newCaptcha"]["id"]
    for _ in range(100):
        log = zikao.log("identity")
        if f'"request_id": "{control}"' in log:
            return log
        await asyncio.sleep(0.05)
    raise AssertionError("identity's log does not show the control request")


def a_gateway(
    zikao: RunningSystem, work: Path, name: str, settings: dict[str, str]
) -> Iterator[str]:
    """A gateway of its own over the session's services: a log-in limit of three per window,
    rate limits in Redis keys of its own, and ``settings``."""
    (port,) = free_port_numbers(1)
    spec = gateway_spec(replace(zikao.ports, gateway=port), name=name)
    env = {
        **os.environ,
        "GATEWAY_REDIS_PREFIX": f"test-edge-{uuid.uuid4().hex[:12]}",
        "GATEWAY_RATE_LIMIT_SIGN_IN": str(SIGN_IN_LIMIT),
        **settings,
    }
    with System([spec], env=env, cwd=ROOT, log_dir=work):
        yield f"{base_url(port)}/graphql"


@pytest.fixture(scope="module")
def production(zikao: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Production's settings (trusted documents, no introspection) and batches of five."""
    keys = f"http://localhost:{zikao.ports.identity}/.well-known/jwks.json"
    settings = {
        "ZIKAO_ENV": "production",
        "ZIKAO_JWKS_URL": keys,
        "GATEWAY_MAX_BATCH": "5",
        # as behind a load balancer: each test is a client of its own (X-Forwarded-For)
        "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
    }
    work = tmp_path_factory.mktemp("production")
    yield from a_gateway(zikao, work, "production-gateway", settings)


@pytest.fixture(scope="module")
def limited(zikao: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A test run's settings (any document) with the low log-in limit."""
    work = tmp_path_factory.mktemp("limited")
    yield from a_gateway(zikao, work, "limited-gateway", {"ZIKAO_ENV": "test"})


async def test_a_thousand_aliases_are_refused(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    query = "{ " + " ".join(f"r{n}: regions {{ code }}" for n in range(1000)) + " }"
    request_id = f"edge-{uuid.uuid4().hex}"
    response = await graphql(client, zikao.url, query, request_id=request_id)
    assert response.status_code == 400
    assert codes(response) == ["too_many_tokens"]
    assert request_id not in await identity_log(zikao, client)


async def test_three_hundred_captchas_are_refused(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    query = "mutation { " + " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(300)) + " }"
    response = await graphql(client, zikao.url, query)
    assert codes(response) == ["too_many_tokens"]
    eleven = "mutation { " + " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(11)) + " }"
    assert codes(await graphql(client, zikao.url, eleven)) == ["too_many_root_fields"]


async def test_a_five_megabyte_body_is_refused(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    body = {"query": OPERATIONS["Regions"], "variables": {"pad": "x" * (5 * 2**20)}}
    response = await client.post(zikao.url, json=body)
    assert response.status_code == 413
    assert codes(response) == ["body_too_large"]


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_an_html_form_gets_nothing_done(
    zikao: RunningSystem, client: httpx.AsyncClient, content_type: str
) -> None:
    request_id = f"edge-{uuid.uuid4().hex}"
    headers = {"content-type": content_type, "x-request-id": request_id}
    body = f"query={OPERATIONS['NewCaptcha']}"
    response = await client.post(zikao.url, content=body, headers=headers)
    assert response.status_code == 400
    assert codes(response) == ["csrf_preflight_required"]
    assert request_id not in await identity_log(zikao, client)


async def test_production_takes_the_contracts_operations_by_id_or_text(
    production: str, client: httpx.AsyncClient
) -> None:
    regions = OPERATIONS["Regions"]
    assert document_id(regions) in MANIFEST.read_text(encoding="utf-8")
    by_id = await client.post(production, json={"documentId": document_id(regions)})
    by_text = await client.post(production, json={"query": regions})
    assert by_id.json()["data"]["regions"]
    assert by_text.json() == by_id.json()
    other = await client.post(production, json={"query": "{ regions { code } }"})
    assert codes(other) == ["document_not_trusted"]
    schema = await client.post(production, json={"query": "{ __schema { types { name } } }"})
    assert codes(schema) == ["document_not_trusted"]


EDGE_CODES = {
    "too_many_tokens", "operation_too_large", "operation_too_deep", "too_many_aliases",
    "too_many_root_fields", "document_not_trusted", "introspection_disabled", "rate_limited",
    "rate_limit_unavailable", "persisted_document_not_found", "csrf_preflight_required",
}  # fmt: skip


async def test_every_operation_of_the_contract_passes_the_edge_in_production(
    production: str, client: httpx.AsyncClient
) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    behind = {"x-forwarded-for": "203.0.113.10"}
    for document_id_ in manifest:
        body = {"documentId": document_id_}
        response = await client.post(production, json=body, headers=behind)
        assert response.status_code < 500, manifest[document_id_]
        assert not EDGE_CODES.intersection(codes(response)), manifest[document_id_]


async def test_log_in_attempts_hidden_in_a_batch_count_each(
    production: str, client: httpx.AsyncClient
) -> None:
    attempt = {"documentId": document_id(OPERATIONS["LogIn"]), "variables": LOG_IN}
    behind = {"x-forwarded-for": "203.0.113.11"}
    batch = await client.post(production, json=[attempt] * (SIGN_IN_LIMIT + 1), headers=behind)
    refused = [c for c in codes(batch) if c == "rate_limited"]
    assert len(refused) == 1
    again = await client.post(production, json=attempt, headers=behind)
    assert again.status_code == 429
    assert codes(again) == ["rate_limited"]
    retry = int(again.headers["retry-after"])
    assert 1 <= retry <= 60
    assert again.json()["errors"][0]["extensions"]["retryAfterSeconds"] == retry


async def test_staff_may_send_any_operation_in_production(
    zikao: RunningSystem, production: str, client: httpx.AsyncClient
) -> None:
    query = "{ regions { code } }"  # not the contract's text
    staff = zikao.token("edge-staff", Role.STAFF, region="01")
    candidate = zikao.token(str(uuid.uuid4()), Role.CANDIDATE, region="0103")
    as_staff = await graphql(client, production, query, token=staff)
    as_candidate = await graphql(client, production, query, token=candidate)
    forged = await graphql(client, production, query, token=staff[:-4] + "AAAA")
    assert as_staff.json()["data"]["regions"]
    assert codes(as_candidate) == ["document_not_trusted"]
    assert codes(forged) == ["document_not_trusted"]
    schema = await graphql(client, production, "{ __schema { queryType { name } } }", token=staff)
    assert schema.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_log_in_attempts_hidden_in_aliases_count_each(
    zikao: RunningSystem, limited: str, client: httpx.AsyncClient
) -> None:
    attempts = " ".join(
        f"a{n}: logIn(login: $login, password: $password, captcha: $captcha) {{ __typename }}"
        for n in range(2)
    )
    query = (
        f"mutation($login: String!, $password: String!, $captcha: CaptchaInput!) {{ {attempts} }}"
    )
    first = await graphql(client, limited, query, LOG_IN)
    assert set(first.json()["data"]) == {"a0", "a1"}  # two attempts: identity answered both
    request_id = f"edge-{uuid.uuid4().hex}"
    second = await graphql(client, limited, query, LOG_IN, request_id=request_id)
    assert second.status_code == 429  # two more would make four, past three
    assert codes(second) == ["rate_limited"]
    assert request_id not in await identity_log(zikao, client)
