# mypy: disallow-untyped-decorators=False
"""The audit trail of every service, for auditors and admins: filters, cursor pages, actors'
names, and which services could not be read."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from zikao_identity import text
from zikao_identity.schema.common import deps
from zikao_identity.service import audit
from zikao_kit import audit as trail
from zikao_kit.auth import Role
from zikao_kit.context import Context
from zikao_kit.errors import InvalidInputError

AUDIT_READERS = (Role.AUDITOR, Role.ADMIN)


@strawberry.type(description="One item of an entry's detail (ids, codes, counts).")
class AuditDetail:
    key: str
    value: str = strawberry.field(description="text as recorded; numbers and lists as JSON")


@strawberry.type(description="A sensitive action in any service: who, when, what, on whom, why.")
class AuditLogEntry:
    id: strawberry.ID
    service: str = strawberry.field(description="the service that recorded it")
    at: datetime
    actor: str = strawberry.field(description="a staff account's id, a candidate's id, service:…")
    actor_name: str = strawberry.field(
        description="staff: their name; candidates: their ticket number; services: their id"
    )
    actor_role: str
    action: str
    candidate_id: strawberry.ID | None
    target: str | None = strawberry.field(description="what was acted on, when not a candidate")
    reason: str | None
    detail: list[AuditDetail]

    @classmethod
    def of(cls, entry: trail.AuditRecord, names: dict[str, str]) -> AuditLogEntry:
        candidate = strawberry.ID(str(entry.candidate_id)) if entry.candidate_id else None
        return cls(
            id=strawberry.ID(str(entry.id)),
            service=entry.service,
            at=entry.at,
            actor=entry.actor,
            actor_name=names.get(entry.actor, entry.actor),
            actor_role=entry.actor_role,
            action=entry.action,
            candidate_id=candidate,
            target=entry.target,
            reason=entry.reason,
            detail=[AuditDetail(key=k, value=_shown(v)) for k, v in entry.detail.items()],
        )


@strawberry.type(description="A page of the audit trail, newest first.")
class AuditTrailPage:
    entries: list[AuditLogEntry]
    next_cursor: str | None = strawberry.field(
        description="`after` of the next page; null on the last"
    )
    unavailable: list[str] = strawberry.field(
        description="services whose entries could not be read: this page lacks them"
    )


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _code(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    return text.clean(value, field=field, max_length=max_length, message="筛选条件格式不正确")


def _query(
    actor: str | None,
    action: str | None,
    candidate_id: strawberry.ID | None,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> trail.AuditQuery:
    if not 1 <= first <= trail.MAX_PAGE:
        raise InvalidInputError("first", f"每页1–{trail.MAX_PAGE}条")
    try:
        candidate = uuid.UUID(str(candidate_id)) if candidate_id is not None else None
    except ValueError:
        raise InvalidInputError("candidateId", "考生编号格式不正确") from None
    try:
        cursor = trail.AuditCursor.decode(after[:200]) if after is not None else None
    except (ValueError, OverflowError):
        raise InvalidInputError("after", "翻页位置无效，请从第一页重新查询") from None
    return trail.AuditQuery(
        actor=_code(actor, "actor", 64),
        action=_code(action, "action", 50),
        candidate_id=candidate,
        since=since,
        until=until,
        after=cursor,
        limit=first,
    )


async def _page(info: Info[Context, None], query: trail.AuditQuery) -> AuditTrailPage:
    page = await audit.read_trail(info.context.db, deps(info), query)
    async with info.context.db() as session:
        names = await audit.actor_names(session, page.entries)
    return AuditTrailPage(
        entries=[AuditLogEntry.of(e, names) for e in page.entries],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        unavailable=page.unavailable,
    )


@strawberry.type
class AuditTrailQuery:
    @strawberry.field(
        description="Auditors and admins: the sensitive actions of every service, newest first,"
        " filtered (all filters combine); `since` inclusive, `until` exclusive."
    )
    async def audit_trail(
        self,
        info: Info[Context, None],
        actor: str | None = None,
        action: str | None = None,
        candidate_id: strawberry.ID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditTrailPage:
        info.context.require_principal(*AUDIT_READERS)
        query = _query(actor, action, candidate_id, since, until, first, after)
        return await _page(info, query)

    @strawberry.field(
        description="Auditors and admins: the latest entries of the trail.",
        deprecation_reason="Use auditTrail: filters, cursor pages, unavailable services.",
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        limit: int = 50,
        offset: int = 0,
        action: str | None = None,
    ) -> list[AuditLogEntry]:
        info.context.require_principal(*AUDIT_READERS)
        if not 1 <= limit <= trail.MAX_PAGE or not 0 <= offset <= trail.MAX_PAGE - limit:
            raise InvalidInputError("limit", f"每页1–{trail.MAX_PAGE}条，offset + limit 不超过此数")
        query = _query(None, action, None, None, None, offset + limit, None)
        return (await _page(info, query)).entries[offset:]
