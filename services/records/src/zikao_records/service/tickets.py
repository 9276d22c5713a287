"""The ticket numbers (准考证号) a score file names, resolved to candidates.

Identity owns ticket numbers; records keeps the ones it has learned (`candidate_ticket`) so
that a file of a million lines is resolved by one join, not a million questions. Before a file
is checked, records asks identity (one call per BATCH candidates, with its service token) for
the ticket numbers of the sitting's paid candidates it does not know yet: a candidate's number
never changes (a lost ticket is re-issued with the same number; a merged duplicate's results
move to the kept candidate), so each is asked once in the candidate's career.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

from zikao_kit.db import Sessionmaker
from zikao_records.repository.imports import TicketRepository

logger = logging.getLogger("zikao.records.imports")
BATCH = 500


class Ticketed(Protocol):
    @property
    def ticket_number(self) -> str: ...


class TicketSource(Protocol):
    """Identity, as records asks it: the candidates it knows among `ids`."""

    async def people(self, ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Ticketed]: ...


async def learn_tickets(db: Sessionmaker, source: TicketSource, sitting_code: str) -> int:
    """Learns the ticket numbers of the sitting's paid candidates records does not know;
    how many it learned."""
    learned = 0
    after: uuid.UUID | None = None
    while True:
        async with db() as session:
            unknown = await TicketRepository(session).unknown_candidates(
                sitting_code, limit=BATCH, after=after
            )
        if not unknown:
            break
        after = unknown[-1]
        found = await source.people(unknown)
        async with db.begin() as session:
            learned += await TicketRepository(session).learn(
                (person.ticket_number, candidate_id) for candidate_id, person in found.items()
            )
    if learned:
        logger.info("ticket numbers learned", extra={"sitting": sitting_code, "count": learned})
    return learned
