"""Runs a plan's fetches (each once its dependencies are done) and merges their answers.

The merged response keeps the subgraphs' response keys, which are the client's (aliases are
forwarded). A fetch that fails leaves a :class:`Failed` marker where its fields would have
gone; the shaper turns each marker the client would see into one error at that path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from zikao_gateway.operation import Field, Selection
from zikao_gateway.plan import (
    REPRESENTATIONS,
    EntityFetch,
    EntityPart,
    Fetch,
    Path,
    Plan,
    RootFetch,
)
from zikao_gateway.subgraphs import SubgraphClient, SubgraphUnavailableError
from zikao_kit.auth import Principal

Json = dict[str, Any]
ResponsePath = list[str | int]
UNAVAILABLE_MESSAGE = "服务暂时不可用，请稍后再试"


@dataclass(frozen=True)
class Failed:
    """Where a failed fetch would have put a value."""

    subgraph: str


def subgraph_error(error: Any, subgraph: str, path: ResponsePath | None) -> Json:
    """A subgraph's error for the client: its message and extensions, a `code` if it had none,
    the subgraph's name, and ``path`` (relative to the client's operation)."""
    error = error if isinstance(error, dict) else {"message": str(error)}
    extensions = dict(error.get("extensions") or {})
    extensions.setdefault("code", "DOWNSTREAM_SERVICE_ERROR")
    extensions["serviceName"] = subgraph
    result: Json = {"message": str(error.get("message", "")), "extensions": extensions}
    if path is not None:
        result["path"] = path
    return result


def unavailable_error(subgraph: str, path: ResponsePath, request_id: str | None) -> Json:
    extensions = {"code": "subgraph_unavailable", "serviceName": subgraph}
    if request_id:
        extensions["requestId"] = request_id
    return {"message": UNAVAILABLE_MESSAGE, "path": path, "extensions": extensions}


class Execution:
    """One execution of a plan: the merged data and the subgraphs' errors."""

    def __init__(
        self,
        plan: Plan,
        client: SubgraphClient,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        principal: Principal | None = None,
    ) -> None:
        self.plan = plan
        self.client = client
        self.variables = variables
        self.headers = headers
        # The verified caller (None: anonymous); the subgraphs verify the token for themselves.
        self.principal = principal
        self.data: Json = {}
        self._errors: dict[int, list[Json]] = {}

    @property
    def errors(self) -> list[Json]:
        return [e for fetch_id in sorted(self._errors) for e in self._errors[fetch_id]]

    async def run(self) -> None:
        waiting = {fetch.id: fetch for fetch in self.plan.fetches}
        done: set[int] = set()
        running: dict[asyncio.Task[None], int] = {}
        while waiting or running:
            for fetch in [f for f in waiting.values() if f.after <= done]:
                del waiting[fetch.id]
                running[asyncio.ensure_future(self._run_fetch(fetch))] = fetch.id
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                done.add(running.pop(task))
                task.result()

    async def _run_fetch(self, fetch: Fetch) -> None:
        if isinstance(fetch, RootFetch):
            await self._run_root(fetch)
        else:
            await self._run_entities(fetch)

    def _body(self, fetch: Fetch, extra: Json | None = None) -> Json:
        variables = {v: self.variables[v] for v in fetch.variables if v in self.variables}
        return {"query": fetch.operation, "variables": {**(extra or {}), **variables}}

    async def _run_root(self, fetch: RootFetch) -> None:
        try:
            answer = await self.client.post(fetch.graph, self._body(fetch), self.headers)
        except SubgraphUnavailableError as error:
            for key in fetch.selection_set.fields:
                self.data.setdefault(key, Failed(error.subgraph))
            return
        merge(self.data, answer.get("data") or {})
        name = self.client.subgraphs[fetch.graph].name
        self._errors[fetch.id] = [
            subgraph_error(e, name, _path(e)) for e in answer.get("errors") or ()
        ]

    async def _run_entities(self, fetch: EntityFetch) -> None:
        targets = [_targets(self.data, part) for part in fetch.parts.values()]
        if not any(groups for _, groups in targets):
            return
        extra = {f"{REPRESENTATIONS}{i}": reps for i, (reps, _) in enumerate(targets)}
        try:
            answer = await self.client.post(fetch.graph, self._body(fetch, extra), self.headers)
        except SubgraphUnavailableError as error:
            for part, (_, groups) in zip(fetch.parts.values(), targets, strict=True):
                _mark_failed(part, groups, Failed(error.subgraph))
            return
        data = answer.get("data") or {}
        for index, (_, groups) in enumerate(targets):
            for entity, objects in zip(data.get(f"_{index}") or (), groups, strict=False):
                if isinstance(entity, dict):
                    for obj, _ in objects:
                        merge(obj, entity)
        name = self.client.subgraphs[fetch.graph].name
        self._errors[fetch.id] = [
            subgraph_error(e, name, _entity_path(_path(e), targets))
            for e in answer.get("errors") or ()
        ]


Target = tuple[Json, ResponsePath]


def _targets(data: Json, part: EntityPart) -> tuple[list[Json], list[list[Target]]]:
    """The distinct representations of the objects at the part's path, and for each, the
    objects (with their paths) that it stands for."""
    representations: list[Json] = []
    groups: list[list[Target]] = []
    index: dict[bytes, int] = {}
    for obj, path in objects_at(data, part.path):
        type_name = obj.get("__typename")
        fields = part.representations.get(type_name) if isinstance(type_name, str) else None
        if fields is None or any(obj.get(key) is None for key in part.keys[str(type_name)]):
            continue  # (a null key, from a subgraph that broke its schema, names no entity)
        representation = _representation(obj, fields)
        if representation is None:
            continue
        typename = part.typenames.get(str(type_name), type_name)  # an @interfaceObject's
        representation = {"__typename": typename, **representation}
        text = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
        if text not in index:
            index[text] = len(representations)
            representations.append(representation)
            groups.append([])
        groups[index[text]].append((obj, path))
    return representations, groups


def objects_at(data: Json, path: Path) -> list[Target]:
    current: list[Target] = [(data, [])]
    for step in path:
        following: list[Target] = []
        for obj, where in current:
            if obj.get("__typename", step.holder) == step.holder:
                _flatten(obj.get(step.key), [*where, step.key], following)
        current = following
    return current


def _flatten(value: Any, where: ResponsePath, into: list[Target]) -> None:
    if isinstance(value, dict):
        into.append((value, where))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _flatten(item, [*where, position], into)


def _representation(obj: Json, fields: tuple[Selection, ...]) -> Json | None:
    result: Json = {}
    for selection in fields:
        if not isinstance(selection, Field):
            continue
        # Read by response key: the planner may have put a key field under an internal alias.
        if selection.key not in obj or isinstance(obj[selection.key], Failed):
            return None
        value = obj[selection.key]
        if selection.selections and isinstance(value, dict):
            value = _representation(value, selection.selections)
            if value is None:
                return None
        result[selection.name] = value
    return result


def _mark_failed(part: EntityPart, groups: list[list[Target]], failed: Failed) -> None:
    for objects in groups:
        for obj, _ in objects:
            type_name = obj.get("__typename")
            selection = part.selections.get(type_name) if isinstance(type_name, str) else None
            for key in selection.fields if selection is not None else ():
                obj.setdefault(key, failed)


def _path(error: Any) -> ResponsePath | None:
    path = error.get("path") if isinstance(error, dict) else None
    return list(path) if isinstance(path, list) else None


def _entity_path(
    path: ResponsePath | None, targets: list[tuple[list[Json], list[list[Target]]]]
) -> ResponsePath | None:
    """``["_0", 3, "major"]`` of an `_entities` answer → the client's path of that object."""
    if not path or len(path) < 2 or not isinstance(path[0], str) or not path[0].startswith("_"):
        return path
    position = path[1]
    if not isinstance(position, int):
        return None
    try:
        groups = targets[int(path[0][1:])][1]
        return [*groups[position][0][1], *path[2:]]
    except (ValueError, IndexError):
        return None


def merge(target: Json, source: Json) -> None:
    """Deep-merges one subgraph's answer into the merged response."""
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value)
        else:
            target[key] = value


def _merge_lists(existing: list[Any], value: list[Any]) -> None:
    for position, (old, new) in enumerate(zip(existing, value, strict=True)):
        if isinstance(old, dict) and isinstance(new, dict):
            merge(old, new)
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            _merge_lists(old, new)
        else:
            existing[position] = new
