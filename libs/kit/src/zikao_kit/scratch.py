"""Throw-away databases for test sessions and benchmarks: made on a server, migrated, dropped."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import asyncpg
from sqlalchemy.engine import make_url

from zikao_kit.cli import ServiceCommands

SERVICES = ("identity", "records", "documents")


def database_dsn(url: str, database: str) -> str:
    """`url` (any PostgreSQL URL of the server) pointed at another database, as libpq spells it."""
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(database_dsn(url, "postgres"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def scratch_database(
    server_url: str, prefix: str, services: Sequence[str] = SERVICES
) -> Iterator[str]:
    """A new database `<prefix>_<random>` on the server of `server_url`, with each named
    service's migrations and reference data loaded; its URL, and the database dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = database_dsn(server_url, name)
    try:
        for service in services:
            commands: ServiceCommands = importlib.import_module(f"zikao_{service}.cli").COMMANDS
            commands.migrate(url)
        yield url
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
