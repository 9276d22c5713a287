import asyncio
import base64
import io
import uuid

import pytest
from PIL import Image
from redis.asyncio import Redis

from zikao_identity.captcha import CaptchaStore
from zikao_kit.errors import InvalidInputError


def _store(redis: Redis, test_answer: str | None = None, ttl: int = 60) -> CaptchaStore:
    prefix = f"captcha-test:{uuid.uuid4().hex}"
    return CaptchaStore(redis, prefix=prefix, ttl_seconds=ttl, test_answer=test_answer)


async def test_a_captcha_is_a_png_answered_once(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(redis)
    monkeypatch.setattr("zikao_identity.captcha.new_answer", lambda: "KKKK")
    issued = await store.issue()
    assert issued.image.startswith("data:image/png;base64,")
    png = base64.b64decode(issued.image.split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (160, 60))
    await store.check(issued.id, " kkkk ")
    with pytest.raises(InvalidInputError) as raised:
        await store.check(issued.id, "KKKK")
    assert (raised.value.field, raised.value.code) == ("captcha", "captcha_expired")


async def test_a_wrong_answer_uses_the_captcha_up(redis: Redis) -> None:
    store = _store(redis)
    issued = await store.issue()
    with pytest.raises(InvalidInputError) as raised:
        await store.check(issued.id, "????")
    assert raised.value.code == "captcha_wrong"
    with pytest.raises(InvalidInputError, match="失效"):
        await store.check(issued.id, "????")


async def test_the_test_answer_passes_any_issued_captcha_but_no_unknown_one(redis: Redis) -> None:
    store = _store(redis, test_answer="TEST")
    await store.check((await store.issue()).id, "test")
    with pytest.raises(InvalidInputError):
        await store.check("made-up", "TEST")
    plain = _store(redis)
    with pytest.raises(InvalidInputError):
        await plain.check((await plain.issue()).id, "TEST")


async def test_captchas_expire(redis: Redis) -> None:
    store = _store(redis, ttl=1)
    issued = await store.issue()
    await redis.pexpire(f"{store._prefix}{issued.id}", 1)
    await asyncio.sleep(0.01)
    with pytest.raises(InvalidInputError, match="失效"):
        await store.check(issued.id, "whatever")
