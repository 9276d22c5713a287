"""What fault tests do to a running system: kill or restart one process, restart the embedded
PostgreSQL (data kept, the server stopped with the last user), flush and restart the embedded
Redis (keys gone, same socket)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg

from zikao_devrun.embedded_pg import EmbeddedPostgres
from zikao_devrun.embedded_redis import EmbeddedRedis, redis_command, redis_pings
from zikao_devrun.ports import free_port_numbers
from zikao_devrun.process import ProcessSpec, http_ok
from zikao_devrun.system import System

LOADED = 120.0


def test_a_killed_process_restarts_and_is_ready_again(
    tmp_path: Path, alive: Callable[[int], bool]
) -> None:
    (port,) = free_port_numbers(1)
    argv = (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1")
    spec = ProcessSpec("web", (*argv, "--directory", str(tmp_path)), f"http://127.0.0.1:{port}/")
    sleeper = ProcessSpec("sleeper", (sys.executable, "-c", "import time; time.sleep(600)"))
    with System([spec, sleeper], start_timeout=LOADED) as system:
        before = system.pids
        system.kill("web")
        assert not alive(before["web"])
        assert not http_ok(f"http://127.0.0.1:{port}/")
        system.restart("web")
        assert http_ok(f"http://127.0.0.1:{port}/")
        after = system.pids
        assert after["web"] != before["web"]
        assert after["sleeper"] == before["sleeper"]
        assert list(after) == ["web", "sleeper"]
        system.restart("sleeper", kill=True)
        system.check()
        assert alive(system.pids["sleeper"])
    assert not alive(after["web"])


async def test_embedded_postgres_restarts_with_its_data_and_stops_after(short_tmp: Path) -> None:
    server = EmbeddedPostgres(short_tmp / "pgdata")
    server.start()
    try:
        url = server.url()
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)")
        server.restart()
        assert connection.is_closed() or not await _still_answers(connection)
        connection = await asyncpg.connect(server.url())
        try:
            assert await connection.fetchval("SELECT id FROM kept") == 7
        finally:
            await connection.close()
        socket_dir = server.socket_dir
    finally:
        server.stop()
    assert not (socket_dir / ".s.PGSQL.5432").exists()


async def _still_answers(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
        return False
    return True


def test_embedded_redis_flushed_and_restarted_answers_with_no_keys(short_tmp: Path) -> None:
    server = EmbeddedRedis(short_tmp / "redis")
    server.start()
    try:
        redis_command(server.socket_path, b"SET kept 1")
        server.restart(flush=True)
        assert redis_pings(server.socket_path)
        assert redis_command(server.socket_path, b"DBSIZE").strip() == b":0"
    finally:
        server.stop()
    assert not redis_pings(server.socket_path)
