"""Personal data at rest: AES-256-GCM with a key ring (rotation) and an HMAC blind index."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyRingError(ValueError):
    """The configured keys are malformed or the needed key is missing."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce + ciphertext + tag


class Vault:
    """Encrypts with the active key; decrypts with whichever key sealed the value."""

    def __init__(self, keys: dict[str, bytes], active: str, index_key: bytes) -> None:
        if active not in keys:
            raise KeyRingError("the active data key id is not among the data keys")
        if any(len(k) != 32 for k in keys.values()):
            raise KeyRingError("every data key must be 32 bytes (AES-256)")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active = active
        self._index_key = index_key

    @classmethod
    def from_settings(cls, keys: str, active: str, index_key: str) -> Vault:
        ring = {}
        for pair in keys.split(","):
            kid, sep, encoded = pair.strip().partition(":")
            if not sep or not kid:
                raise KeyRingError("data keys must be `kid:base64key` pairs")
            ring[kid] = base64.b64decode(encoded)
        return cls(ring, active, base64.b64decode(index_key))

    def seal(self, plaintext: str, purpose: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = self._ciphers[self.active].encrypt(nonce, plaintext.encode(), purpose.encode())
        return Sealed(self.active, nonce + blob)

    def open(self, sealed: Sealed, purpose: str) -> str:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise KeyRingError("the key that sealed this value is no longer configured")
        nonce, blob = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        return cipher.decrypt(nonce, blob, purpose.encode()).decode()

    def blind_index(self, value: str, purpose: str) -> bytes:
        """A keyed hash for equality lookups; reveals nothing without the index key."""
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self._index_key, message, hashlib.sha256).digest()
