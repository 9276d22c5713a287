"""The audit trail as auditors read it: identity's own entries and those of the services named by
`IDENTITY_AUDIT_SOURCES` (their `POST /internal/audit`), fetched concurrently, merged newest
first, each actor named. A source that is down or errs leaves its entries out and is named in
the page's `unavailable`; the query still answers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.deps import IdentityDeps
from zikao_identity.models import AuditEntry
from zikao_identity.repository import CandidateRepository, StaffRepository
from zikao_identity.settings import audit_sources
from zikao_kit.audit import AuditCursor, AuditQuery, AuditRecord, fetch_remote, merge, read
from zikao_kit.auth import Role
from zikao_kit.db import Sessionmaker

logger = logging.getLogger("zikao.identity.audit")
SERVICE = "identity"
# Identity's own service token for the other services' trails: one query's worth of life.
TOKEN_SUBJECT = "service:identity"
TOKEN_MINUTES = 1
STAFF_ROLES = frozenset({Role.STAFF.value, Role.ADMIN.value, Role.AUDITOR.value})


@dataclass(frozen=True)
class TrailPage:
    entries: list[AuditRecord]
    next_cursor: AuditCursor | None
    unavailable: list[str]


async def read_trail(db: Sessionmaker, deps: IdentityDeps, query: AuditQuery) -> TrailPage:
    """One page of the whole trail matching `query`, newest first."""
    sources = audit_sources(deps.settings.audit_sources)
    token = deps.signer.issue(subject=TOKEN_SUBJECT, role=Role.SERVICE, minutes=TOKEN_MINUTES)
    timeout = deps.settings.audit_timeout_seconds
    mounts = dict(deps.audit_mounts or {})
    async with httpx.AsyncClient(timeout=timeout, mounts=mounts) as client:
        fetches = [
            _remote_entries(client, name, url, token.token, query) for name, url in sources.items()
        ]
        own, remote = await asyncio.gather(_own_entries(db, query), asyncio.gather(*fetches))
    entries = merge([own, *(page for page in remote if page is not None)], query.limit)
    unavailable = [name for name, page in zip(sources, remote, strict=True) if page is None]
    next_cursor = entries[-1].cursor if len(entries) == query.limit else None
    return TrailPage(entries, next_cursor, unavailable)


async def _own_entries(db: Sessionmaker, query: AuditQuery) -> list[AuditRecord]:
    async with db() as session:
        return await read(session, AuditEntry, SERVICE, query)


async def _remote_entries(
    client: httpx.AsyncClient, name: str, url: str, token: str, query: AuditQuery
) -> list[AuditRecord] | None:
    """A source's page, or None (logged with the error's type only) when it cannot be had."""
    try:
        return await fetch_remote(client, url, token, query)
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        logger.warning(
            "audit source unavailable", extra={"source": name, "error": type(error).__name__}
        )
        return None


async def actor_names(session: AsyncSession, entries: Iterable[AuditRecord]) -> dict[str, str]:
    """How each entry's actor is shown: staff by their name, candidates by their ticket number,
    services and anything else (`demo-data`, an account since removed) by their id."""
    staff_ids = _ids(e.actor for e in entries if e.actor_role in STAFF_ROLES)
    candidate_ids = _ids(e.actor for e in entries if e.actor_role == Role.CANDIDATE.value)
    names: dict[str, str] = {}
    if staff_ids:
        found = await StaffRepository(session).names(staff_ids)
        names.update((str(i), name) for i, name in found.items())
    if candidate_ids:
        tickets = await CandidateRepository(session).ticket_numbers(candidate_ids)
        names.update((str(i), ticket) for i, ticket in tickets.items())
    return names


def _ids(actors: Iterable[str]) -> Sequence[uuid.UUID]:
    ids = set()
    for actor in actors:
        try:
            ids.add(uuid.UUID(actor))
        except ValueError:
            continue
    return sorted(ids)
