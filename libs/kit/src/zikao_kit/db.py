"""Async engine and sessions: one engine per service, its search_path set to its own schema."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, func
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Sessionmaker = async_sessionmaker[AsyncSession]


def schema_registry(schema: str) -> registry:
    """A SQLAlchemy registry of its own per service, so each service's SQLModel tables live in
    their own `MetaData` (and PostgreSQL schema) and never mix in migrations."""
    return registry(metadata=MetaData(schema=schema, naming_convention=NAMING_CONVENTION))


def async_url(url: str) -> URL:
    """`postgresql://…` (as libpq and Docker spell it) → the asyncpg dialect URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def create_engine(url: str, *, schema: str, pool_size: int = 10) -> AsyncEngine:
    """An engine whose connections see `schema` first; times are always UTC. A failed
    statement's parameters (names, e-mails, hashes) never reach an error message or a log."""
    return create_async_engine(
        async_url(url),
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {"search_path": schema, "timezone": "UTC"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> Sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_column(*, nullable: bool = False) -> Column[datetime]:
    """A `timestamptz` column that the database fills with now() when left out."""
    return Column(DateTime(timezone=True), nullable=nullable, server_default=func.now())


_NOT_AN_OUTAGE = (IntegrityError, DataError, ProgrammingError)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says PostgreSQL is away (restarting, unreachable, the connection cut)
    rather than that the statement was wrong: the same request may succeed when it is back."""
    if isinstance(error, DBAPIError):
        return not isinstance(error, _NOT_AN_OUTAGE)
    return isinstance(error, OSError)
