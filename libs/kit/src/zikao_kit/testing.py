"""pytest plugin of every Zikao test suite (loaded with `-p zikao_kit.testing`).

One database per test session, made on the server named by `DATABASE_URL` and built by running
every service's migrations once; one rolled-back transaction per test; the real Redis of
`REDIS_URL`. `make test` sets both, starting embedded servers when the environment has none.
`ZIKAO_TEST_SERVICES=identity` limits the migrated schemas when running one service's tests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from zikao_kit.auth import Principal
from zikao_kit.context import Context
from zikao_kit.db import Sessionmaker, create_engine
from zikao_kit.scratch import SERVICES, scratch_database
from zikao_kit.settings import ServiceSettings


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the suite with `make test`", returncode=2)
    return url


@pytest.fixture(scope="session")
def repo_root(request: pytest.FixtureRequest) -> Path:
    return Path(str(request.config.rootpath))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database with every service's schema migrated; dropped after the session."""
    services = os.environ.get("ZIKAO_TEST_SERVICES", ",".join(SERVICES)).split(",")
    with scratch_database(_server_url(), "zikao_test", services) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, schema="public", pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection whose outer transaction is rolled back when the test ends."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def db(db_connection: AsyncConnection) -> Sessionmaker:
    """A sessionmaker whose `begin()` blocks become savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=db_connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.exit("REDIS_URL is not set: run the suite with `make test`", returncode=2)
    return url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


class TakingTurns:
    """The test's sessionmaker for resolvers, whose DataLoaders open sessions concurrently.

    In a test every session is a savepoint on one shared connection, and interleaved savepoints
    break ("savepoint does not exist"); so each session waits for the one before. Running
    services have a pooled connection per session and need no such thing."""

    def __init__(self, db: Sessionmaker) -> None:
        self._db = db
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._turn, self._db() as session:
            yield session

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with self._turn, self._db.begin() as session:
            yield session


def taking_turns(db: Sessionmaker) -> Sessionmaker:
    return cast(Sessionmaker, TakingTurns(db))


def make_context(
    db: Sessionmaker,
    redis: Redis,
    settings: ServiceSettings,
    principal: Principal | None = None,
    extras: dict[str, Any] | None = None,
) -> Context:
    """A resolver context for `schema.execute` in tests, with no HTTP request behind it; its
    sessions take turns (see `TakingTurns`)."""
    return Context(
        request=None,
        response=None,
        db=taking_turns(db),
        redis=redis,
        request_id=uuid.uuid4().hex,
        settings=settings,
        extras=extras or {},
        principal=principal,
    )
