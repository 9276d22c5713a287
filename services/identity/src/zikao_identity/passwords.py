"""Password and security-answer hashing: argon2id at OWASP's minimum or above, in a thread so
that the event loop keeps serving while a hash is computed."""

from __future__ import annotations

import asyncio
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zikao_identity.password_policy import normalize_password

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def parameters() -> str:
    """`m=19456, t=2, p=1`: what the hashes cost, as the benchmark prints it."""
    return f"m={HASHER.memory_cost}, t={HASHER.time_cost}, p={HASHER.parallelism}"


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


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hash_secret, normalize_password(password))


async def verify_password(hashed: str | None, password: str) -> bool:
    """Checks against `hashed`, or against a throw-away hash when there is no account, so that
    an unknown login takes as long as a wrong password."""
    target = hashed if hashed is not None else _decoy()
    ok = await asyncio.to_thread(verify_secret, target, normalize_password(password))
    return ok and hashed is not None


async def hash_answer(answer: str) -> str:
    return await asyncio.to_thread(hash_secret, normalize_answer(answer))


async def verify_answer(hashed: str, answer: str) -> bool:
    return await asyncio.to_thread(verify_secret, hashed, normalize_answer(answer))


@cache
def _decoy() -> str:
    return hash_secret("decoy password that no account has")
