"""Strawberry on Starlette for every subgraph: schema extensions, context, error handling."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Final

import strawberry
from graphql import GraphQLError
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from zikao_kit import clock
from zikao_kit.answer_cache import Keepable, answer_cache_extension, invalidation_after_mutations
from zikao_kit.auth import TokenVerifier, bearer_token
from zikao_kit.context import Context
from zikao_kit.errors import DomainError, UnauthenticatedError
from zikao_kit.graphiql import OfflineGraphiQL
from zikao_kit.logging import current_request_id

logger = logging.getLogger("zikao.graphql")
FEDERATION_VERSION: Final = "2.9"

OPERATIONS = Counter(
    "zikao_graphql_operations_total", "GraphQL operations", ["service", "operation", "outcome"]
)
LATENCY = Histogram(
    "zikao_graphql_operation_seconds", "GraphQL operation latency", ["service", "operation"]
)


class ErrorCodes(MaskErrors):
    """Domain errors keep their message and gain `extensions.code`; anything unexpected is masked
    as `internal` and logged. Every error carries the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="服务器内部错误")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        request_id = current_request_id()
        processed = []
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {**(error.extensions or {}), "code": original.code}
            elif _is_unexpected(error):
                error = self.anonymise_error(error)
                error.extensions = {"code": "internal"}
            error.extensions = {**(error.extensions or {}), "requestId": request_id}
            processed.append(error)
        return processed


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)


class OperationMetrics(SchemaExtension):
    """Counts and times operations by name, for `/metrics`."""

    service = "zikao"

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context: ExecutionContext = self.execution_context
        name = context.operation_name or "anonymous"
        result = context.result
        outcome = "error" if result is not None and getattr(result, "errors", None) else "ok"
        OPERATIONS.labels(self.service, name, outcome).inc()
        LATENCY.labels(self.service, name).observe(time.perf_counter() - started)


class SubgraphSchema(strawberry.federation.Schema):
    """Logs errors without the query text (which may carry personal data): expected ones as
    one line with their code, unexpected ones with their traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            path = ".".join(str(p) for p in error.path or ())
            if isinstance(original, DomainError):
                logger.info("domain error", extra={"code": original.code, "path": path})
            elif _is_unexpected(error):
                logger.error("unexpected error", extra={"path": path}, exc_info=original)
            else:
                # The message of a rejected document may quote its literals: not logged.
                logger.info("request rejected", extra={"path": path})


def build_schema(
    service: str,
    *,
    query: type,
    mutation: type | None = None,
    types: Iterable[type] = (),
    keepable: Keepable | None = None,
    invalidated_by_mutations: Callable[[Context], Iterable[str]] | None = None,
) -> SubgraphSchema:
    """A federation-2.9 subgraph schema with parse/validation caches, metrics and error codes;
    with `keepable`, answers of those fields only that the resolvers vouched for are marked for
    the gateway to keep (`zikao_kit.answer_cache`), and with `invalidated_by_mutations` every
    mutation operation publishes the tags it names of the caller's context afterwards."""
    metrics = type(f"{service.title()}Metrics", (OperationMetrics,), {"service": service})
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        ErrorCodes,
        metrics,
    ]
    if keepable is not None:
        extensions.append(answer_cache_extension(keepable))
    if invalidated_by_mutations is not None:
        extensions.append(invalidation_after_mutations(invalidated_by_mutations))
    return SubgraphSchema(
        query=query,
        mutation=mutation,
        types=list(types),
        federation_version=FEDERATION_VERSION,
        scalar_overrides={datetime: clock.DATETIME},
        extensions=extensions,
    )


ContextFactory = Callable[[Request, Response | None], Context]


class SubgraphGraphQL(OfflineGraphiQL, GraphQL[Context, None]):
    """Strawberry's ASGI GraphQL app, with the caller's token verified into the context and
    kit's offline GraphiQL."""

    def __init__(
        self,
        schema: strawberry.federation.Schema,
        *,
        verifier: Callable[[], TokenVerifier],
        make_context: ContextFactory,
        graphiql: bool,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self._verifier = verifier
        self._make_context = make_context

    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        context = self._make_context(request, response)
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is not None:
                context.principal = await self._verifier().verify(token)
        except UnauthenticatedError as error:
            context.auth_error = error
        return context
