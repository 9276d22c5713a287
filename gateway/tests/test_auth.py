"""The caller's token, verified at the gateway against identity's JWKS (served here in-process):
fetched once and kept, fetched again for an unknown `kid`, refused while identity is down, and
anything but a fresh EdDSA token of our issuer for our audience refused before any subgraph is
asked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import jwt
import pytest

from zikao_gateway.app import create_app
from zikao_gateway.auth import Authenticator
from zikao_gateway.authorization import Access
from zikao_gateway.gateway import Gateway, Outcome, Request
from zikao_gateway.settings import GatewaySettings, jwks_beside
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import Supergraph
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, InProcessSubgraphs, SigningKey
from zikao_kit import auth as kit_auth
from zikao_kit.auth import Role

JWKS_URL = "http://identity.library.test/.well-known/jwks.json"
QUERY = "{ books(first: 1) { title } }"


@pytest.fixture
def key() -> SigningKey:
    return SigningKey()


@pytest.fixture
async def guarded(
    supergraph: Supergraph, subgraphs: InProcessSubgraphs, key: SigningKey
) -> AsyncIterator[Gateway]:
    """The library's gateway, verifying tokens against ``key``'s JWKS."""
    subgraphs.jwks = key.jwks()
    authenticator = Authenticator.over_jwks(
        JWKS_URL, issuer=key.issuer, audience=key.audience, transport=subgraphs
    )
    client = SubgraphClient(supergraph.subgraphs, timeout=0.5, transport=subgraphs)
    gateway = Gateway(supergraph, client, cache_size=8, authenticator=authenticator)
    yield gateway
    await gateway.aclose()
    await client.aclose()
    await authenticator.aclose()


async def ask(gateway: Gateway, token: str | None) -> Outcome:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await gateway.execute(Request(QUERY, {}, None, headers, "auth-test"))


def refused(outcome: Outcome) -> bool:
    codes = [(e.get("extensions") or {}).get("code") for e in outcome.errors]
    return outcome.request_error and outcome.data is None and codes == ["unauthenticated"]


async def test_a_valid_token_is_verified_once_against_the_fetched_keys(
    guarded: Gateway, subgraphs: InProcessSubgraphs, key: SigningKey
) -> None:
    token = key.token("staff", "s-1", region="0103", scope="audit")
    assert (await ask(guarded, token)).data == {"books": [{"title": "Book 1"}]}
    assert (await ask(guarded, token)).errors == []
    assert subgraphs.jwks_fetches == 1
    assert [h["authorization"] for h in subgraphs.headers] == [f"Bearer {token}"] * 2
    caller = await guarded.authenticator.caller(f"Bearer {token}")
    assert caller.principal is not None
    assert (caller.principal.subject, caller.principal.role) == ("s-1", Role.STAFF)
    assert caller.access == Access(
        authenticated=True,
        scopes=frozenset({"audit", "staff"}),
        policies=frozenset({"staff", "district-staff"}),
    )


async def test_no_token_is_an_anonymous_caller(
    guarded: Gateway, subgraphs: InProcessSubgraphs
) -> None:
    assert (await ask(guarded, None)).errors == []
    assert subgraphs.jwks_fetches == 0
    assert (await guarded.authenticator.caller(None)).principal is None


async def test_an_unknown_kid_fetches_the_keys_again(
    guarded: Gateway,
    subgraphs: InProcessSubgraphs,
    key: SigningKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (await ask(guarded, key.token())).errors == []
    rotated = SigningKey()
    subgraphs.jwks = {"keys": [*key.jwks()["keys"], *rotated.jwks()["keys"]]}
    # Within a few seconds of the last fetch, an unknown kid is refused without asking
    # identity (forged kids cannot hammer it).
    assert refused(await ask(guarded, rotated.token()))
    assert subgraphs.jwks_fetches == 1
    monkeypatch.setattr(kit_auth, "JWKS_REFRESH_FLOOR_SECONDS", 0.0)
    assert (await ask(guarded, rotated.token())).errors == []
    assert subgraphs.jwks_fetches == 2


async def test_tokens_are_refused_while_identity_is_unreachable(
    guarded: Gateway,
    subgraphs: InProcessSubgraphs,
    key: SigningKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subgraphs.down.add("identity")
    outcome = await ask(guarded, key.token())
    assert refused(outcome)
    assert outcome.errors[0]["extensions"]["requestId"] == "auth-test"
    assert subgraphs.requests == []
    subgraphs.down.clear()
    assert (await ask(guarded, key.token())).errors == []
    # Keys past their time are fetched again: with identity down, not even a known key passes.
    subgraphs.down.add("identity")
    monkeypatch.setattr(kit_auth, "JWKS_TTL_SECONDS", 0.0)
    assert refused(await ask(guarded, key.token()))
    assert (await ask(guarded, None)).errors == []  # anonymous callers need no keys


def _unsigned(key: SigningKey) -> str:
    claims = jwt.decode(key.token(), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"kid": key.kid})


def _forged(key: SigningKey) -> str:
    head, _, signature = key.token("candidate").split(".")
    body = jwt.utils.base64url_encode(b'{"sub":"x","role":"admin"}').decode()
    return f"{head}.{body}.{signature}"


BAD_TOKENS: dict[str, Callable[[SigningKey], str]] = {
    "expired": lambda key: key.token(minutes=-1),
    "for another audience": lambda key: key.token(aud="elsewhere"),
    "from another issuer": lambda key: key.token(iss="elsewhere"),
    "alg none": _unsigned,
    "a forged body": _forged,
    "another key's": lambda key: SigningKey().token(headers={"kid": key.kid}),
    "no role": lambda key: key.token(role="nobody"),
    "garbage": lambda key: "garbage",
}


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_a_bad_token_is_refused_before_any_subgraph_is_asked(
    make: Callable[[SigningKey], str],
    guarded: Gateway,
    subgraphs: InProcessSubgraphs,
    key: SigningKey,
) -> None:
    outcome = await ask(guarded, make(key))
    assert refused(outcome), outcome
    assert subgraphs.requests == []


async def test_a_header_that_is_no_bearer_token_is_refused(guarded: Gateway) -> None:
    request = Request(QUERY, {}, None, {"authorization": "Basic dXNlcg=="}, None)
    assert refused(await guarded.execute(request))


def test_the_keys_are_found_beside_identity() -> None:
    assert jwks_beside("http://identity:8001/graphql") == (
        "http://identity:8001/.well-known/jwks.json"
    )
    assert jwks_beside("https://example.test/identity/graphql/") == (
        "https://example.test/identity/.well-known/jwks.json"
    )


def test_the_keys_url_is_the_setting_or_beside_identitys_url(supergraph: Supergraph) -> None:
    library = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, jwks_url=None)
    assert library.keys_url(supergraph) is None  # the library has no identity subgraph
    named = GatewaySettings(jwks_url="http://keys.test/jwks.json")
    assert named.keys_url(supergraph) == "http://keys.test/jwks.json"
    beside = GatewaySettings(jwks_url=None, identity_url="http://id.test:9/graphql")
    assert beside.keys_url(supergraph) == "http://id.test:9/.well-known/jwks.json"


@pytest.fixture
async def http(subgraphs: InProcessSubgraphs, key: SigningKey) -> AsyncIterator[httpx.AsyncClient]:
    subgraphs.jwks = key.jwks()
    settings = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, jwks_url=JWKS_URL)
    app = create_app(settings, transport=subgraphs)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "status"),
    [("application/graphql-response+json", 401), ("application/json", 200)],
)
async def test_over_http_a_bad_token_is_unauthenticated(
    http: httpx.AsyncClient, subgraphs: InProcessSubgraphs, accept: str, status: int
) -> None:
    headers = {"accept": accept, "authorization": "Bearer garbage", "x-request-id": "bad-1"}
    response = await http.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == status
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "unauthenticated", "requestId": "bad-1"}
    assert "data" not in response.json()
    assert subgraphs.requests == []


async def test_over_http_a_good_token_is_passed_on(
    http: httpx.AsyncClient, subgraphs: InProcessSubgraphs, key: SigningKey
) -> None:
    token = key.token()
    response = await http.post(
        "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.json() == {"data": {"books": [{"title": "Book 1"}]}}
    assert [h["authorization"] for h in subgraphs.headers] == [f"Bearer {token}"]
