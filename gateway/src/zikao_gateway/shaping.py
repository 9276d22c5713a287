"""Shapes the merged subgraph answers into the client's response.

Walks the client's operation over the merged data: keeps only what the client selected (the
planner's `__typename`s and keys go), answers `__typename`, and applies GraphQL's null
propagation: a null (or a missing value) where the schema says non-null is a field error at that
path, and nulls the nearest nullable parent. An enum value that the API schema does not have
(`@inaccessible`) is a null. Where a failed fetch left a :class:`Failed` marker,
the client gets one error at that path. One null makes one error: a null that comes from an error
already reported below it (or by the subgraph at or below its path) adds none. When the null
reaches the root, the walk stops there, and so do the errors: those of root fields after the one
that nulled the response go, subgraphs' errors included (Hive Gateway's answer, field by field).
A field the caller may not see (``denied``) is a field error wherever the walk reaches it: one
`UNAUTHORIZED_FIELD_OR_TYPE` error at its path (list positions included: one for each item it is
answered in), and a null that propagates as any other (Hive Gateway leaves a non-null field's
null in place and reports one error without positions; the spec's answer is kept here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_abstract_type,
    is_leaf_type,
)

from zikao_gateway.authorization import unauthorized_error
from zikao_gateway.executor import Failed, Json, ResponsePath
from zikao_gateway.operation import INTROSPECTION_ROOT_FIELDS, Field, Selection, collect_fields
from zikao_gateway.plan import typed_alias

ErrorFactory = Callable[[str, ResponsePath], Json]
NULL_MESSAGE = "Cannot return null for non-nullable field {}."
"""graphql-js's words. Hive Gateway logs them and sends its masked "Unexpected error." with the
code below; the field's name tells the client nothing the schema does not."""
NULL_CODE = "INTERNAL_SERVER_ERROR"


class _Invalid:
    """A null in a non-null position, on its way to the nearest nullable parent."""


INVALID = _Invalid()


class Shaper:
    """Builds the response data of one operation; errors it finds go to ``errors``."""

    def __init__(
        self,
        schema: GraphQLSchema,
        failure_error: ErrorFactory,
        reported: Iterable[ResponsePath | None] = (),
        denials: bool = False,
    ) -> None:
        self.schema = schema
        self.failure_error = failure_error
        # Whether the selections hold fields the caller may not see (answered null).
        self.denials = denials
        self.errors: list[Json] = []
        # The paths of the subgraphs' errors: a null they explain needs no error of its own.
        self._reported = {tuple(path) for path in reported if path}
        # The root fields after the one whose null nulled the whole response, if one did.
        self._unwalked: frozenset[str] = frozenset()
        # The fields of each selection for each type, worked out once per response: every
        # item of a list shares its field's selections.
        self._collected: dict[tuple[int, str], dict[str, list[Field]]] = {}

    def shape_root(
        self, root: GraphQLObjectType, selections: tuple[Selection, ...], data: Json
    ) -> Json | None:
        fields = collect_fields(self.schema, selections, root.name)
        return self._object(root, fields, data, [], local=INTROSPECTION_ROOT_FIELDS)

    def response_errors(self, earlier: list[Json]) -> list[Json]:
        """``earlier`` (the subgraphs' errors) and the shaper's, but none of the root fields
        the walk did not reach (after a non-null root field that nulled the response)."""
        errors = [*earlier, *self.errors]
        return [e for e in errors if (e.get("path") or [None])[0] not in self._unwalked]

    def _object(
        self,
        object_type: GraphQLObjectType,
        collected: dict[str, list[Field]],
        data: Json,
        path: ResponsePath,
        local: frozenset[str] = frozenset(),
    ) -> Json | None:
        result: Json = {}
        for key, fields in collected.items():
            name = fields[0].name
            if name == "__typename":
                result[key] = object_type.name
                continue
            if name in local:
                result[key] = data.get(key)
                continue
            definition = object_type.fields[name]
            if self.denials and any(f.denied for f in fields):
                value = self._denied(definition.type, fields, [*path, key])
            else:
                where = f"{object_type.name}.{name}"
                raw = data[key] if key in data else data.get(typed_alias(object_type.name, key))
                value = self._value(definition.type, raw, fields, [*path, key], where)
            if value is INVALID:
                if not path:
                    keys = list(collected)
                    self._unwalked = frozenset(keys[keys.index(key) + 1 :])
                return None
            result[key] = value
        return result

    def _value(
        self,
        type_: GraphQLOutputType,
        raw: Any,
        fields: list[Field],
        path: ResponsePath,
        where: str,
    ) -> Any:
        """The shaped value of field ``where`` (``Type.field``) at ``path``."""
        if isinstance(type_, GraphQLNonNull):
            known = len(self.errors)
            value = self._value(type_.of_type, raw, fields, path, where)
            if value is not None:
                return value
            if len(self.errors) == known and not self._explained(path):
                message = NULL_MESSAGE.format(where)
                extensions = {"code": NULL_CODE}
                self.errors.append({"message": message, "path": path, "extensions": extensions})
            return INVALID
        if isinstance(raw, Failed):
            self.errors.append(self.failure_error(raw.subgraph, path))
            return None
        if raw is None:
            return None
        if isinstance(type_, GraphQLList):
            return self._list(type_, raw, fields, path, where)
        if isinstance(type_, GraphQLEnumType):
            # A value the API schema lacks (`@inaccessible`) is null, without an error of its
            # own (Hive Gateway's answer; a non-null field's null then is one, as above).
            return raw if raw in type_.values else None
        if is_leaf_type(type_):
            return raw
        if not isinstance(raw, dict):
            return None
        object_type = type_
        if is_abstract_type(type_):
            object_type = self.schema.get_type(str(raw.get("__typename")))  # type: ignore[assignment]
            if not isinstance(object_type, GraphQLObjectType):
                return None
        assert isinstance(object_type, GraphQLObjectType)
        return self._object(object_type, self._fields(fields, object_type.name), raw, path)

    def _denied(self, type_: GraphQLOutputType, fields: list[Field], path: ResponsePath) -> Any:
        """A field the caller may not see: its error, and a null on its way up where the
        field is non-null."""
        node = next(f.node for f in fields if f.denied)
        self.errors.append(unauthorized_error(path, node))
        return INVALID if isinstance(type_, GraphQLNonNull) else None

    def _explained(self, path: ResponsePath) -> bool:
        size = len(path)
        return any(tuple(path) == reported[:size] for reported in self._reported)

    def _fields(self, fields: list[Field], type_name: str) -> dict[str, list[Field]]:
        key = (id(fields), type_name)
        collected = self._collected.get(key)
        if collected is None:
            selections = tuple(s for f in fields for s in f.selections)
            collected = self._collected[key] = collect_fields(self.schema, selections, type_name)
        return collected

    def _list(
        self, type_: GraphQLList[Any], raw: Any, fields: list[Field], path: ResponsePath, where: str
    ) -> list[Any] | None:
        if not isinstance(raw, list):
            return None
        items = []
        for position, item in enumerate(raw):
            value = self._value(type_.of_type, item, fields, [*path, position], where)
            if value is INVALID:
                return None
            items.append(value)
        return items
