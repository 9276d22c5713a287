"""Embedded Redis and PostgreSQL start when REDIS_URL / DATABASE_URL are absent."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import asyncpg
import pytest
import redis.asyncio as redis_asyncio
from arq.connections import RedisSettings

from zikao_devrun.embedded_redis import MAX_SOCKET_PATH, redis_pings, short_socket_path
from zikao_devrun.infra import infrastructure


async def test_embedded_redis_answers_ping_when_redis_url_is_absent(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://unused")
    with infrastructure(short_tmp) as infra:
        assert infra.embedded_redis
        assert not infra.embedded_postgres
        assert infra.database_url == "postgresql://unused"
        assert infra.redis_url.startswith("unix://")
        assert infra.redis_url.endswith("?db=0")
        client = redis_asyncio.Redis.from_url(infra.redis_url)
        try:
            assert await client.ping()
            await client.set("kept", "yes")
        finally:
            await client.aclose()
        settings = RedisSettings.from_dsn(infra.redis_url)
        assert settings.unix_socket_path == urlparse(infra.redis_url).path
        socket_path = Path(urlparse(infra.redis_url).path)
    assert not redis_pings(socket_path)
    assert (short_tmp / ".run" / "redis" / "dump.rdb").exists()
    with infrastructure(short_tmp) as infra:
        client = redis_asyncio.Redis.from_url(infra.redis_url)
        try:
            assert await client.get("kept") == b"yes"
        finally:
            await client.aclose()


def test_external_urls_are_used_as_given(short_tmp: Path) -> None:
    env = {"DATABASE_URL": "postgresql://db.example/zikao", "REDIS_URL": "redis://cache:6379/2"}
    with infrastructure(short_tmp, env) as infra:
        assert infra.env() == env
        assert not infra.embedded_postgres
        assert not infra.embedded_redis
    assert not (short_tmp / ".run").exists()


def test_long_directories_get_a_short_socket_path(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    path = short_socket_path(deep, "redis.sock")
    assert len(os.fsencode(path)) < MAX_SOCKET_PATH
    assert short_socket_path(deep, "redis.sock") == path


def pg_socket_exists(socket_dir: str) -> bool:
    return Path(socket_dir, ".s.PGSQL.5432").exists()


async def test_embedded_postgres_creates_zikao_and_keeps_data(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://unused")
    began = time.monotonic()
    with infrastructure(short_tmp) as infra:
        assert time.monotonic() - began < 10
        assert infra.embedded_postgres
        url = urlparse(infra.database_url)
        assert (url.scheme, url.username, url.hostname, url.path) == (
            "postgresql", "postgres", None, "/zikao"
        )  # fmt: skip
        socket_dir = parse_qs(url.query)["host"][0]
        assert len(f"{socket_dir}/.s.PGSQL.5432") < MAX_SOCKET_PATH
        connection = await asyncpg.connect(infra.database_url)
        try:
            await connection.execute("CREATE TABLE kept (id int)")
        finally:
            await connection.close()
    assert not pg_socket_exists(socket_dir)
    with infrastructure(short_tmp) as infra:
        connection = await asyncpg.connect(infra.database_url)
        try:
            assert await connection.fetchval("SELECT count(*) FROM kept") == 0
        finally:
            await connection.close()
