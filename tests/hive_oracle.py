"""Hive Gateway as the oracle for a small supergraph of test subgraphs.

A feature's equivalence test writes a few Strawberry federation subgraphs, and `oracle` composes
them with Zikao's composer (`gateway/compose.mjs`), serves them over HTTP on one free port, and
starts Hive Gateway and our gateway over that supergraph. `Oracle.compare` runs one operation
through both: `data` must be equal, and `errors` equal as (path, extensions.code) pairs, in
any order.

With ``auth`` (a `SigningKey`), both gateways verify the tokens it signs and enforce
`@authenticated`, `@requiresScopes` and `@policy`: ours through its JWKS (served beside the
subgraphs), Hive Gateway through its generic-auth plugin in granular mode (a `gateway.config.mjs`
in the work folder: the token checked with node's crypto against the same JWKS, scopes and
policies taken from its claims as `zikao_gateway.authorization` takes them).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from e2e import ROOT
from strawberry.federation import Schema

from zikao_devrun import free_port_numbers
from zikao_gateway.auth import Authenticator
from zikao_gateway.authorization import POLICIES, ROLE_SCOPES
from zikao_gateway.gateway import Gateway, Outcome, Request
from zikao_gateway.settings import JWKS_PATH
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import load_supergraph
from zikao_gateway.testing import InProcessSubgraphs, SigningKey, served_over_http

HIVE = ROOT / "node_modules" / ".bin" / "hive-gateway"
COMPOSE = ROOT / "gateway" / "compose.mjs"
Answer = dict[str, Any]


def comparable(data: Any, errors: list[Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """``data``, and the errors as sorted (path, code) pairs."""
    pairs = [(repr(e.get("path")), (e.get("extensions") or {}).get("code")) for e in errors]
    return data, sorted(pairs, key=repr)


@dataclass
class Oracle:
    """Both gateways over the same subgraphs; ``subgraphs`` records what each was sent."""

    subgraphs: InProcessSubgraphs
    supergraph: Path
    hive: str
    ours: Gateway

    async def ask_hive(
        self, query: str, variables: Mapping[str, Any] | None = None, headers: Any = None
    ) -> Answer:
        async with httpx.AsyncClient(timeout=30) as client:
            body = {"query": query, "variables": dict(variables or {})}
            answer: Answer = (await client.post(self.hive, json=body, headers=headers)).json()
        return answer

    async def ask_ours(
        self, query: str, variables: Mapping[str, Any] | None = None, headers: Any = None
    ) -> Outcome:
        return await self.ours.execute(Request(query, dict(variables or {}), None, headers or {}))

    async def compare(
        self, query: str, variables: Mapping[str, Any] | None = None, headers: Any = None
    ) -> Answer:
        """Asserts that both gateways answer ``query`` alike; returns Hive's answer."""
        theirs = await self.ask_hive(query, variables, headers)
        mine = await self.ask_ours(query, variables, headers)
        assert comparable(mine.data, mine.errors) == comparable(
            theirs.get("data"), theirs.get("errors") or []
        ), (mine, theirs)
        return theirs


def compose(schemas: Mapping[str, Schema], work: Path, port: int) -> Path:
    """The supergraph of ``schemas``, each served at ``http://127.0.0.1:<port>/<name>/graphql``."""
    arguments = []
    for name, schema in sorted(schemas.items()):
        sdl = work / f"{name}.graphql"
        sdl.write_text(schema.as_str() + "\n", encoding="utf-8")
        arguments.append(f"{name}=http://127.0.0.1:{port}/{name}/graphql={sdl}")
    out = work / "supergraph.graphql"
    command = ["node", str(COMPOSE), "--quiet", "--out", str(out), *arguments]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"composition failed: {done.stderr.decode()}")
    return out


@asynccontextmanager
async def oracle(
    schemas: Mapping[str, Schema], work: Path, auth: SigningKey | None = None
) -> AsyncIterator[Oracle]:
    """``schemas`` composed and served, Hive Gateway and our gateway over them (verifying
    the tokens ``auth`` signs, when given)."""
    subgraphs = InProcessSubgraphs(dict(schemas))
    port, hive_port = free_port_numbers(2)
    supergraph = compose(schemas, work, port)
    authenticator = None
    if auth is not None:
        subgraphs.jwks = auth.jwks()
        (work / "gateway.config.mjs").write_text(hive_auth_config(auth), encoding="utf-8")
        authenticator = Authenticator.over_jwks(
            f"http://127.0.0.1:{port}{JWKS_PATH}", issuer=auth.issuer, audience=auth.audience
        )
    config = uvicorn.Config(
        served_over_http(subgraphs), port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    process = _start_hive(supergraph, work, hive_port)
    loaded = load_supergraph(supergraph)
    client = SubgraphClient(loaded.subgraphs, timeout=5)
    gateway = Gateway(loaded, client, authenticator=authenticator)
    try:
        await _until_started(server, serving)
        hive = f"http://127.0.0.1:{hive_port}/graphql"
        await asyncio.to_thread(_until_up, hive, process)
        yield Oracle(subgraphs, supergraph, hive, gateway)
    finally:
        process.terminate()
        process.wait(timeout=10)
        await gateway.aclose()
        await client.aclose()
        await gateway.authenticator.aclose()
        server.should_exit = True
        await serving


def _start_hive(supergraph: Path, work: Path, port: int) -> subprocess.Popen[bytes]:
    """Hive Gateway over ``supergraph``, from ``work``: configured by its `gateway.config.mjs`
    where `oracle` wrote one."""
    command = [str(HIVE), "supergraph", str(supergraph), "--port", str(port)]
    with (work / "hive.log").open("wb") as log:
        return subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)


async def _until_started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    for _ in range(200):  # uvicorn has no event for it; 10 s at most
        if server.started or serving.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        raise RuntimeError("the test subgraphs did not start")


def _until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"hive-gateway exited with {process.returncode}")
        try:
            httpx.post(url, json={"query": "{ __typename }"}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("hive-gateway did not start")


# `zikao_gateway.authorization.POLICIES`, as conditions on a token's claims `c`.
HIVE_POLICIES = {
    "candidate": 'c.role === "candidate"',
    "staff": 'c.role === "staff" || c.role === "admin"',
    "provincial": 'c.role === "admin" || (c.role === "staff" && !c.region)',
    "district-staff": 'c.role === "staff" && !!c.region',
    "auditor": 'c.role === "auditor"',
    "service": 'c.role === "service"',
}

HIVE_AUTH_CONFIG = """\
// Written by tests/hive_oracle.py: Hive Gateway's generic-auth plugin in granular mode, with the
// caller taken from a token that identity's keys sign (EdDSA, which Hive's JWT plugin cannot
// verify, so node's crypto does it here).
import { createPublicKey, verify } from "node:crypto";

const JWKS = %(jwks)s;
const ISSUER = %(issuer)s;
const AUDIENCE = %(audience)s;
const ROLE_SCOPES = %(role_scopes)s;
const POLICIES = { %(policies)s };
const KEYS = new Map(JWKS.keys.map((k) => [k.kid, createPublicKey({ key: k, format: "jwk" })]));

function decoded(part) {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

function claimsOf(authorization) {
  const [scheme, token] = (authorization ?? "").split(" ");
  if (scheme?.toLowerCase() !== "bearer" || !token) return null;
  const [head, body, signature] = token.split(".");
  const key = KEYS.get(decoded(head).kid);
  const signed = Buffer.from(`${head}.${body}`);
  if (!key || decoded(head).alg !== "EdDSA") return null;
  if (!verify(null, signed, key, Buffer.from(signature, "base64url"))) return null;
  const claims = decoded(body);
  const fresh = claims.exp * 1000 > Date.now();
  return fresh && claims.iss === ISSUER && claims.aud === AUDIENCE ? claims : null;
}

export const gatewayConfig = {
  genericAuth: {
    mode: "protect-granular",
    resolveUserFn: (context) => claimsOf(context.request.headers.get("authorization")),
    extractScopes: (c) => [
      ...(c?.scope ?? "").split(" ").filter(Boolean),
      ...(ROLE_SCOPES[c?.role] ?? []),
    ],
    extractPolicies: (c) => Object.keys(POLICIES).filter((name) => POLICIES[name](c)),
    rejectUnauthenticated: false,
  },
};
"""


def hive_auth_config(key: SigningKey) -> str:
    """Hive Gateway's configuration for tokens that ``key`` signs."""
    assert set(HIVE_POLICIES) == set(POLICIES), "a policy has no counterpart for Hive"
    scopes = {role.value: sorted(granted) for role, granted in ROLE_SCOPES.items()}
    policies = ", ".join(f"{json.dumps(n)}: (c) => {c}" for n, c in HIVE_POLICIES.items())
    return HIVE_AUTH_CONFIG % {
        "jwks": json.dumps(key.jwks()),
        "issuer": json.dumps(key.issuer),
        "audience": json.dumps(key.audience),
        "role_scopes": json.dumps(scopes),
        "policies": policies,
    }
