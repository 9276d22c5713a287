"""Answers the gateway may keep: the subgraph's word that an answer can be served again, to the
same caller, until a correction says otherwise.

On score-release day every candidate polls the same small answer (their results of a published
sitting) many times. A subgraph marks such an answer keepable in the response's extensions,
`"extensions": {"keep": {"maxAge": N, "tags": [...]}}`, the tags naming what the answer was
read from (e.g. `results:2026-04:<candidate id>` and `sitting:2026-04`). The gateway
keeps it for the same caller (the same bearer token, operation and variables) at most N seconds,
and drops every answer of a tag as soon as a subgraph publishes the tag on `CHANNEL` in Redis
(after the commit of the change: a review answer, a violation, a publication time moved).

A subgraph marks an answer only when all of these hold, checked here once for every service:
- the operation is a query without errors;
- it selects nothing but the fields of the service's `Keepable` tree (e.g. `me`/`_entities` →
  `results` → the result's fields), so an answer never carries a field nobody vouched for;
- the resolvers that read the data said so (`keep`), each with its tags and longest age, and none
  refused (`never`: e.g. a sitting not published yet, whose empty answer must not be kept).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from redis.asyncio import Redis
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperationType

logger = logging.getLogger("zikao.answer_cache")

CHANNEL = "zikao:answer-cache:invalidate"
KEEP = "keep"

Keepable = Mapping[str, "Keepable"]
"""Field names a keepable answer may select, each with those allowed below it ({} for a leaf)."""


@dataclass
class Hints:
    """What this request's resolvers said about keeping its answer."""

    tags: set[str] = field(default_factory=set)
    max_age: int | None = None
    refused: bool = False

    def keep(self, tags: Iterable[str], max_age: int) -> None:
        self.tags.update(tags)
        self.max_age = max_age if self.max_age is None else min(self.max_age, max_age)

    def never(self) -> None:
        self.refused = True


class Hinted(Protocol):
    """What holds a request's hints (`zikao_kit.context.Context`)."""

    answer_hints: Hints | None


def hints(context: Hinted) -> Hints:
    """The request's hints (on its context, `zikao_kit.context.Context.answer_hints`), made on
    first use."""
    found = context.answer_hints
    if found is None:
        found = context.answer_hints = Hints()
    return found


def selects_only(document: DocumentNode, operation_name: str | None, keepable: Keepable) -> bool:
    """Whether the operation is a query whose every selection is in the `keepable` tree."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return False
    return _within(chosen[0].selection_set, keepable, fragments, 0)


def _within(
    selections: SelectionSetNode,
    keepable: Keepable,
    fragments: Mapping[str, FragmentDefinitionNode],
    depth: int,
) -> bool:
    if depth > 32:
        return False
    for selection in selections.selections:
        if selection.directives:
            return False  # @include/@skip and the like: not worth reasoning about here
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            below = keepable.get(name)
            if below is None:
                return False
            if selection.selection_set is not None and not _within(
                selection.selection_set, below, fragments, depth + 1
            ):
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not _within(selection.selection_set, keepable, fragments, depth + 1):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or not _within(
                fragment.selection_set, keepable, fragments, depth + 1
            ):
                return False
    return True


def answer_cache_extension(keepable: Keepable) -> type[SchemaExtension]:
    """A schema extension that adds `extensions.keep` ({maxAge, tags}) to the response when
    the rules above hold."""

    class AnswerCache(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            execution = self.execution_context
            said = getattr(execution.context, "answer_hints", None)
            result = execution.result
            if (
                not isinstance(said, Hints)
                or said.refused
                or not said.tags
                or not said.max_age
                or result is None
                or result.errors
                or execution.pre_execution_errors
                or execution.graphql_document is None
                or not selects_only(execution.graphql_document, execution.operation_name, keepable)
            ):
                return {}
            return {KEEP: {"maxAge": said.max_age, "tags": sorted(said.tags)}}

    return AnswerCache


def invalidation_after_mutations(tags_of: Callable[[Any], Iterable[str]]) -> type[SchemaExtension]:
    """A schema extension that, once a mutation operation has run (its resolvers commit before
    they return), publishes the tags `tags_of(context)` names: for what a resolver vouched for
    whose every writer cannot be named one by one (a candidate's passes change with results,
    exemptions, transfers, merges, a major chosen…), every mutation drops the answers it may
    have changed, whatever its outcome. Redis unreachable: logged, the mutation's answer stands
    (the gateways keep nothing while their subscription is down)."""

    class InvalidateAfterMutations(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            yield
            execution = self.execution_context
            try:
                if execution.operation_type is not StrawberryOperationType.MUTATION:
                    return
            except RuntimeError:
                return  # no document or no such operation: nothing ran
            redis = getattr(execution.context, "redis", None)
            if redis is None:
                return
            try:
                await invalidate(redis, tags_of(execution.context))
            except (RedisError, OSError):
                logger.warning("answer invalidation not published: Redis unreachable")

    return InvalidateAfterMutations


async def invalidate(redis: Redis, tags: Iterable[str]) -> None:
    """After the commit of a change: every gateway drops the answers read from `tags`."""
    message = " ".join(sorted(set(tags)))
    if message:
        await redis.publish(CHANNEL, message)
