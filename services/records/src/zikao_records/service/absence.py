"""The absence rule (a province setting, off by default; Guangdong has it): a candidate absent
from every course of each of their last N sittings may sign up for at most M courses in the
next. "Their last N sittings" are the latest published sittings before this one in which they
have results (signed up and paid); fewer than N such sittings never limit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_records.repository.violations import AbsenceRepository
from zikao_records.settings import RecordsSettings


@dataclass(frozen=True)
class AbsenceRule:
    sittings: int  # N
    max_courses: int  # M


def absence_rule(settings: RecordsSettings) -> AbsenceRule | None:
    if settings.absence_rule_sittings is None:
        return None
    return AbsenceRule(settings.absence_rule_sittings, settings.absence_rule_max_courses)


def limited(rule: AbsenceRule, history: Sequence[bool]) -> bool:
    """Whether the rule limits a candidate whose latest sittings (newest first) were each
    wholly absent (True) or not."""
    latest = list(history[: rule.sittings])
    return len(latest) == rule.sittings and all(latest)


async def course_limit(
    session: AsyncSession,
    rule: AbsenceRule | None,
    *,
    candidate_id: uuid.UUID,
    sitting_code: str,
    now: datetime,
) -> int | None:
    """The most courses the rule lets the candidate sign up for in the sitting (None: no limit)."""
    if rule is None:
        return None
    history = await AbsenceRepository(session).recent_sittings(
        candidate_id, before=sitting_code, now=now, limit=rule.sittings
    )
    return rule.max_courses if limited(rule, history) else None
