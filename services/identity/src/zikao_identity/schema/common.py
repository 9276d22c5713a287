"""What identity's resolvers share: result unions, problems, the process's dependencies."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from zikao_identity.deps import IdentityDeps
from zikao_kit.context import Context
from zikao_kit.errors import DomainError
from zikao_kit.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    problem_from_error,
)

T = TypeVar("T")
Problems = InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict | RateLimited


@strawberry.input(description="The captcha shown with a form and the characters read from it.")
class CaptchaInput:
    id: strawberry.ID
    answer: str


def deps(info: Info[Context, None]) -> IdentityDeps:
    found: IdentityDeps = info.context.extras["deps"]
    return found


def today() -> date:
    return date.today()


async def check_captcha(info: Info[Context, None], captcha: CaptchaInput) -> None:
    await deps(info).captchas.check(str(captcha.id), captcha.answer)


async def answer(work: Awaitable[T]) -> T | Any:
    """The success value of `work`, or the typed problem of the domain error it raised (after
    its transaction was rolled back)."""
    try:
        return await work
    except DomainError as error:
        return problem_from_error(error)
