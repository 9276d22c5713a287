"""PostgreSQL and Redis for the system: from DATABASE_URL/REDIS_URL, else embedded ones.

Embedded servers keep their data under ``<root>/.run`` (``pgdata/`` and ``redis/``) and
are stopped (not deleted) when the context ends, unless another process still uses them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from zikao_devrun.embedded_pg import EmbeddedPostgres
from zikao_devrun.embedded_redis import EmbeddedRedis

RUN_DIR = ".run"
DEFAULT_DATABASE = "zikao"

Report = Callable[[str], None]


@dataclass(frozen=True)
class Infra:
    """The URLs the system's processes get as DATABASE_URL and REDIS_URL."""

    database_url: str
    redis_url: str
    embedded_postgres: bool = False
    embedded_redis: bool = False

    def env(self) -> dict[str, str]:
        """``{"DATABASE_URL": ..., "REDIS_URL": ...}``."""
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}


def run_dir(root: Path) -> Path:
    """``<root>/.run``, where embedded servers keep their data."""
    return root / RUN_DIR


def _quiet(_: str) -> None:
    """A report function that says nothing."""


@contextlib.contextmanager
def embedded_postgres(
    data_dir: Path, database: str = DEFAULT_DATABASE, report: Report = _quiet
) -> Iterator[str]:
    """Run an embedded PostgreSQL on ``data_dir``; yield the URL of ``database`` (created)."""
    server = EmbeddedPostgres(data_dir)
    started = time.monotonic()
    server.start()
    try:
        server.ensure_database(database)
        report(f"embedded PostgreSQL ready in {time.monotonic() - started:.1f} s ({data_dir})")
        yield server.url(database)
    finally:
        server.stop()


@contextlib.contextmanager
def embedded_redis(directory: Path, report: Report = _quiet) -> Iterator[str]:
    """Run an embedded Redis keeping its files in ``directory``; yield its URL."""
    server = EmbeddedRedis(directory)
    started = time.monotonic()
    server.start()
    try:
        report(f"embedded Redis ready in {time.monotonic() - started:.1f} s ({directory})")
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def infrastructure(
    root: Path,
    env: Mapping[str, str] | None = None,
    *,
    database: str = DEFAULT_DATABASE,
    report: Report = _quiet,
) -> Iterator[Infra]:
    """Yield the PostgreSQL and Redis to use; stop the embedded ones started for it.

    ``DATABASE_URL`` / ``REDIS_URL`` in ``env`` (default: ``os.environ``) win; otherwise
    embedded servers run with data under ``<root>/.run``, and ``database`` is created in
    the embedded PostgreSQL if missing.
    """
    env = os.environ if env is None else env
    with contextlib.ExitStack() as stack:
        database_url = env.get("DATABASE_URL") or ""
        if not database_url:
            pgdata = run_dir(root) / "pgdata"
            database_url = stack.enter_context(embedded_postgres(pgdata, database, report))
        redis_url = env.get("REDIS_URL") or ""
        if not redis_url:
            redis_url = stack.enter_context(embedded_redis(run_dir(root) / "redis", report))
        yield Infra(
            database_url=database_url,
            redis_url=redis_url,
            embedded_postgres=not env.get("DATABASE_URL"),
            embedded_redis=not env.get("REDIS_URL"),
        )
