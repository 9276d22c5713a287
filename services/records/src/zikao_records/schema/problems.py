"""Records' own problem types, and running a mutation so that domain errors become problems."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import strawberry

from zikao_kit.errors import DomainError
from zikao_kit.problems import Problem, problem_from_error, register_problem
from zikao_records import errors

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
