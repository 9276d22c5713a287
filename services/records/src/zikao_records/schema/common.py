"""What the schema's modules share: DataLoader batches (one session and one query per batch;
sessions are never shared between concurrent resolvers), records' own problem type and running
a mutation so that domain errors become problems, and reading arguments and callers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.types import Info

from zikao_kit.auth import Principal
from zikao_kit.context import Context
from zikao_kit.errors import DomainError, NotFoundError
from zikao_kit.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    Unauthenticated,
    problem_from_error,
    register_problem,
)
from zikao_records import errors, text
from zikao_records.service import scope
from zikao_records.settings import records_settings

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Fetch = Callable[[Context, AsyncSession, list[K]], Awaitable[Mapping[K, V]]]
READS_ONLY = {"isolation_level": "AUTOCOMMIT"}
"""A loader's session only reads: each statement on its own, no BEGIN and ROLLBACK around
them (two round trips of the three a one-query read made)."""


def batch_one(
    context: Context, fetch: Fetch[K, V]
) -> Callable[[Sequence[K]], Awaitable[list[V | None]]]:
    """Loads one value per key; keys that `fetch` leaves out get None."""

    async def load(keys: Sequence[K]) -> list[V | None]:
        async with context.db() as session:
            await _reading_only(session)
            found = await fetch(context, session, list(keys))
        return [found.get(key) for key in keys]

    return load


def batch_many(
    context: Context, fetch: Fetch[K, list[V]]
) -> Callable[[Sequence[K]], Awaitable[list[list[V]]]]:
    """Loads a list per key; keys that `fetch` leaves out get an empty list."""

    async def load(keys: Sequence[K]) -> list[list[V]]:
        async with context.db() as session:
            await _reading_only(session)
            found = await fetch(context, session, list(keys))
        return [found.get(key, []) for key in keys]

    return load


async def _reading_only(session: AsyncSession) -> None:
    """Statements on their own (`READS_ONLY`), where the session has a connection of its own
    (one joined to an outer transaction, as in tests, stays in it)."""
    if isinstance(session.bind, AsyncEngine):
        await session.connection(execution_options=READS_ONLY)


T = TypeVar("T")


@strawberry.type(description="Courses asked for (or already signed up for) share an exam slot.")
class SlotConflict(Problem):
    course_codes: list[str] = strawberry.field(description="the courses of the shared slot")


register_problem(
    errors.SlotConflictError,
    lambda e: SlotConflict(code=e.code, message=e.message, course_codes=e.course_codes),
)


async def answer(run: Callable[[], Awaitable[T]]) -> T:
    """The success of `run`, or the typed problem of the domain error it raised (the resolver's
    transaction has been rolled back by then, so nothing is written)."""
    try:
        return await run()
    except DomainError as error:
        problem: Any = problem_from_error(error)
        return cast(T, problem)


Problems = InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict


def parse_sitting(code: str) -> str:
    """A sitting code as the client sent it, once its shape is right."""
    return text.code(code, "sitting", text.SITTING_CODE)


def staff_principal(info: Info[Context, None]) -> Principal:
    """The caller, once staff or an admin."""
    principal = info.context.require_principal(*scope.STAFF_ROLES)
    return principal


def parse_id(value: strawberry.ID) -> uuid.UUID:
    """An id as the client sent it; one that is no UUID names nothing (`NotFoundError`)."""
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise NotFoundError() from error


def unpaid_lapse(context: Context) -> timedelta:
    """How long an unpaid sign-up stays live (`RECORDS_UNPAID_LAPSE_MINUTES`)."""
    return timedelta(minutes=records_settings(context.settings).unpaid_lapse_minutes)
