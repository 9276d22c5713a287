"""Domain errors with stable codes. Services raise them; `zikao_kit.problems` maps them to the
typed GraphQL problems of the schema."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure that the client can act on. `message` is fit to show a candidate."""

    code = "error"
    default_message = "操作失败"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFoundError(DomainError):
    code = "not_found"
    default_message = "未找到"


class ConflictError(DomainError):
    code = "conflict"
    default_message = "与现有数据冲突"


class InvalidInputError(DomainError):
    """A field of the input is malformed or wrong; `field` names it as the client sent it."""

    code = "invalid_input"
    default_message = "输入有误"

    def __init__(self, field: str, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if code:
            self.code = code


class UnauthenticatedError(DomainError):
    code = "unauthenticated"
    default_message = "请先登录"


class ForbiddenError(DomainError):
    code = "forbidden"
    default_message = "没有权限执行此操作"


class RateLimitedError(DomainError):
    code = "rate_limited"
    default_message = "操作过于频繁，请稍后再试"

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
