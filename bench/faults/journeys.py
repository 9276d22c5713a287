"""A candidate's day, through the gateway with the contract's operations: sign up, log in,
choose a major, sign up for exams, pay (the provider's notification to records), ask for a
score review that staff answer, ask for a transcript, read the results.

Each step is retried, as a browser's user or the payment provider would, until it is
acknowledged or the journey's deadline passes; a retry after an unanswered request finds the
earlier write (the same transaction id, "already registered", the same document). Every
acknowledged write goes into the :class:`Ledger`, which is checked against the database."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.faults.client import OPERATIONS, Answer, graphql
from bench.faults.stack import Stack
from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_records.service.payments import SIGNATURE_HEADER, sign
from zikao_records.settings import DEV_PAYMENT_NOTIFY_KEY
from zikao_records.testing import a_result

OPEN_SITTING = "2040-04"
PUBLISHED_SITTING = "2039-10"
COURSES = ["03708", "00037"]
REVIEWED, PASSED = ("03706", 58), ("00037", 75)
CORRECTED = 61
PASSWORD = "faults journey 7"
TRANSCRIPT = """mutation RequestTranscript { requestTranscript { __typename
  ... on DocumentRequested { document { id kind status } }
  ... on Problem { code message } } }"""
ANSWER_REVIEW = """mutation AnswerReview($id: ID!, $score: Int) {
  answerScoreReview(id: $id, correctedScore: $score) { __typename
  ... on ScoreReviewAnswered { review { status correctedScore } }
  ... on Problem { code message } } }"""
RETRY_PAUSE = 0.5
_sequence = itertools.count(1)

T = TypeVar("T")


@dataclass
class Ledger:
    """What clients were told was done, and how answers failed along the way."""

    candidates: dict[str, str] = field(default_factory=dict)
    """candidate id → ticket number."""
    registrations: set[tuple[str, str, str]] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)
    scores: set[tuple[str, str, str]] = field(default_factory=set)
    """(candidate id, course, sitting) of each result written."""
    reviews: dict[str, int] = field(default_factory=dict)
    """review id → the corrected score staff were told was recorded."""
    documents: set[str] = field(default_factory=set)
    stale_reads: int = 0
    reads: int = 0
    """regions-and-sittings queries sent beside the journeys (the load)."""
    failures: dict[str, int] = field(default_factory=dict)
    """how requests failed: ``typed``, ``refused``, ``cut``, ``untyped`` → count."""
    untyped: list[str] = field(default_factory=list)
    journeys_done: int = 0
    journeys_stuck: list[str] = field(default_factory=list)

    def count(self, answer: Answer, what: str) -> None:
        """Count a failed answer (``what`` names the step, never a value)."""
        kind = answer.failure or "typed"
        self.failures[kind] = self.failures.get(kind, 0) + 1
        if kind == "untyped" and len(self.untyped) < 5:
            self.untyped.append(f"{what}: HTTP {answer.status} {answer.codes}")

    def merge(self, other: Ledger) -> None:
        """Add ``other``'s acknowledged writes (the run's whole ledger is checked at the end)."""
        self.candidates.update(other.candidates)
        self.registrations |= other.registrations
        self.payments |= other.payments
        self.scores |= other.scores
        self.reviews.update(other.reviews)
        self.documents |= other.documents


class StuckError(Exception):
    """A step was not acknowledged before the journey's deadline."""


class Journey:
    """One candidate's journey against ``stack``, its acknowledgements in ``ledger``."""

    def __init__(
        self, stack: Stack, client: httpx.AsyncClient, ledger: Ledger, deadline: float
    ) -> None:
        self.stack = stack
        self.client = client
        self.ledger = ledger
        self.deadline = deadline
        self.id_number = an_id_number(next(_sequence) % 1000, born=_a_birthday(), region="500103")
        self.candidate_id = ""
        self.token = ""
        self.problem = ""
        """The code of the last problem a step was answered with (says why a step stuck)."""

    async def run(self) -> None:
        """Every step in order; a step not acknowledged in time leaves the journey stuck."""
        try:
            await self._until(self._sign_up, "sign-up")
            await self._until(self._log_in, "log-in")
            await self._until(self._choose_major, "major")
            await self._until(self._scores_imported, "scores")
            await self._until(self._register_for_exams, "registration")
            await self._until(self._pay, "payment")
            review_id = await self._until(self._request_review, "review")
            await self._until(lambda: self._answer_review(review_id), "answer")
            await self._until(self._read_corrected_result, "results")
            await self._until(self._request_transcript, "document")
        except StuckError as stuck:
            self.ledger.journeys_stuck.append(str(stuck))
            return
        self.ledger.journeys_done += 1

    async def _until(self, step: Callable[[], Awaitable[T | None]], what: str) -> T:
        while True:
            done = await step()
            if done is not None:
                return done
            if time.monotonic() > self.deadline:
                raise StuckError(f"{what} ({self.problem or 'no problem answered'})")
            await asyncio.sleep(RETRY_PAUSE)

    async def _ask(self, operation: str, what: str, **variables: Any) -> dict[str, Any] | None:
        """The data of an answer without errors, else None (the failure counted)."""
        answer = await graphql(self.client, self.stack.url, operation, variables, self.token)
        if not answer.ok:
            self.ledger.count(answer, what)
            return None
        assert answer.data is not None
        return answer.data

    async def _captcha(self) -> dict[str, str] | None:
        issued = await self._ask(OPERATIONS["NewCaptcha"], "captcha")
        return None if issued is None else {"id": issued["newCaptcha"]["id"], "answer": "TEST"}

    async def _sign_up(self) -> bool | None:
        captcha = await self._captcha()
        if captcha is None:
            return None
        registration = {
            "name": "故障演练",
            "idNumber": self.id_number,
            "phone": f"13{random.randrange(10**9):09d}",
            "password": PASSWORD,
            "regionCode": "0103",
            "securityQuestion": "我的小学",
            "securityAnswer": "人和街小学",
            "captcha": captcha,
        }
        done = await self._ask(OPERATIONS["RegisterCandidate"], "sign-up", input=registration)
        answer = None if done is None else done["registerCandidate"]
        if answer is None:
            return None
        self.problem = str(answer.get("code", ""))
        # An earlier attempt committed though its answer was lost: the ID number is taken.
        return (
            answer["__typename"] == "CandidateRegistered"
            or (answer.get("code") == "id_number_registered")
            or None
        )

    async def _log_in(self) -> bool | None:
        captcha = await self._captcha()
        if captcha is None:
            return None
        variables = {"login": self.id_number, "password": PASSWORD, "captcha": captcha}
        session = await self._ask(OPERATIONS["LogIn"], "log-in", **variables)
        if session is None or "accessToken" not in session["logIn"]:
            return None
        self.token = session["logIn"]["accessToken"]
        me = await self._ask("query Me { me { id ticketNumber } }", "me")
        if me is None:
            self.token = ""
            return None
        self.candidate_id = me["me"]["id"]
        self.ledger.candidates[self.candidate_id] = me["me"]["ticketNumber"]
        return True

    async def _choose_major(self) -> bool | None:
        chosen = await self._ask(OPERATIONS["ChooseMajor"], "major", majorCode="050101")
        return None if chosen is None else chosen["chooseMajor"]["__typename"] == "MajorChosen"

    async def _scores_imported(self) -> bool | None:
        """The published sitting's two results, as a score import writes them (set-up, not
        traffic: straight into records' tables); a retry first looks for an earlier commit."""
        candidate = uuid.UUID(self.candidate_id)
        engine = create_engine(self.stack.database_url, schema="records", pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                if not await results_recorded(session, candidate):
                    for course, score in (REVIEWED, PASSED):
                        result = a_result(candidate, course, sitting=PUBLISHED_SITTING, score=score)
                        session.add(result)
        except Exception:  # noqa: BLE001 - PostgreSQL may be restarting: try again
            return None
        finally:
            await engine.dispose()
        for course, _score in (REVIEWED, PASSED):
            self.ledger.scores.add((self.candidate_id, course, PUBLISHED_SITTING))
        return True

    async def _register_for_exams(self) -> bool | None:
        variables = {"sitting": OPEN_SITTING, "courseCodes": COURSES}
        made = await self._ask(OPERATIONS["RegisterForExams"], "registration", **variables)
        if made is None:
            return None
        answer = made["registerForExams"]
        if answer["__typename"] != "ExamsRegistered" and answer.get("code") != "already_registered":
            return None
        for course in COURSES:
            self.ledger.registrations.add((self.candidate_id, OPEN_SITTING, course))
        return True

    async def _pay(self) -> bool | None:
        transaction = f"faults-{uuid.uuid4().hex[:20]}"
        while time.monotonic() < self.deadline:  # the provider repeats the same transaction
            if await self._notify(transaction):
                self.ledger.payments.add(transaction)
                return True
            await asyncio.sleep(RETRY_PAUSE)
        return None

    async def _notify(self, transaction: str) -> bool:
        body = json.dumps(
            {
                "transactionId": transaction,
                "candidateId": self.candidate_id,
                "sitting": OPEN_SITTING,
                "courseCodes": COURSES,
                "amountYuan": 80,
            }
        ).encode()
        headers = {SIGNATURE_HEADER: sign(DEV_PAYMENT_NOTIFY_KEY, body)}
        headers["content-type"] = "application/json"
        try:
            response = await self.client.post(self.stack.notify_url, content=body, headers=headers)
        except httpx.HTTPError as error:
            kind = "refused" if isinstance(error, httpx.ConnectError) else "cut"
            self.ledger.count(Answer(status=0, failure=kind), "payment")
            return False
        if response.status_code != 200:
            self.ledger.count(_route_failure(response), "payment")
            return False
        return bool(response.json().get("status") == "APPLIED")

    async def _request_review(self) -> str | None:
        variables = {"sitting": PUBLISHED_SITTING, "courseCode": REVIEWED[0]}
        asked = await self._ask(OPERATIONS["RequestScoreReview"], "review", **variables)
        if asked is None:
            return None
        answer = asked["requestScoreReview"]
        if answer["__typename"] == "ScoreReviewRequested":
            review_id: str = answer["review"]["id"]
            return review_id
        if answer.get("code") != "review_already_requested":
            return None
        mine = await self._ask(OPERATIONS["MyScoreReviews"], "reviews")
        reviews = [] if mine is None else mine["me"]["scoreReviews"]
        return str(reviews[0]["id"]) if len(reviews) == 1 else None

    async def _answer_review(self, review_id: str) -> bool | None:
        staff = self.stack.token("staff-faults", Role.STAFF, region="0103")
        answer = await graphql(
            self.client, self.stack.url, ANSWER_REVIEW, {"id": review_id, "score": CORRECTED}, staff
        )
        if not answer.ok or answer.data is None:
            self.ledger.count(answer, "answer")
            return None
        done = answer.data["answerScoreReview"]
        if done["__typename"] != "ScoreReviewAnswered" and done.get("code") != (
            "review_already_answered"
        ):
            return None
        self.ledger.reviews[review_id] = CORRECTED
        return True

    async def _read_corrected_result(self) -> bool | None:
        """MyResults once answered shows the corrected score at once (a kept answer from
        before the correction would be a stale read: counted)."""
        found = await self._ask(OPERATIONS["MyResults"], "results", sitting=PUBLISHED_SITTING)
        if found is None:
            return None
        scores = {r["course"]["code"]: r["score"] for r in found["me"]["results"]}
        if scores.get(REVIEWED[0]) != CORRECTED:
            self.ledger.stale_reads += 1
        return True

    async def _request_transcript(self) -> bool | None:
        asked = await self._ask(TRANSCRIPT, "document")
        if asked is None or asked["requestTranscript"]["__typename"] != "DocumentRequested":
            return None
        self.ledger.documents.add(asked["requestTranscript"]["document"]["id"])
        return True


def _route_failure(response: httpx.Response) -> Answer:
    """A refused notification: typed when its JSON body names a code, as records' are."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    failure = None if isinstance(code, str) and code else "untyped"
    return Answer(status=response.status_code, failure=failure)


async def results_recorded(session: AsyncSession, candidate: uuid.UUID) -> bool:
    """Whether the candidate's results of the published sitting are there already."""
    found = await session.execute(
        text(
            "SELECT count(*) FROM records.exam_result WHERE candidate_id = :c AND sitting_code = :s"
        ),
        {"c": candidate, "s": PUBLISHED_SITTING},
    )
    return bool(found.scalar_one())


def _a_birthday() -> str:
    return f"{random.randint(1970, 2004)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
