"""Strawberry's schema interface over the gateway, so Strawberry's own HTTP layer serves it.

Strawberry's views parse the HTTP request (POST JSON, GET query strings, GraphiQL) and call
`execute`; this class answers from the planner instead of from resolvers. Subscriptions and
streaming are not offered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from graphql import GraphQLError, print_schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.base import BaseSchema
from strawberry.schema.config import BatchingConfig, StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from zikao_gateway.edge import Client, Edge
from zikao_gateway.executor import Json
from zikao_gateway.gateway import Gateway, Outcome, Request
from zikao_gateway.operation import OperationError
from zikao_kit.network import UNKNOWN

logger = logging.getLogger("zikao.gateway")
MASKED_MESSAGE = "服务器内部错误"


class GatewayError(GraphQLError):
    """An error as the gateway formatted it (path and extensions already relative to the
    client's operation)."""

    def __init__(self, formatted: Json) -> None:
        super().__init__(str(formatted.get("message", "")))
        self._formatted = formatted

    @property
    def formatted(self) -> Any:
        return self._formatted


@dataclass
class GatewayContext:
    """Per request: the headers that go to every subgraph, the request id, and the client as
    the edge sees it."""

    headers: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None
    client: Client = field(default_factory=lambda: Client(UNKNOWN))


class GatewaySchema(BaseSchema):
    """A Strawberry schema whose operations the gateway plans and runs over the subgraphs."""

    # Strawberry's own schemas hold these; Strawberry's HTTP views never read them.
    query = None  # type: ignore[assignment]
    mutation = None
    subscription = None
    schema_converter = None  # type: ignore[assignment]

    def __init__(self, gateway: Gateway, edge: Edge | None = None, max_batch: int = 0) -> None:
        self.gateway = gateway
        self.edge = edge or Edge()
        batching = BatchingConfig(max_operations=max_batch) if max_batch else None
        self.config = StrawberryConfig(batching_config=batching)
        self.schema_directives = []
        self.exception_handlers = ()

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not query:
            raise MissingQueryError
        context = context_value if isinstance(context_value, GatewayContext) else GatewayContext()
        refused = await self.edge.admit(self.gateway, query, operation_name, context.client)
        if refused is not None:
            return _result(Outcome(None, refused, request_error=True))
        self._check_operation_type(query, operation_name, allowed_operation_types)
        request = Request(
            query, variable_values or {}, operation_name, context.headers, context.request_id
        )
        try:
            outcome = await self.gateway.execute(request)
        except OperationError:
            raise CannotGetOperationTypeError(operation_name) from None
        except Exception:
            logger.exception("unexpected error in the gateway", extra={"operation": operation_name})
            extensions = {"code": "internal", "requestId": context.request_id}
            outcome = Outcome(None, [{"message": MASKED_MESSAGE, "extensions": extensions}])
        outcome.errors = await self.edge.shown(outcome.errors, context.client)
        return _result(outcome)

    def _check_operation_type(
        self,
        query: str,
        operation_name: str | None,
        allowed: Iterable[OperationType] | None,
    ) -> None:
        try:
            operation = self.gateway.operation(query, operation_name)
        except OperationError:
            raise CannotGetOperationTypeError(operation_name) from None
        if operation is None or allowed is None:
            return
        kind = OperationType(operation.operation.value)
        if kind not in set(allowed):
            raise InvalidOperationTypeError(kind)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are logged by code and path where they happen; never with the query."""

    def execute_sync(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("the gateway runs on an event loop: use execute")

    async def subscribe(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("the gateway serves no subscriptions")

    async def stream(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("the gateway serves no streams")

    def get_type_by_name(self, name: str) -> None:
        return None

    def get_directive_by_name(self, graphql_name: str) -> None:
        return None

    def as_str(self) -> str:
        return print_schema(self.gateway.schema)


def _result(outcome: Outcome) -> ExecutionResult:
    errors: list[GraphQLError] = [GatewayError(e) for e in outcome.errors]
    if outcome.request_error:
        return PreExecutionError(data=None, errors=errors)
    return ExecutionResult(data=outcome.data, errors=errors or None)
