"""Typed problems: the schema side of `zikao_kit.errors`.

Every mutation answers a union of one success type and problems; each problem implements
`interface Problem { code message }`. These common problems are `@shareable`, since every
subgraph may return them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from zikao_kit import errors


@strawberry.interface(description="An expected failure: `code` is stable, `message` is for people.")
class Problem:
    code: str
    message: str


@strawberry.federation.type(shareable=True, description="A field of the input is wrong.")
class InvalidInput(Problem):
    field: str


@strawberry.federation.type(shareable=True, description="Not signed in, or the session ended.")
class Unauthenticated(Problem):
    pass


@strawberry.federation.type(shareable=True, description="Signed in, but not allowed to do this.")
class Forbidden(Problem):
    pass


@strawberry.federation.type(shareable=True, description="The thing asked for does not exist.")
class NotFound(Problem):
    pass


@strawberry.federation.type(shareable=True, description="Conflicts with what is recorded.")
class Conflict(Problem):
    pass


@strawberry.federation.type(shareable=True, description="Too many attempts; try again later.")
class RateLimited(Problem):
    retry_after_seconds: int


COMMON_PROBLEMS: tuple[type[Problem], ...] = (
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
)

ProblemFactory = Callable[[Any], Problem]

_FACTORIES: dict[type[errors.DomainError], ProblemFactory] = {
    errors.InvalidInputError: lambda e: InvalidInput(code=e.code, message=e.message, field=e.field),
    errors.UnauthenticatedError: lambda e: Unauthenticated(code=e.code, message=e.message),
    errors.ForbiddenError: lambda e: Forbidden(code=e.code, message=e.message),
    errors.NotFoundError: lambda e: NotFound(code=e.code, message=e.message),
    errors.ConflictError: lambda e: Conflict(code=e.code, message=e.message),
    errors.RateLimitedError: lambda e: RateLimited(
        code=e.code, message=e.message, retry_after_seconds=e.retry_after_seconds
    ),
}


def register_problem(error_type: type[errors.DomainError], factory: ProblemFactory) -> None:
    """Maps a service's own error to its own problem type (e.g. `SlotConflict`)."""
    _FACTORIES[error_type] = factory


def problem_from_error(error: errors.DomainError) -> Problem:
    """The most specific registered problem for `error` (looked up along its class's MRO)."""
    for cls in type(error).__mro__:
        factory = _FACTORIES.get(cls)
        if factory is not None:
            return factory(error)
    return Conflict(code=error.code, message=error.message)
