"""The plan and document cache: bounded, least recently used first, safe across threads."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator

import pytest

from zikao_gateway.cache import LruCache


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_forgets_the_least_recently_used() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


@pytest.mark.usefixtures("frequent_thread_switches")
def test_threads_filling_it_at_once() -> None:
    # Without the lock, a `get` here loses its key to another thread's eviction (KeyError).
    cache: LruCache[int, int] = LruCache(4)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        chance = random.Random(seed)
        try:
            for _ in range(20_000):
                key = chance.randrange(8)
                if chance.random() < 0.5:
                    cache.put(key, key)
                assert cache.get(key) in (key, None)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache) == 4
