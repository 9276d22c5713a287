"""Password and security-answer hashing: argon2id at OWASP's minimum or above."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def verify_secret(hashed: str, secret: str) -> bool:
    try:
        return HASHER.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def normalize_answer(answer: str) -> str:
    """Security answers compare without regard to width, case or surrounding spaces."""
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())
