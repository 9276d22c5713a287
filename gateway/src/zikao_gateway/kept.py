"""Answers kept for the same caller while the subgraph that gave them vouches for them.

A subgraph marks an answer keepable (`zikao_kit.answer_cache`: `extensions.keep` with a
longest age and the tags of what it was read from — on release day, a candidate's results of
a published sitting). The gateway then answers the same operation with the same variables and
the same bearer token from memory, for that age at most, and forgets every answer of a tag as
soon as a subgraph publishes the tag on Redis (`zikao_kit.answer_cache.CHANNEL`) after a
correction's commit.

Nothing is lost or shown twice by that:
- an answer is kept only while this process listens on the channel (from the moment its
  subscription is confirmed); when the connection drops, everything kept is forgotten and
  nothing is kept until it is back;
- an answer whose request was sent before one of its tags was invalidated is not kept (it may
  have been read before the correction), whichever arrives first;
- the key holds the caller's whole `Authorization` header: only the bearer of the very token
  that was answered is answered again, and the subgraph's age never passes the token's expiry.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from zikao_kit.answer_cache import CHANNEL, KEEP

logger = logging.getLogger("zikao.gateway.kept")
Key = tuple[str, str, bytes, str | None, str]
"""The subgraph, the document, the variables (JSON, sorted keys), the operation's name and
the caller's Authorization header."""
RECONNECT_SECONDS = 1.0
SPREAD = 0.25
"""Each answer is kept for its age less up to this part of it, at random: the answers kept in
the minutes after a publication (every candidate reads at once) do not all run out together
five minutes later and send every reader to the subgraph again in the same minute."""
INVALIDATIONS_KEPT_SECONDS = 600.0
"""How long an invalidation's time is remembered (longer than any subgraph call may take)."""


@dataclass(frozen=True, slots=True)
class Kept:
    data: bytes  # JSON: each caller gets an object of their own
    expires: float
    tags: tuple[str, ...]


class KeptAnswers:
    """At most `entries` answers, each at most `longest` seconds (and its subgraph's age)."""

    def __init__(self, entries: int, longest: float) -> None:
        self.entries = entries
        self.longest = longest
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self._by_tag: dict[str, set[Key]] = {}
        self._invalidated: dict[str, float] = {}
        self._listening_since: float | None = None

    @property
    def listening(self) -> bool:
        return self._listening_since is not None

    @staticmethod
    def key(
        graph: str,
        document: str,
        variables: Mapping[str, Any],
        operation_name: str | None,
        authorization: str,
    ) -> Key:
        return (
            graph,
            document,
            orjson.dumps(variables, option=orjson.OPT_SORT_KEYS),
            operation_name,
            authorization,
        )

    def get(self, key: Key) -> dict[str, Any] | None:
        """The kept data of `key`, if it is there and not past its age."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        if kept.expires <= time.monotonic():
            self._drop(key)
            return None
        data: dict[str, Any] = orjson.loads(kept.data)
        return data

    def keep(self, key: Key, data: dict[str, Any], said: Any, asked_at: float) -> bool:
        """Keeps `data` if its subgraph said so (`said`: the answer's `extensions.keep`) and
        nothing it was read from changed since `asked_at` (the monotonic time the request
        was sent); whether it was kept."""
        if not isinstance(said, Mapping):
            return False
        tags, age = said.get("tags"), said.get("maxAge")
        if (
            self._listening_since is None
            or asked_at < self._listening_since
            or not isinstance(tags, list)
            or not tags
            or not all(isinstance(tag, str) for tag in tags)
            or not isinstance(age, int | float)
            or age <= 0
        ):
            return False
        if any(self._invalidated.get(tag, -1.0) >= asked_at for tag in tags):
            return False
        try:
            blob = orjson.dumps(data)
        except orjson.JSONEncodeError:
            return False  # a number past 64 bits: answered, not kept
        if key in self._kept:
            self._drop(key)
        while len(self._kept) >= self.entries:
            self._drop(next(iter(self._kept)))  # the oldest
        now = time.monotonic()
        self._forget_expired(now)
        expires = now + min(float(age), self.longest) * (1.0 - SPREAD * random.random())
        self._kept[key] = Kept(blob, expires, tuple(tags))
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)
        return True

    def _forget_expired(self, now: float) -> None:
        """Drops the oldest answers while they are past their age, so that answers nobody asks
        again do not stay until the count is reached (a few KiB each). Kept in the order they
        were kept, an answer of a shorter age behind the first live one waits for its turn
        (at most `longest`)."""
        while self._kept:
            key, oldest = next(iter(self._kept.items()))
            if oldest.expires > now:
                return
            self._drop(key)

    def invalidate(self, tags: Iterable[str]) -> None:
        """Forgets every answer read from `tags`, and refuses those asked before now."""
        now = time.monotonic()
        for tag in tags:
            self._invalidated[tag] = now
            for key in list(self._by_tag.get(tag, ())):
                self._drop(key)
        if len(self._invalidated) > 4 * self.entries:
            self._invalidated = {
                tag: at
                for tag, at in self._invalidated.items()
                if at > now - INVALIDATIONS_KEPT_SECONDS
            }

    def forget_all(self) -> None:
        self._kept.clear()
        self._by_tag.clear()

    def _drop(self, key: Key) -> None:
        kept = self._kept.pop(key, None)
        if kept is None:
            return
        for tag in kept.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]

    async def listen(self, redis: Redis) -> None:
        """Follows the invalidations published on Redis until cancelled; keeps nothing (and
        forgets what it kept) whenever it is not subscribed."""
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    while True:
                        message = await pubsub.get_message(timeout=5.0)
                        if message is None:
                            continue
                        if message["type"] == "subscribe":
                            self.forget_all()
                            self._listening_since = time.monotonic()
                        elif message["type"] == "message":
                            self.invalidate(_text(message["data"]).split())
            except (RedisError, OSError) as error:
                logger.warning(
                    "kept answers: not listening", extra={"reason": type(error).__name__}
                )
            finally:
                self._listening_since = None
                self.forget_all()
            await asyncio.sleep(RECONNECT_SECONDS)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ["KEEP", "KeptAnswers"]
