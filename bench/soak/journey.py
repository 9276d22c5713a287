"""The soak's candidate: the faults suite's whole day (``bench.faults.journeys.Journey``) with
an admission ticket once paid (a staff member uploads the photo, the next seat allocation
seats the candidate, the candidate asks for the ticket), and each candidate's token lent to
the result readers once their results are read."""

from __future__ import annotations

import base64
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from bench.faults.client import OPERATIONS, graphql
from bench.faults.journeys import OPEN_SITTING, Journey, Ledger
from bench.faults.stack import Stack
from bench.soak.seating import Seating
from zikao_documents.testing import tiny_png
from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role

PHOTO = """mutation Photo($id: ID!, $c: String!) { uploadCandidatePhoto(candidateId: $id,
  contentBase64: $c) { __typename ... on Problem { code message } } }"""
PHOTO_BASE64 = base64.b64encode(tiny_png(240, 320)).decode()
FIRST_BIRTHDAY = date(1970, 1, 1)
READABLE = 200
"""The result readers read as the last this many candidates whose results are out."""
_candidates = itertools.count()


@dataclass
class Shared:
    """What the soak's journeys share besides the ledger."""

    seating: Seating
    readable: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=READABLE))
    """(when, token) of candidates who have read their results."""
    tickets: int = 0
    """Admission tickets acknowledged."""


def unique_id_number() -> str:
    """A new ID number each call (a thousand a birthday, birthdays from 1970 on)."""
    n = next(_candidates)
    born = FIRST_BIRTHDAY + timedelta(days=n // 1000)
    return an_id_number(n % 1000, born=born.strftime("%Y%m%d"), region="500103")


class SoakJourney(Journey):
    """One new candidate's day, with an admission ticket."""

    def __init__(
        self,
        stack: Stack,
        client: httpx.AsyncClient,
        ledger: Ledger,
        deadline: float,
        shared: Shared,
    ) -> None:
        super().__init__(stack, client, ledger, deadline)
        self.id_number = unique_id_number()
        self.shared = shared
        self.seating = shared.seating
        self.run_seating = 0

    async def _pay(self) -> bool | None:
        if not await super()._pay():
            return None
        self.run_seating = self.seating.want()
        await self._until(self._photo, "photo")
        await self._until(self._admission_ticket, "ticket")
        return True

    async def _photo(self) -> bool | None:
        staff = self.stack.token("staff-soak", Role.STAFF, region="0103")
        variables = {"id": self.candidate_id, "c": PHOTO_BASE64}
        answer = await graphql(self.client, self.stack.url, PHOTO, variables, staff)
        if not answer.ok or answer.data is None:
            self.ledger.count(answer, "photo")
            return None
        return answer.data["uploadCandidatePhoto"]["__typename"] == "PhotoUploaded" or None

    async def _admission_ticket(self) -> bool | None:
        """Asked once the run that counts the payment is done; refused (not seated: the run
        failed), asked again after the next run."""
        if not await self.seating.seated_by(self.run_seating, self.deadline):
            return None
        asked = await self._ask(
            OPERATIONS["RequestAdmissionTicket"], "ticket", sitting=OPEN_SITTING
        )
        answer = None if asked is None else asked["requestAdmissionTicket"]
        if answer is not None and answer["__typename"] == "DocumentRequested":
            self.ledger.documents.add(answer["document"]["id"])
            self.shared.tickets += 1
            return True
        if answer is not None:
            self.problem = str(answer.get("code", ""))
            self.run_seating = self.seating.want()
        return None

    async def _read_corrected_result(self) -> bool | None:
        done = await super()._read_corrected_result()
        if done:
            self.shared.readable.append((time.monotonic(), self.token))
        return done
