"""Published results served from Redis, so that on release day reads do not all reach
PostgreSQL.

Two kinds of entries, under a prefix naming records' database (two systems sharing a Redis
never read each other's entries):
- a sitting's publication time (`…:published:<sitting>`) once it has come, kept a few seconds
  (`RECORDS_PUBLICATION_CACHE_SECONDS`); `publishScores` writes it after its commit, readers
  fill it only where it is missing (SET NX). An unpublished sitting is not kept: it is read
  from PostgreSQL each time (a time set or moved by `saveSitting` counts at once), and no
  reader can hide a publication again;
- a candidate's results of a published sitting (`…:results:<sitting>:<candidate>`), with the
  publication time they were read under: an entry of another publication time (the sitting
  was published again, or its time moved) is not used. A correction (a review answer, a
  violation) calls `invalidate` after its commit: the entry goes, and for a few seconds no
  reader may put one back (a reader that read the old result before the commit cannot write
  it after).

Whether a candidate sees a sitting's results depends only on its publication time, read once
per request from the entry or from PostgreSQL, and the results are read (from PostgreSQL)
only for a sitting published by then: a reader sees all of a sitting's results or none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import answer_cache
from zikao_kit.auth import Role
from zikao_kit.context import Context
from zikao_records.import_settings import ImportSettings, import_settings
from zikao_records.models import CourseKind, ResultStatus
from zikao_records.repository.base import CandidateSitting
from zikao_records.repository.imports import ResultsReadRepository
from zikao_records.service.scores import ResultLine
from zikao_records.service.sittings import published_by
from zikao_records.settings import records_settings

HOLD_SECONDS = 30  # after an invalidation, how long no reader may fill the entry again

# Puts a reader's entry unless a correction holds it (or a newer one is there already).
_FILL = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 0
"""

Lines = list[ResultLine]
Loaded = dict["CandidateSitting", tuple[Lines, datetime]]
KINDS = {kind.value: kind for kind in CourseKind}
STATUSES = {status.value: status for status in ResultStatus}
Load = Callable[[AsyncSession, list["CandidateSitting"]], Awaitable[Loaded]]


def cache_prefix(database_url: str) -> str:
    """`records:<database>`: entries of one system's database only."""
    return f"records:{make_url(database_url).database or 'default'}"


class ResultsCache:
    def __init__(self, redis: Redis, prefix: str, settings: ImportSettings | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        settings = settings or import_settings()
        self.results_seconds = settings.results_cache_seconds
        self.publication_seconds = settings.publication_cache_seconds

    @classmethod
    def of(cls, context: Context) -> ResultsCache:
        database_url = records_settings(context.settings).database_url
        return cls(context.redis, cache_prefix(database_url))

    def _published_key(self, sitting_code: str) -> str:
        return f"{self.prefix}:published:{sitting_code}"

    def _results_key(self, candidate_id: uuid.UUID, sitting_code: str) -> str:
        return f"{self.prefix}:results:{sitting_code}:{candidate_id}"

    async def published(self, sitting_code: str, published_at: datetime) -> None:
        """After the commit that published the sitting: readers see it at once."""
        await self.redis.set(
            self._published_key(sitting_code),
            published_at.isoformat(),
            ex=self.publication_seconds,
        )

    async def forget_sitting(self, sitting_code: str) -> None:
        """After a change of the sitting's publication time: readers read it again."""
        await self.redis.delete(self._published_key(sitting_code))

    async def invalidate(self, candidate_id: uuid.UUID, sitting_code: str) -> None:
        """After the commit that corrected a published result of the candidate in the sitting
        (a review answer, a violation): the cached results go, and stay gone for a while."""
        key = self._results_key(candidate_id, sitting_code)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{key}:hold", "1", ex=HOLD_SECONDS)
            pipe.delete(key)
            await pipe.execute()

    async def results(
        self,
        session: AsyncSession,
        keys: Collection[CandidateSitting],
        *,
        now: datetime,
        load: Load,
    ) -> dict[CandidateSitting, Lines]:
        """Each (candidate, sitting)'s results if the sitting is published by `now`: from
        Redis, else from `load` (PostgreSQL, which also gives the publication time), then
        kept. A sitting Redis knows no publication of is asked of PostgreSQL, in the same one
        query as the results."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        sittings = sorted({sitting for _, sitting in wanted})
        # One round trip: the sittings' publication times and every entry, the entries used
        # only for a sitting published by `now` and only when written under that publication.
        values = await self.redis.mget(
            [self._published_key(code) for code in sittings]
            + [self._results_key(*key) for key in wanted]
        )
        times, entries = values[: len(sittings)], values[len(sittings) :]
        known = {
            code: datetime.fromisoformat(_text(value))
            for code, value in zip(sittings, times, strict=True)
            if value is not None
        }
        found: dict[CandidateSitting, Lines] = {}
        misses = [key for key in wanted if key[1] not in known]
        for key, entry in zip(wanted, entries, strict=True):
            moment = known.get(key[1])
            if moment is None or published_by(moment, now) is None:
                continue  # asked of PostgreSQL (unknown) or not shown yet (not published)
            lines = _decode(entry, moment.isoformat())
            if lines is None:
                misses.append(key)
            else:
                found[key] = lines
        if not misses:
            return found
        loaded = await load(session, misses)
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in misses:
                rows, moment = loaded.get(key, ([], known.get(key[1])))
                if published_by(moment, now) is None or moment is None:
                    continue  # unpublished (or unknown without results): nothing kept
                found[key] = rows
                ex = self.publication_seconds
                pipe.set(self._published_key(key[1]), moment.isoformat(), ex=ex, nx=True)
                entry_key = self._results_key(*key)
                value = _encode(rows, moment.isoformat())
                ttl = str(self.results_seconds)
                pipe.eval(_FILL, 2, entry_key, f"{entry_key}:hold", value, ttl)
            await pipe.execute()
        return found


async def invalidate(context: Context, candidate_id: uuid.UUID, sitting_code: str) -> None:
    """After a correction's commit: the candidate's cached results of the sitting go, here
    and in every gateway that keeps answers read from them."""
    await ResultsCache.of(context).invalidate(candidate_id, sitting_code)
    await answer_cache.invalidate(context.redis, [results_tag(candidate_id, sitting_code)])


async def sitting_saved(context: Context, sitting_code: str) -> None:
    """After the commit of a change to a sitting (its publication time may have moved): the
    publication time is read again from PostgreSQL, and gateways drop the answers read under
    the old one."""
    await ResultsCache.of(context).forget_sitting(sitting_code)
    await answer_cache.invalidate(context.redis, [sitting_tag(sitting_code)])


def results_tag(candidate_id: uuid.UUID, sitting_code: str) -> str:
    """The tag of answers read from a candidate's results of a sitting."""
    return f"results:{sitting_code}:{candidate_id}"


def sitting_tag(sitting_code: str) -> str:
    """The tag of answers read from a sitting's publication."""
    return f"sitting:{sitting_code}"


PASSES_TAG = "passes"
"""The tag of every answer read from candidates' passes (a staff change may touch any)."""


def passes_tag(candidate_id: uuid.UUID) -> str:
    """The tag of answers read from a candidate's passes."""
    return f"passes:{candidate_id}"


def tags_after_mutation(context: Context) -> list[str]:
    """What any mutation of records may have changed of the answers gateways keep: a candidate's
    own mutation (a major chosen, say) only that candidate's passes; anyone else's (staff
    recording an exemption, a transfer, a merge, a correction, a publication) anyone's."""
    principal = context.principal
    if principal is not None and principal.role is Role.CANDIDATE:
        return [passes_tag(principal.candidate_id)]
    return [PASSES_TAG]


def _encode(lines: Lines, stamp: str) -> str:
    return json.dumps(
        {"published": stamp, "rows": [_row(line) for line in lines]},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _row(line: ResultLine) -> list[Any]:
    return [
        line.course_code,
        line.course_name,
        line.course_credits,
        line.course_kind.value,
        line.score,
        line.grade,
        line.passed,
        line.status.value,
    ]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _decode(entry: Any, stamp: str) -> Lines | None:
    """The lines of an entry of the publication `stamp`; None for none, or another's (or one
    written in another shape, by an older release)."""
    if entry is None:
        return None
    data = json.loads(entry)
    if data.get("published") != stamp:
        return None
    try:
        return [
            ResultLine(code, name, credits, KINDS[kind], score, grade, passed, STATUSES[status])
            for code, name, credits, kind, score, grade, passed, status in data["rows"]
        ]
    except (KeyError, TypeError, ValueError):
        return None


async def published_results(
    context: Context, session: AsyncSession, keys: Collection[CandidateSitting], *, now: datetime
) -> dict[CandidateSitting, list[ResultLine]]:
    """`scores.published_results` through the request's cache."""
    return await cached_results(ResultsCache.of(context), session, keys, now=now)


async def cached_results(
    cache: ResultsCache,
    session: AsyncSession,
    keys: Collection[CandidateSitting],
    *,
    now: datetime,
) -> dict[CandidateSitting, list[ResultLine]]:
    """Results per (candidate, sitting), all of them once the sitting is published, else
    none; from the cache, else PostgreSQL. Every key of a published sitting is there, with
    no lines where the candidate has none; a key of a sitting not published is not."""

    async def load(session: AsyncSession, missing: list[CandidateSitting]) -> Loaded:
        found: Loaded = {}
        repository = ResultsReadRepository(session)
        for result, course, code, moment in await repository.published(missing, now=now):
            if moment is not None:  # always: the query keeps published sittings only
                lines, _ = found.setdefault((result.candidate_id, code), ([], moment))
                lines.append(ResultLine.of(result, course))
        return found

    return await cache.results(session, keys, now=now, load=load)
