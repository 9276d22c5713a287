import asyncio
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


class CountingKeys(StaticKeySource):
    def __init__(self, keys: dict[str, object]) -> None:
        super().__init__(keys)
        self.asked = 0

    async def key_for(self, kid: str) -> object:
        self.asked += 1
        return await super().key_for(kid)


async def test_a_verified_token_is_remembered_until_it_expires() -> None:
    signer = TokenSigner.load(None, issuer="zikao-identity", audience="zikao")
    keys = CountingKeys({signer.kid: signer.public_key})
    verifier = TokenVerifier(keys, issuer="zikao-identity", audience="zikao", remember=2)
    token = signer.issue(subject="abc", role=Role.CANDIDATE, minutes=5).token
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert keys.asked == 1  # the second time needed no signature check
    # a token that expired after it was remembered is refused, not served from memory
    short = jwt.encode(
        {
            "sub": "b",
            "role": "candidate",
            "iat": int(time.time()),
            "exp": time.time() + 1,
            "iss": "zikao-identity",
            "aud": "zikao",
        },
        signer._private_key,
        algorithm="EdDSA",
        headers={"kid": signer.kid},
    )
    await verifier.verify(short)
    await asyncio.sleep(1.1)
    with pytest.raises(UnauthenticatedError):
        await verifier.verify(short)
    # at most `remember` tokens are kept: the oldest goes first
    others = [signer.issue(subject=s, role=Role.CANDIDATE, minutes=5).token for s in "xyz"]
    for other in others:
        await verifier.verify(other)
    asked = keys.asked
    await verifier.verify(others[-1])
    assert keys.asked == asked
    await verifier.verify(token)
    assert keys.asked == asked + 1


async def test_tokens_past_their_minute_are_forgotten_without_waiting_for_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy hour's tokens do not stay in memory through the quiet hour after it."""
    signer = TokenSigner.load(None, issuer="zikao-identity", audience="zikao")
    keys = CountingKeys({signer.kid: signer.public_key})
    verifier = TokenVerifier(keys, issuer="zikao-identity", audience="zikao", remember=100)
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    busy = [signer.issue(subject=f"s{n}", role=Role.CANDIDATE, minutes=30).token for n in range(5)]
    for token in busy:
        await verifier.verify(token)
    assert len(verifier._verified) == 5
    clock[0] += 61
    await verifier.verify(signer.issue(subject="late", role=Role.CANDIDATE, minutes=30).token)
    assert len(verifier._verified) == 1
