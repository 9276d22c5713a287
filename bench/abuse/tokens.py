"""Forged bearer tokens: each must be refused as unauthenticated (401 for clients that accept
graphql-response+json) before any subgraph reads anything for it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from zikao_identity.tokens import TokenSigner, key_id
from zikao_kit.auth import ALGORITHM, Role

from .case import Case, check, refusal
from .target import Target
from .victims import YUZHONG, candidate

ME = "query Me { me { id ticketNumber } }"
STAFF_READ = "query Read($t: String!) { candidateByTicketNumber(ticketNumber: $t) { name } }"


def _segment(value: dict[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(target: Target, subject: str, role: Role = Role.CANDIDATE, **more: Any) -> Any:
    now = int(time.time())
    claims = {
        "iss": target.signer.issuer, "aud": target.signer.audience, "sub": subject,
        "role": role.value, "region": YUZHONG, "iat": now, "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }  # fmt: skip
    return {**claims, **more}


async def _refused(target: Target, token: str, query: str = ME, **variables: Any) -> str:
    response = await target.post(query, variables, token=token)
    seen = refusal(response, 401, "unauthenticated")
    check(not (response.json().get("data") or {}).get("me"), f"data: {response.text[:80]}")
    return seen


async def alg_none(target: Target) -> str:
    victim = await candidate(target, "tokens")
    header = {"alg": "none", "typ": "JWT", "kid": target.signer.kid}
    token = f"{_segment(header)}.{_segment(_claims(target, victim.id))}."
    return await _refused(target, token)


async def wrong_key(target: Target) -> str:
    victim = await candidate(target, "tokens")
    forger = TokenSigner(
        Ed25519PrivateKey.generate(),
        issuer=target.signer.issuer,
        audience=target.signer.audience,
    )
    token = forger.issue(subject=victim.id, role=Role.CANDIDATE, minutes=5, region_code=YUZHONG)
    return await _refused(target, token.token)


async def wrong_key_with_the_real_kid(target: Target) -> str:
    victim = await candidate(target, "tokens")
    headers = {"kid": target.signer.kid}
    token = jwt.encode(
        _claims(target, victim.id), Ed25519PrivateKey.generate(), ALGORITHM, headers=headers
    )
    return await _refused(target, token)


async def hmac_with_the_public_key(target: Target) -> str:
    """Algorithm confusion: HS256 keyed with identity's published public key."""
    victim = await candidate(target, "tokens")
    jwks = (await target.client.get(f"{target.service('identity')}/.well-known/jwks.json")).json()
    secret = json.dumps(jwks["keys"][0]).encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": target.signer.kid}
    signed = f"{_segment(header)}.{_segment(_claims(target, victim.id))}"
    mac = hmac.new(secret, signed.encode(), hashlib.sha256).digest()
    return await _refused(target, f"{signed}.{_segment(mac)}")


async def embedded_key(target: Target) -> str:
    """The attacker's own public key in the header (`jwk`), and a `jku` naming their JWKS."""
    victim = await candidate(target, "tokens")
    key = Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    headers = {"kid": key_id(key.public_key()), "jwk": jwk,
               "jku": "https://attacker.example/jwks.json"}  # fmt: skip
    token = jwt.encode(_claims(target, victim.id), key, ALGORITHM, headers=headers)
    return await _refused(target, token)


async def expired(target: Target) -> str:
    victim = await candidate(target, "tokens")
    token = target.signer.issue(subject=victim.id, role=Role.CANDIDATE, minutes=-10)
    return await _refused(target, token.token)


async def wrong_audience(target: Target) -> str:
    victim = await candidate(target, "tokens")
    return await _refused(target, target.sign(_claims(target, victim.id, aud="zikao-staff")))


async def wrong_issuer(target: Target) -> str:
    victim = await candidate(target, "tokens")
    claims = _claims(target, victim.id, iss="https://attacker.example")
    return await _refused(target, target.sign(claims))


async def candidate_claims_staff(target: Target) -> str:
    """A candidate's own token, its role changed to admin and re-signed with a random key."""
    victim = await candidate(target, "tokens")
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    claims.update(role=Role.ADMIN.value)
    claims.pop("region", None)
    headers = {"kid": target.signer.kid}
    token = jwt.encode(claims, Ed25519PrivateKey.generate(), ALGORITHM, headers=headers)
    other = await candidate(target, "tokens-other")
    return await _refused(target, token, STAFF_READ, t=other.ticket_number)


async def tampered_payload(target: Target) -> str:
    """The candidate's real signature kept, the payload's role changed to admin."""
    victim = await candidate(target, "tokens")
    header, payload, signature = victim.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = Role.ADMIN.value
    return await _refused(target, f"{header}.{_segment(claims)}.{signature}")


async def garbage(target: Target) -> str:
    seen = []
    for token in ("not-a-token", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30.", "x" * 4000):
        seen.append(await _refused(target, token))
    return seen[0] + f" (x{len(seen)})"


CASES = [
    Case("tokens", "alg none", alg_none),
    Case("tokens", "a wrong key", wrong_key),
    Case("tokens", "a wrong key under the real kid", wrong_key_with_the_real_kid),
    Case("tokens", "HS256 keyed with the public key", hmac_with_the_public_key),
    Case("tokens", "a key embedded in the header", embedded_key),
    Case("tokens", "expired", expired),
    Case("tokens", "wrong audience", wrong_audience),
    Case("tokens", "wrong issuer", wrong_issuer),
    Case("tokens", "candidate re-signed as admin", candidate_claims_staff),
    Case("tokens", "payload changed, signature kept", tampered_payload),
    Case("tokens", "garbage", garbage),
]
