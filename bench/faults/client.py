"""Talking to the system as a browser does, and telling how an answer failed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse, print_ast

from bench.faults.stack import ROOT

ACCEPT = "application/graphql-response+json, application/json"


def contract_operations() -> dict[str, str]:
    """Each operation of clients/candidate.graphql, by name, as written there."""
    document = parse((ROOT / "clients" / "candidate.graphql").read_text("utf-8"))
    return {
        definition.name.value: print_ast(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    }


OPERATIONS = contract_operations()


@dataclass
class Answer:
    """A GraphQL answer, or how the request failed before there was one."""

    status: int
    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    """``refused`` (no connection: nothing was sent), ``cut`` (the connection broke with the
    request sent, no answer) or ``untyped`` (an answer that is not a GraphQL response, or an
    error without ``extensions.code``)."""

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.errors and self.data is not None

    @property
    def codes(self) -> list[str]:
        return [str(error.get("extensions", {}).get("code")) for error in self.errors]


async def graphql(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Answer:
    """POST the operation; never raises for a failure of the system."""
    headers = {"accept": ACCEPT}
    if token:
        headers["authorization"] = f"Bearer {token}"
    try:
        response = await client.post(
            url, json={"query": query, "variables": variables or {}}, headers=headers
        )
    except httpx.ConnectError:
        return Answer(status=0, failure="refused")
    except httpx.HTTPError:
        return Answer(status=0, failure="cut")
    return parse_answer(response)


def parse_answer(response: httpx.Response) -> Answer:
    """An answer from the body; ``untyped`` unless it is JSON with typed errors only."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Answer(status=response.status_code, failure="untyped")
    if not isinstance(body, dict):
        return Answer(status=response.status_code, failure="untyped")
    errors = list(body.get("errors") or [])
    answer = Answer(status=response.status_code, data=body.get("data"), errors=errors)
    if any(not (error.get("extensions") or {}).get("code") for error in errors):
        answer.failure = "untyped"
    return answer
