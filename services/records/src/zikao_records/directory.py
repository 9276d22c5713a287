"""What records asks identity, which owns candidates' names, ticket numbers and ID numbers
(records never reads identity's tables): the printed facts of a page of candidates, and the
cancellation of a merged duplicate.

Names are asked for, not copied into records at sign-up: identity's record is the one that
staff correct (a name changed at the office shows on the next door list), and a copy would need
every sign-up since the first to carry it. An export asks once per page, so a sitting's 100,000
seats cost 200 calls of 500 candidates each. The facts travel with records' own service token
(client credentials, `RECORDS_IDENTITY_CLIENT_*`): records decides what a staff member may
export (the venue's district) before it asks, and a district's door list must show everyone
seated in its rooms, whatever district they registered in. The merge instead sends the staff
member's own token, so identity applies its own rule and audits the person who merged."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from zikao_kit.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from zikao_records.list_settings import ListSettings, list_settings

PEOPLE = """query People($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { id ticketNumber name maskedIdNumber } } }"""
TOKEN = """mutation Token($id: String!, $secret: String!) {
  serviceToken(clientId: $id, clientSecret: $secret) {
  __typename ... on ServiceTokenIssued { accessToken expiresAt } ... on Problem { code } } }"""
CANCEL = """mutation Cancel($id: ID!, $kept: ID!, $reason: String!) {
  cancelMergedCandidate(candidateId: $id, keptId: $kept, reason: $reason) {
  __typename ... on CandidateMergedAway { repeated }
  ... on InvalidInput { field } ... on Problem { code message } } }"""
TOKEN_MARGIN_SECONDS = 60


class IdentityUnavailableError(DomainError):
    """Identity did not answer, or answered what records cannot read."""

    code = "identity_unavailable"
    default_message = "身份服务暂不可用，请稍后再试"


@dataclass(frozen=True)
class Person:
    """What is printed of a candidate: the ID number only ever masked."""

    ticket_number: str
    name: str
    masked_id_number: str


class Directory(Protocol):
    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]: ...


class IdentityClient:
    """Identity over HTTP, one connection pool per use (`connected`); the service token is kept
    until a minute before it expires."""

    def __init__(
        self, settings: ListSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.transport = transport  # tests: identity's app in process
        self._token: tuple[str, float] | None = None

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[IdentityConnection]:
        timeout = self.settings.identity_timeout_seconds
        async with httpx.AsyncClient(timeout=timeout, transport=self.transport) as http:
            yield IdentityConnection(self, http)


def identity_client(extras: dict[str, Any]) -> IdentityClient:
    """The process's identity client, kept in the service's extras (made on first use; it keeps
    the service token)."""
    client = extras.get("identity")
    if not isinstance(client, IdentityClient):
        client = extras["identity"] = IdentityClient(list_settings())
    return client


class IdentityConnection:
    def __init__(self, client: IdentityClient, http: httpx.AsyncClient) -> None:
        self.client, self.http = client, http

    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        """The candidates identity knows among `ids` (one call)."""
        if not ids:
            return {}
        representations = [{"__typename": "Candidate", "id": str(i)} for i in ids]
        data = await self._ask(PEOPLE, {"r": representations}, await self._service_token())
        found = [item for item in data["_entities"] if item]
        return {
            uuid.UUID(item["id"]): Person(
                item["ticketNumber"], item["name"], item["maskedIdNumber"]
            )
            for item in found
        }

    async def cancel_merged(
        self, token: str, merged: uuid.UUID, kept: uuid.UUID, reason: str
    ) -> bool:
        """Identity's cancellation of `merged` into `kept`, as the staff member of `token`;
        True when it had been done before. Identity's refusal is raised as the same problem."""
        variables = {"id": str(merged), "kept": str(kept), "reason": reason}
        answer = (await self._ask(CANCEL, variables, token))["cancelMergedCandidate"]
        if answer["__typename"] == "CandidateMergedAway":
            return bool(answer["repeated"])
        raise _refusal(answer)

    async def _service_token(self) -> str:
        cached = self.client._token
        if cached is not None and cached[1] > time.time() + TOKEN_MARGIN_SECONDS:
            return cached[0]
        s = self.client.settings
        variables = {"id": s.identity_client_id, "secret": s.identity_client_secret}
        answer = (await self._ask(TOKEN, variables, None))["serviceToken"]
        if answer["__typename"] != "ServiceTokenIssued":
            raise IdentityUnavailableError()
        expires = httpx_time(answer["expiresAt"])
        self.client._token = (answer["accessToken"], expires)
        return str(answer["accessToken"])

    async def _ask(self, query: str, variables: dict[str, Any], token: str | None) -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        url = self.client.settings.identity_graphql_url
        try:
            response = await self.http.post(
                url, json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise IdentityUnavailableError() from error
        if not isinstance(body, dict) or body.get("errors") or not body.get("data"):
            raise IdentityUnavailableError()
        return body["data"]


def _person(item: dict[str, Any]) -> Person:
    return Person(item["ticketNumber"], item["name"], item["maskedIdNumber"])


def httpx_time(text: str) -> float:
    """A GraphQL DateTime as a Unix time."""
    return datetime.fromisoformat(text).timestamp()


def _refusal(answer: dict[str, Any]) -> DomainError:
    kind, code = answer["__typename"], answer.get("code", "")
    message = answer.get("message")
    if kind == "InvalidInput":
        return InvalidInputError(answer.get("field") or "candidateId", message, code=code)
    error: DomainError = {
        "Forbidden": ForbiddenError,
        "NotFound": NotFoundError,
        "Conflict": ConflictError,
    }.get(kind, IdentityUnavailableError)(message)
    error.code = code or error.code
    return error
