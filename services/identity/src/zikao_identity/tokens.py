"""Access tokens: Ed25519-signed JWTs whose public keys identity publishes as JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from zikao_kit.auth import ALGORITHM, Role


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint of the public key: stable, so a restart keeps the same `kid`."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return (
        base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    )


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: float


class TokenSigner:
    def __init__(self, private_key: Ed25519PrivateKey, *, issuer: str, audience: str) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.kid = key_id(self.public_key)
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def load(cls, path: Path | None, *, issuer: str, audience: str) -> TokenSigner:
        """The key in `path` (PEM), or a fresh one for this process when no file is set."""
        if path is None:
            return cls(Ed25519PrivateKey.generate(), issuer=issuer, audience=audience)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the JWT signing key must be an Ed25519 private key")
        return cls(key, issuer=issuer, audience=audience)

    def issue(
        self, *, subject: str, role: Role, minutes: int, region_code: str | None = None
    ) -> IssuedToken:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "role": role.value,
            "iat": now,
            "exp": now + minutes * 60,
            "jti": uuid.uuid4().hex,
        }
        if region_code is not None:
            claims["region"] = region_code
        token = jwt.encode(
            claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid}
        )
        return IssuedToken(token=token, expires_at=float(claims["exp"]))

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.public_key))
        jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [jwk]}


def write_private_key(path: Path) -> None:
    """Writes a new Ed25519 signing key as PEM (readable by its owner only)."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)
