"""Password and security-answer hashing: argon2id at OWASP's minimum or above, in threads of
its own so that the event loop keeps serving while a hash is computed.

Each hash needs 19 MiB that the C allocator keeps for the thread that used it: hashing runs in
as many threads as the machine has cores (more could only queue for the CPU), so identity's
memory holds at most that many, reached on its first busy minute (the soak saw identity grow
by 19 MiB steps while asyncio's default pool of six threads took turns)."""

from __future__ import annotations

import asyncio
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zikao_identity.password_policy import normalize_password

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_HASHING = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


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


async def _verified(hashed: str, secret: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, verify_secret, hashed, secret)


async def _hashed(secret: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_secret, secret)


async def hash_password(password: str) -> str:
    return await _hashed(normalize_password(password))


async def verify_password(hashed: str | None, password: str) -> bool:
    """Checks against `hashed`, or against a throw-away hash when there is no account, so that
    an unknown login takes as long as a wrong password."""
    target = hashed if hashed is not None else _decoy()
    ok = await _verified(target, normalize_password(password))
    return ok and hashed is not None


async def hash_answer(answer: str) -> str:
    return await _hashed(normalize_answer(answer))


async def verify_answer(hashed: str, answer: str) -> bool:
    return await _verified(hashed, normalize_answer(answer))


@cache
def _decoy() -> str:
    return hash_secret("decoy password that no account has")
