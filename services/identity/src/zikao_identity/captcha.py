"""Image captchas: a PNG of a few characters, kept in Redis for one use until it expires."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from captcha.image import ImageCaptcha
from redis.asyncio import Redis

from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError

# No 0/O, 1/I/L: characters people cannot tell apart in a distorted image.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 4
_IMAGE = ImageCaptcha(width=160, height=60)


@dataclass(frozen=True)
class IssuedCaptcha:
    id: str
    image: str  # data: URL of a PNG
    expires_at: datetime


def _digest(answer: str) -> bytes:
    return hashlib.sha256(answer.strip().upper().encode()).digest()


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _render(answer: str) -> bytes:
    return _IMAGE.generate(answer, format="png").getvalue()


class CaptchaStore:
    """Issues captchas and checks answers; `test_answer` (never in production) also passes."""

    def __init__(
        self, redis: Redis, *, prefix: str, ttl_seconds: int, test_answer: str | None = None
    ) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:captcha:"
        self._ttl = ttl_seconds
        self._test = _digest(test_answer) if test_answer else None

    async def issue(self) -> IssuedCaptcha:
        answer = new_answer()
        png = await asyncio.to_thread(_render, answer)
        captcha_id = secrets.token_urlsafe(18)
        await self._redis.set(self._prefix + captcha_id, _digest(answer), ex=self._ttl)
        image = "data:image/png;base64," + base64.b64encode(png).decode()
        return IssuedCaptcha(captcha_id, image, utc_now() + timedelta(seconds=self._ttl))

    async def check(self, captcha_id: str, answer: str) -> None:
        """Uses the captcha up, right or wrong; `InvalidInputError("captcha")` unless right."""
        stored = await self._redis.getdel(self._prefix + captcha_id[:64])
        if stored is None:
            raise InvalidInputError("captcha", "验证码已失效，请刷新后重试", code="captcha_expired")
        given = _digest(answer)
        if not (hmac.compare_digest(stored, given) or self._is_test(given)):
            raise InvalidInputError("captcha", "验证码不正确", code="captcha_wrong")

    def _is_test(self, given: bytes) -> bool:
        return self._test is not None and hmac.compare_digest(self._test, given)
