"""Enumerating ticket and ID numbers (and staff usernames) through recovery, log-in,
registration and password reset: an existing one and an unknown one must be answered alike,
the same body and times within noise. The limits on such guessing are in `limits`.

All attempts come from the one ATTACKER address, which identity allows 50 failed log-ins and
50 registrations an hour: the whole suite stays under both (about 40 and 36)."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from zikao_kit.auth import Role

from .case import Case, check
from .target import Target
from .victims import (
    LOG_IN,
    NAME,
    REGISTER,
    YUZHONG,
    a_fresh_id_number,
    candidate,
    registration,
)

TRIES = 4
"""Timed attempts on each side, after one untimed: five, identity's free failures per account,
so its backoff answers neither side differently."""
RECOVER = """mutation RecoverTicketNumber($name: String!, $idNumber: String!,
                                        $captcha: CaptchaInput!) {
  recoverTicketNumber(name: $name, idNumber: $idNumber, captcha: $captcha) { __typename
    ... on TicketNumberRecovered { ticketNumber } ... on Problem { code message } } }"""
START_RESET = """mutation StartPasswordReset($ticketNumber: String!, $idNumber: String!,
                                       $captcha: CaptchaInput!) {
  startPasswordReset(ticketNumber: $ticketNumber, idNumber: $idNumber, captcha: $captcha) {
    __typename ... on PasswordResetStarted { resetId securityQuestion }
    ... on Problem { code message } } }"""
Variables = Callable[[], Awaitable[dict[str, Any]]]


def _stripped(body: Any) -> Any:
    """The answer without what differs on every request (request ids)."""
    if isinstance(body, dict):
        return {k: _stripped(v) for k, v in body.items() if k not in ("requestId",)}
    if isinstance(body, list):
        return [_stripped(v) for v in body]
    return body


async def _timed(target: Target, query: str, variables: dict[str, Any]) -> tuple[str, float]:
    started = time.perf_counter()
    response = await target.post(query, variables)
    elapsed = time.perf_counter() - started
    return json.dumps(_stripped(response.json()), ensure_ascii=False, sort_keys=True), elapsed


async def alike(target: Target, query: str, known: Variables, unknown: Variables) -> str:
    """Sends `query` 1 + TRIES times with each side's variables, alternating (the first pair
    untimed: connections and caches warm); checks every answer is the same and the times
    differ by no more than noise: the median of the pairs' differences (each pair sent under
    the same load) within 30 ms or a third of the slower side's median."""
    answers: dict[str, set[str]] = {"known": set(), "unknown": set()}
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for attempt in range(1 + TRIES):
        for side, variables in (("known", known), ("unknown", unknown)):
            answer, elapsed = await _timed(target, query, await variables())
            answers[side].add(answer)
            if attempt:
                times[side].append(elapsed)
    every = answers["known"] | answers["unknown"]
    check(len(every) == 1, "answers differ: " + " | ".join(sorted(a[:70] for a in every)))
    medians = {side: statistics.median(t) for side, t in times.items()}
    pairs = zip(times["known"], times["unknown"], strict=True)
    gap = abs(statistics.median(k - u for k, u in pairs))
    noise = max(0.030, max(medians.values()) / 3)
    timing = (
        f"medians {medians['known'] * 1000:.0f}/{medians['unknown'] * 1000:.0f} ms,"
        f" paired gap {gap * 1000:.0f}"
    )
    check(gap <= noise, f"same answers, but {timing}")
    code = json.loads(every.pop())
    problem = next(iter((code.get("data") or {}).values()), None) or {}
    return f"alike: {problem.get('code') or problem.get('__typename')}, {timing}"


def _other_ticket(ticket: str) -> str:
    """A ticket number of the same district and sitting that nobody holds (the serial)."""
    return ticket[:-4] + f"{(int(ticket[-4:]) + 5000 + random.randrange(4000)) % 10000:04d}"


async def log_in_by_ticket_alike(target: Target) -> str:
    victim = await candidate(target, "enumeration-log-in")

    async def attempt(login: str) -> dict[str, Any]:
        return {"login": login, "password": "not the password 1", "captcha": await target.captcha()}

    unknown = _other_ticket(victim.ticket_number)
    return await alike(
        target, LOG_IN, lambda: attempt(victim.ticket_number), lambda: attempt(unknown)
    )


async def log_in_by_id_number_alike(target: Target) -> str:
    victim = await candidate(target, "enumeration-log-in-id")

    async def attempt(login: str) -> dict[str, Any]:
        return {"login": login, "password": "not the password 1", "captcha": await target.captcha()}

    unknown = a_fresh_id_number()
    return await alike(target, LOG_IN, lambda: attempt(victim.id_number), lambda: attempt(unknown))


STAFF_LOG_IN = """mutation StaffLogIn($u: String!, $p: String!, $c: CaptchaInput!) {
  staffLogIn(username: $u, password: $p, captcha: $c) { __typename
    ... on LoggedIn { accessToken } ... on Problem { code message } } }"""
CREATE_STAFF = """mutation Create($i: CreateStaffInput!) { createStaff(input: $i) { __typename
  ... on Problem { code message } } }"""


async def staff_log_in_alike(target: Target) -> str:
    """Staff usernames: an existing account with a wrong password and an unknown name."""
    username = f"abuse{random.randrange(10**6)}"
    form = {"username": username, "name": "钱员工", "role": "STAFF",
            "password": "staff password 7 long", "regionCode": YUZHONG}  # fmt: skip
    admin = target.token("admin-abuse", Role.ADMIN)
    created = (await target.post(CREATE_STAFF, {"i": form}, token=admin)).json()
    check(created["data"]["createStaff"]["__typename"] == "StaffCreated", f"setup: {created}")

    async def attempt(name: str) -> dict[str, Any]:
        return {"u": name, "p": "not the password 1", "c": await target.captcha()}

    unknown = f"abuse{random.randrange(10**6, 10**7)}"
    return await alike(target, STAFF_LOG_IN, lambda: attempt(username), lambda: attempt(unknown))


async def recovery_alike(target: Target) -> str:
    """The attacker has an ID number and guesses the name: a registered number with a wrong
    name and an unregistered number get the same answer."""
    victim = await candidate(target, "enumeration-recovery")

    async def attempt(number: str) -> dict[str, Any]:
        return {"name": "钱不对", "idNumber": number, "captcha": await target.captcha()}

    unknown = a_fresh_id_number()
    return await alike(target, RECOVER, lambda: attempt(victim.id_number), lambda: attempt(unknown))


async def reset_alike(target: Target) -> str:
    """A registered ticket number with a wrong ID number, an unissued one with any."""
    victim = await candidate(target, "enumeration-reset")

    async def attempt(ticket: str) -> dict[str, Any]:
        number = a_fresh_id_number()  # a new one each time: identity limits tries per number
        return {"ticketNumber": ticket, "idNumber": number, "captcha": await target.captcha()}

    unknown = _other_ticket(victim.ticket_number)
    return await alike(
        target, START_RESET, lambda: attempt(victim.ticket_number), lambda: attempt(unknown)
    )


async def registration_probe_alike(target: Target) -> str:
    """A registration that cannot succeed (a malformed phone number) probing whether an ID
    number is registered: the registered one and a free one get the same answer, and nobody
    is registered."""
    victim = await candidate(target, "enumeration-registration")

    async def attempt(number: str) -> dict[str, Any]:
        form = registration(number, YUZHONG, await target.captcha())
        return {"input": {**form, "phone": "12345"}}

    unknown = a_fresh_id_number()
    seen = await alike(
        target, REGISTER, lambda: attempt(victim.id_number), lambda: attempt(unknown)
    )
    recovered = await target.post(
        RECOVER, {"name": NAME, "idNumber": unknown, "captcha": await target.captcha()}
    )
    found = recovered.json()["data"]["recoverTicketNumber"]
    check(found["__typename"] != "TicketNumberRecovered", "the probe registered the free number")
    return seen


CASES = [
    Case("enumeration", "log-in by ticket number answers alike", log_in_by_ticket_alike),
    Case("enumeration", "log-in by ID number answers alike", log_in_by_id_number_alike),
    Case("enumeration", "staff log-in answers alike", staff_log_in_alike),
    Case("enumeration", "ticket recovery answers alike", recovery_alike),
    Case("enumeration", "password reset answers alike", reset_alike),
    Case("enumeration", "registration probe answers alike", registration_probe_alike),
]
