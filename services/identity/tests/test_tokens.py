import time

import jwt
import pytest

from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import JwksKeySource, Role, StaticKeySource, TokenVerifier
from zikao_kit.errors import UnauthenticatedError


def _pair() -> tuple[TokenSigner, TokenVerifier]:
    signer = TokenSigner.load(None, issuer="zikao-identity", audience="zikao")
    keys = StaticKeySource({signer.kid: signer.public_key})
    return signer, TokenVerifier(keys, issuer="zikao-identity", audience="zikao")


async def test_issued_token_verifies_to_its_principal() -> None:
    signer, verifier = _pair()
    issued = signer.issue(subject="abc", role=Role.STAFF, minutes=5, region_code="0103")
    principal = await verifier.verify(issued.token)
    assert (principal.subject, principal.role, principal.region_code) == ("abc", Role.STAFF, "0103")
    assert principal.expires_at == issued.expires_at


async def test_tampered_foreign_and_expired_tokens_are_refused() -> None:
    signer, verifier = _pair()
    other, _ = _pair()
    token = signer.issue(subject="abc", role=Role.CANDIDATE, minutes=5).token
    head, body, signature = token.split(".")
    forged_body = jwt.utils.base64url_encode(b'{"sub":"other","role":"admin"}').decode()
    expired = jwt.encode(
        {
            "sub": "a",
            "role": "candidate",
            "iat": 1,
            "exp": int(time.time()) - 10,
            "iss": "zikao-identity",
            "aud": "zikao",
        },
        signer._private_key,
        algorithm="EdDSA",
        headers={"kid": signer.kid},
    )
    for bad in (
        f"{head}.{forged_body}.{signature}",
        other.issue(subject="abc", role=Role.ADMIN, minutes=5).token,
        expired,
        "not-a-token",
    ):
        with pytest.raises(UnauthenticatedError):
            await verifier.verify(bad)


def test_jwks_publishes_the_public_key_only() -> None:
    signer, _ = _pair()
    (key,) = signer.jwks()["keys"]
    assert key["kid"] == signer.kid
    assert key["alg"] == "EdDSA"
    assert "d" not in key


async def test_unreachable_jwks_is_unauthenticated_not_a_crash() -> None:
    source = JwksKeySource("http://127.0.0.1:9/.well-known/jwks.json")
    verifier = TokenVerifier(source, issuer="zikao-identity", audience="zikao")
    signer, _ = _pair()
    with pytest.raises(UnauthenticatedError):
        await verifier.verify(signer.issue(subject="a", role=Role.CANDIDATE, minutes=1).token)
    await source.aclose()
