"""One audit trail across the services.

Each service keeps the entries of its own actions in its own schema (`audit_entry`, the columns
of `AuditColumns`), written with `record` in the transaction of the action, so an action and its
entry commit together or not at all. Each service answers `POST /internal/audit` (`audit_route`)
to internal callers only (a token with the service role): entries matching a filter, newest
first, one page after a cursor. Identity serves the trail to auditors through the graph: its own
entries and those of the other services fetched with `fetch_remote`, merged by `merge`, with
actors' names and roles. Entries hold ids and codes, never personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy import DateTime, func, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zikao_kit.auth import Principal, Role, TokenVerifier, bearer_token
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import UnauthenticatedError

AUDIT_PATH = "/internal/audit"
MAX_PAGE = 200


class AuditColumns(SQLModel):
    """The columns of every service's `audit_entry` table (a mixin: each service declares
    `class AuditEntry(AuditColumns, <Service>Model, table=True)` with `__tablename__`)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(
        default_factory=utc_now,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
        index=True,
    )
    actor: str = Field(max_length=64, index=True)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=50, index=True)
    candidate_id: uuid.UUID | None = Field(default=None, index=True)
    target: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"nullable": False, "server_default": "{}"},
    )


T = TypeVar("T", bound=AuditColumns)


def record(
    session: AsyncSession,
    model: type[T],
    actor: Principal,
    action: str,
    *,
    candidate_id: uuid.UUID | None = None,
    target: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> T:
    """Adds one entry to the caller's transaction (it commits with the action, or not at all)."""
    entry = model(
        actor=actor.subject[:64],
        actor_role=actor.role.value,
        action=action,
        candidate_id=candidate_id,
        target=target,
        reason=reason,
        detail=detail or {},
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditCursor:
    """Where a page ended: entries strictly older (by time, then id) come next."""

    at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return f"{self.at.astimezone(UTC).isoformat()}|{self.id}"

    @classmethod
    def decode(cls, text: str) -> AuditCursor:
        """`ValueError` for anything that is not a cursor this module wrote."""
        at, _, entry_id = text.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("cursor without offset")
        return cls(moment, uuid.UUID(entry_id))


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the trail; all optional, combined with AND."""

    actor: str | None = None
    action: str | None = None
    candidate_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: AuditCursor | None = None
    limit: int = 50

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "action": self.action,
            "candidate_id": str(self.candidate_id) if self.candidate_id else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "after": self.after.encode() if self.after else None,
            "limit": self.limit,
        }

    @classmethod
    def from_json(cls, data: Any) -> AuditQuery:
        """`ValueError`/`TypeError` for a malformed query."""
        if not isinstance(data, dict):
            raise TypeError("query must be an object")

        def moment(name: str) -> datetime | None:
            value = data.get(name)
            return datetime.fromisoformat(value) if value else None

        return cls(
            actor=_text(data.get("actor")),
            action=_text(data.get("action")),
            candidate_id=uuid.UUID(data["candidate_id"]) if data.get("candidate_id") else None,
            since=moment("since"),
            until=moment("until"),
            after=AuditCursor.decode(data["after"]) if data.get("after") else None,
            limit=max(1, min(int(data.get("limit", 50)), MAX_PAGE)),
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


@dataclass(frozen=True)
class AuditRecord:
    """An entry as it travels between services (and as identity shows it)."""

    id: uuid.UUID
    at: datetime
    service: str
    actor: str
    actor_role: str
    action: str
    candidate_id: uuid.UUID | None = None
    target: str | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def cursor(self) -> AuditCursor:
        return AuditCursor(self.at, self.id)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            id=str(self.id),
            at=self.at.isoformat(),
            candidate_id=str(self.candidate_id) if self.candidate_id else None,
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditRecord:
        return cls(
            id=uuid.UUID(data["id"]),
            at=datetime.fromisoformat(data["at"]),
            service=str(data["service"]),
            actor=str(data["actor"]),
            actor_role=str(data["actor_role"]),
            action=str(data["action"]),
            candidate_id=uuid.UUID(data["candidate_id"]) if data.get("candidate_id") else None,
            target=data.get("target"),
            reason=data.get("reason"),
            detail=dict(data.get("detail") or {}),
        )


async def read(
    session: AsyncSession, model: type[T], service: str, query: AuditQuery
) -> list[AuditRecord]:
    """One page of this service's entries matching `query`, newest first."""
    at, entry_id = col(model.at), col(model.id)
    statement = select(model)
    if query.actor is not None:
        statement = statement.where(col(model.actor) == query.actor)
    if query.action is not None:
        statement = statement.where(col(model.action) == query.action)
    if query.candidate_id is not None:
        statement = statement.where(col(model.candidate_id) == query.candidate_id)
    if query.since is not None:
        statement = statement.where(at >= query.since)
    if query.until is not None:
        statement = statement.where(at < query.until)
    if query.after is not None:
        statement = statement.where(tuple_(at, entry_id) < (query.after.at, query.after.id))
    statement = statement.order_by(at.desc(), entry_id.desc()).limit(query.limit)
    rows = (await session.execute(statement)).scalars().all()
    return [_as_record(service, row) for row in rows]


def _as_record(service: str, row: AuditColumns) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        service=service,
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        candidate_id=row.candidate_id,
        target=row.target,
        reason=row.reason,
        detail=dict(row.detail or {}),
    )


def merge(pages: Iterable[Sequence[AuditRecord]], limit: int) -> list[AuditRecord]:
    """The newest `limit` entries of several services' pages (each already newest first)."""
    everything = [entry for page in pages for entry in page]
    everything.sort(key=lambda e: (e.at, e.id), reverse=True)
    return everything[:limit]


def audit_route(
    *,
    service: str,
    model: type[AuditColumns],
    db: Callable[[], Sessionmaker],
    verifier: Callable[[], TokenVerifier],
) -> Route:
    """`POST /internal/audit`: this service's entries, for internal callers only."""

    async def endpoint(request: Request) -> Response:
        try:
            principal = await _service_caller(request, verifier())
        except UnauthenticatedError as error:
            return JSONResponse({"error": error.code}, status_code=401)
        if principal.role is not Role.SERVICE:
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            query = AuditQuery.from_json(await request.json())
        except (ValueError, TypeError, KeyError, RecursionError):
            return JSONResponse({"error": "invalid_input"}, status_code=400)
        async with db()() as session:
            entries = await read(session, model, service, query)
        return JSONResponse({"entries": [e.to_json() for e in entries]})

    return Route(AUDIT_PATH, endpoint, methods=["POST"])


async def _service_caller(request: Request, verifier: TokenVerifier) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError()
    return await verifier.verify(token)


async def fetch_remote(
    client: httpx.AsyncClient, url: str, token: str, query: AuditQuery
) -> list[AuditRecord]:
    """Another service's page; `httpx.HTTPError` (or `ValueError` for a malformed answer)
    when it cannot be had."""
    response = await client.post(
        url, json=query.to_json(), headers={"authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return [AuditRecord.from_json(item) for item in response.json()["entries"]]


__all__ = [
    "AUDIT_PATH",
    "AuditColumns",
    "AuditCursor",
    "AuditQuery",
    "AuditRecord",
    "audit_route",
    "fetch_remote",
    "merge",
    "read",
    "record",
]
