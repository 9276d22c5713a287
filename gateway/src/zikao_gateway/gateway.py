"""The gateway's engine: the caller (a verified token), parse and validate (cached), plan (cached,
per the selections the caller may not see where the document has guarded ones), execute, shape."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql import execute as execute_locally
from graphql.execution.values import get_variable_values

from zikao_gateway.api_schema import derive_api_schema
from zikao_gateway.auth import Authenticator, Caller, unauthenticated_error
from zikao_gateway.authorization import Denied, Guards, Rules
from zikao_gateway.cache import LruCache
from zikao_gateway.executor import Execution, Failed, Json, subgraph_error, unavailable_error
from zikao_gateway.kept import KEEP, KeptAnswers
from zikao_gateway.limits import Limits, parse_limited
from zikao_gateway.operation import condition_variables, select_operation
from zikao_gateway.plan import Forward, Plan
from zikao_gateway.planner import Planner
from zikao_gateway.shaping import Shaper
from zikao_gateway.sizing import MAX_SELECTIONS, measure
from zikao_gateway.subgraphs import SubgraphClient, SubgraphUnavailableError
from zikao_gateway.supergraph import Supergraph
from zikao_kit.errors import UnauthenticatedError

PlanKey = tuple[str, str | None, tuple[bool, ...], Denied]
"""A plan's cache key: the query text, the operation's name, the values of its conditions and
which of its guarded selections the caller may not see."""
NO_GUARDS = Guards(())
PLANNING_THREADS = 4
PLAN_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Document:
    """A parsed document, its validation errors, the variables its conditions read and each
    operation's root fields by name (what rate limits count)."""

    node: DocumentNode | None
    errors: tuple[Json, ...]
    conditions: tuple[str, ...] = ()
    roots: Mapping[str | None, Counter[str]] = field(default_factory=dict)
    # The field selections that carry an auth requirement (`authorization`).
    guards: Guards = NO_GUARDS


@dataclass
class Outcome:
    """What the client gets: ``request_error`` when the operation was never executed."""

    data: Json | None
    errors: list[Json] = field(default_factory=list)
    request_error: bool = False


@dataclass(frozen=True)
class Request:
    query: str
    variables: Mapping[str, Any]
    operation_name: str | None
    headers: Mapping[str, str]
    request_id: str | None = None
    # Who sends it, where already known; else the gateway verifies `authorization`.
    caller: Caller | None = None


class Gateway:
    """Answers operations over the supergraph's subgraphs, for the callers ``authenticator``
    verifies (none given: every caller is anonymous).

    A document past one of ``limits`` (limits.py; ``max_selections`` alone when not given)
    is refused before it is validated or planned. Plans missing from the cache are made in a
    small pool of threads, so that the event loop serves other callers meanwhile; a caller
    waits ``plan_timeout`` seconds at most. Call `aclose` when done.
    """

    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        *,
        cache_size: int = 1000,
        max_selections: int = MAX_SELECTIONS,
        plan_timeout: float = PLAN_TIMEOUT_SECONDS,
        kept: KeptAnswers | None = None,
        authenticator: Authenticator | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.client = client
        self.authenticator = authenticator or Authenticator(None)
        self.schema = derive_api_schema(supergraph.document)
        self.rules = Rules.read(supergraph.document)
        self.planner = Planner(supergraph, self.schema)
        self.limits = limits or Limits(selections=max_selections)
        self.plan_timeout = plan_timeout
        self.kept = kept
        self._documents: LruCache[str, Document] = LruCache(cache_size)
        self.plans: LruCache[PlanKey, Plan] = LruCache(cache_size)
        self._planning = ThreadPoolExecutor(PLANNING_THREADS, thread_name_prefix="gateway-plan")
        self._pending: dict[PlanKey, asyncio.Future[Plan]] = {}

    async def aclose(self) -> None:
        """Takes no more plans, and waits (off the loop) for those still running in a thread."""
        await asyncio.to_thread(self._planning.shutdown, wait=True, cancel_futures=True)

    def document(self, query: str) -> Document:
        """``query`` parsed, sized and validated (once: documents are cached)."""
        cached = self._documents.get(query)
        return cached if cached is not None else self._documents.put(query, self._read(query))

    def _read(self, query: str) -> Document:
        try:
            node = parse_limited(query, self.limits)
        except GraphQLSyntaxError as error:
            return Document(None, (_request_error(error, "PARSE"),))
        if isinstance(node, dict):
            return Document(None, (node,))
        measures = measure(node)
        refused = self.limits.refusal(measures)  # before validation, which may cost more
        if refused is not None:
            return Document(None, (refused,))
        errors = tuple(_request_error(e, "VALIDATION") for e in validate(self.schema, node))
        if errors:
            return Document(None, errors)
        guards = self.rules.guards(self.schema, node) if self.rules else NO_GUARDS
        return Document(node, (), condition_variables(node), measures.roots, guards=guards)

    def operation(self, query: str, name: str | None) -> OperationDefinitionNode | None:
        """The operation a request would run; None for a document that does not validate
        (raises OperationError when the document lacks it)."""
        document = self.document(query)
        return None if document.node is None else select_operation(document.node, name)[0]

    async def execute(self, request: Request) -> Outcome:
        try:
            caller = request.caller or await self.authenticator.caller(
                request.headers.get("authorization")
            )
        except UnauthenticatedError as error:
            refused = unauthenticated_error(error, request.request_id)
            return Outcome(None, [refused], request_error=True)
        document = self.document(request.query)
        if document.node is None:
            return Outcome(None, list(document.errors), request_error=True)
        operation, fragments = select_operation(document.node, request.operation_name)
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), dict(request.variables)
        )
        if isinstance(coerced, list):
            return Outcome(None, [_bad_variables(e) for e in coerced], request_error=True)
        conditions = tuple(bool(coerced.coerced.get(name)) for name in document.conditions)
        denied = document.guards.denied(caller.access) if document.guards else ()
        key = (request.query, request.operation_name, conditions, denied)
        plan = self.plans.get(key)
        if plan is None:
            values = dict(zip(document.conditions, conditions, strict=True))
            nodes = document.guards.nodes(denied)
            try:
                plan = await self._plan(key, operation, fragments, values, nodes)
            except TimeoutError:
                return Outcome(None, [_plan_timeout(self.plan_timeout)], request_error=True)
        return await self._run(plan, request, caller)

    async def _plan(
        self,
        key: PlanKey,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        conditions: Mapping[str, bool],
        denied: frozenset[int],
    ) -> Plan:
        """The plan, made in a worker thread and cached there; concurrent misses of one key
        wait for the same planning. A thread cannot be stopped: past the timeout the caller
        gets `plan_timeout` while the plan goes on (and is cached) in its thread, holding one
        of the pool's threads. What keeps every plan short is the selection limit, checked
        before; the timeout only bounds the wait."""
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().run_in_executor(
                self._planning, self._plan_and_cache, key, operation, fragments, conditions, denied
            )
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.wait_for(asyncio.shield(pending), self.plan_timeout)

    def _plan_and_cache(
        self,
        key: PlanKey,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        conditions: Mapping[str, bool],
        denied: frozenset[int],
    ) -> Plan:
        return self.plans.put(key, self.planner.plan(operation, fragments, conditions, denied))

    async def _run(self, plan: Plan, request: Request, caller: Caller) -> Outcome:
        execution = Execution(
            plan, self.client, request.variables, request.headers, caller.principal
        )
        if plan.forward is not None:
            try:
                keepable = plan.operation_type == "query"
                return await self._forward(plan.forward, request, keepable=keepable)
            except SubgraphUnavailableError as error:
                execution.data = {key: Failed(error.subgraph) for key in plan.forward.keys}
        else:
            await execution.run()
        if plan.introspection is not None:
            local = execute_locally(
                self.schema, parse(plan.introspection), variable_values=dict(request.variables)
            )
            execution.data.update(local.data or {})  # type: ignore[union-attr]
        shaper = Shaper(
            self.schema,
            lambda subgraph, path: unavailable_error(subgraph, path, request.request_id),
            (error.get("path") for error in execution.errors),
            denials=plan.denials,
        )
        root = self.schema.get_root_type(OperationType(plan.operation_type))
        assert isinstance(root, GraphQLObjectType)
        data = shaper.shape_root(root, plan.selections, execution.data)
        return Outcome(data, shaper.response_errors(execution.errors))

    async def _forward(self, forward: Forward, request: Request, *, keepable: bool) -> Outcome:
        """The subgraph's answer to the whole operation, its errors decorated; a query's
        answer kept for the same caller where the subgraph vouches for it (kept.py)."""
        variables = {v: request.variables[v] for v in forward.variables if v in request.variables}
        authorization = request.headers.get("authorization")
        key = None
        if self.kept is not None and keepable and authorization:
            key = self.kept.key(
                forward.graph, forward.document, variables, request.operation_name, authorization
            )
            kept = self.kept.get(key)
            if kept is not None:
                return Outcome(kept)
        body = {
            "query": forward.document,
            "variables": variables,
            "operationName": request.operation_name,
        }
        asked_at = time.monotonic()
        answer = await self.client.post(forward.graph, body, request.headers)
        name = self.client.subgraphs[forward.graph].name
        errors = [subgraph_error(e, name, e.get("path")) for e in answer.get("errors") or ()]
        data = answer.get("data")
        if key is not None and self.kept is not None and not errors and isinstance(data, dict):
            said = (answer.get("extensions") or {}).get(KEEP)
            self.kept.keep(key, data, said, asked_at)
        return Outcome(data if isinstance(data, dict) else None, errors)


def _request_error(error: GraphQLError, kind: str) -> Json:
    return _with_code(error, f"GRAPHQL_{kind}_FAILED")


def _plan_timeout(seconds: float) -> Json:
    message = f"操作规划超时（超过 {seconds:g} 秒）"
    return {"message": message, "extensions": {"code": "plan_timeout"}}


def _bad_variables(error: GraphQLError) -> Json:
    return _with_code(error, "BAD_USER_INPUT")


def _with_code(error: GraphQLError, code: str) -> Json:
    formatted: Json = dict(error.formatted)
    formatted["extensions"] = {**dict(error.extensions or {}), "code": code}
    return formatted


__all__ = ["Failed", "Gateway", "LruCache", "Outcome", "Request"]
