"""Enumerating ticket and ID numbers through recovery, log-in, registration and password
reset: an existing number and an unknown one must be answered alike (the same body, times
within noise), and the limits must hold however the attempts are spread (aliases in one
operation, a batch, a new X-Forwarded-For each time from a peer that is no trusted proxy).

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

from .case import Case, check, codes, short
from .system import RECOVERY_LIMIT, SIGN_IN_LIMIT
from .target import Target
from .victims import (
    LOG_IN,
    NAME,
    PASSWORD,
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
ANSWER = """mutation ResetPasswordWithAnswer($resetId: ID!, $answer: String!,
                                           $newPassword: String!) {
  resetPasswordWithAnswer(resetId: $resetId, answer: $answer, newPassword: $newPassword) {
    __typename ... on Problem { code message } } }"""
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


async def _answers(target: Target, query: str, variables: Variables, count: int) -> list[Any]:
    """The one root field's answer to each of `count` requests."""
    answers = []
    for _ in range(count):
        body = (await target.post(query, await variables())).json()
        answers.append(next(iter((body.get("data") or {}).values()), None) or body)
    return answers


def _typenames(answers: list[Any]) -> str:
    return ",".join(str(a.get("__typename")) for a in answers)


async def log_in_backoff_per_account(target: Target) -> str:
    """Password guessing on one account: after identity's five free failures the account is
    locked, and while it is, not even the right password opens it."""
    victim = await candidate(target, "enumeration-backoff")

    async def guess(password: str) -> dict[str, Any]:
        return {"login": victim.ticket_number, "password": password,
                "captcha": await target.captcha()}  # fmt: skip

    async def wrong() -> dict[str, Any]:
        return await guess(f"guess {random.randrange(10**6)}")

    async def right() -> dict[str, Any]:
        return await guess(PASSWORD)

    guesses = await _answers(target, LOG_IN, wrong, 6)
    [last] = await _answers(target, LOG_IN, right, 1)
    kinds = [a.get("code") for a in guesses]
    check(kinds[:5] == ["invalid_credentials"] * 5, f"guesses: {kinds}")
    check(kinds[5] == "rate_limited", f"the sixth guess: {_typenames(guesses[5:])}")
    check(last.get("code") == "rate_limited", f"the right password: {last.get('__typename')}")
    return "6th guess and then the right password: RateLimited rate_limited"


async def security_answer_guessing(target: Target) -> str:
    """The attacker holds the ticket and ID numbers and guesses the security answer: three
    tries, then the reset is over and the right answer no longer changes the password."""
    victim = await candidate(target, "enumeration-answer")
    started = await target.post(
        START_RESET,
        {"ticketNumber": victim.ticket_number, "idNumber": victim.id_number,
         "captcha": await target.captcha()},
    )  # fmt: skip
    reset = started.json()["data"]["startPasswordReset"]
    check(reset["__typename"] == "PasswordResetStarted", f"setup: {reset}")

    async def attempt(answer: str) -> dict[str, Any]:
        return {"resetId": reset["resetId"], "answer": answer, "newPassword": "taken over 99 x"}

    async def wrong() -> dict[str, Any]:
        return await attempt(f"小学{random.randrange(1000)}")

    async def right() -> dict[str, Any]:
        return await attempt("人和街小学")

    guesses = await _answers(target, ANSWER, wrong, 3)
    [last] = await _answers(target, ANSWER, right, 1)
    kinds = [a.get("code") for a in guesses]
    check(kinds == ["wrong_answer"] * 3, f"guesses: {kinds}")
    check(last.get("code") == "reset_expired", f"the right answer after 3: {last}")
    return "3 wrong answers, then the right one: NotFound reset_expired"


async def registration_limit_per_id_number(target: Target) -> str:
    """Registering a registered ID number again and again (each time telling the attacker it
    is registered): identity stops answering after five an hour."""
    victim = await candidate(target, "enumeration-registration-limit")

    async def again() -> dict[str, Any]:
        return {"input": registration(victim.id_number, YUZHONG, await target.captcha())}

    answers = await _answers(target, REGISTER, again, 6)
    kinds = [a.get("code") for a in answers]
    check(kinds[:4] == ["id_number_registered"] * 4, f"answers: {kinds}")
    check(kinds[5] == "rate_limited", f"the sixth: {kinds}")
    return f"6th: {answers[5].get('__typename')} rate_limited"


async def captcha_replayed(target: Target) -> str:
    """One solved captcha kept for many guesses: it is spent by the first."""
    victim = await candidate(target, "enumeration-captcha")
    solved = await target.captcha()

    async def guess() -> dict[str, Any]:
        return {"login": victim.ticket_number, "password": "guess 1", "captcha": solved}

    first, second = await _answers(target, LOG_IN, guess, 2)
    check(first.get("code") == "invalid_credentials", f"setup: {first}")
    check(second.get("code") == "captcha_expired", f"the second guess: {second}")
    return f"the second: {second.get('__typename')} captcha_expired"


def _aliased(field: str, arguments: str, count: int) -> str:
    body = " ".join(f"a{n}: {field}({arguments}) {{ __typename }}" for n in range(count))
    return f"mutation Guess($c: CaptchaInput!) {{ {body} }}"


async def _refused_at(target: Target, responses: list[Any], limit: int, what: str) -> str:
    last = responses[-1]
    check(last.status_code == 429, f"{what}: {short(last)}")
    check("rate_limited" in codes(last), f"{what}: {short(last)}")
    check(all(r.status_code != 429 for r in responses[:-1]), f"{what}: refused before {limit}")
    return f"{what}: {short(last)}, retry-after {last.headers.get('retry-after')}"


async def log_in_limit_over_aliases(target: Target) -> str:
    await target.fresh_limits(target.limited)
    captcha = {"id": "x", "answer": "x"}
    one = 'login: "500103199001010011", password: "guess 1", captcha: $c'
    response = await target.post(
        _aliased("logIn", one, SIGN_IN_LIMIT + 1), {"c": captcha}, url=target.limited.url
    )
    return await _refused_at(target, [response], SIGN_IN_LIMIT, f"{SIGN_IN_LIMIT + 1} aliases")


async def recovery_limit_over_aliases(target: Target) -> str:
    await target.fresh_limits(target.limited)
    one = f'name: "钱", idNumber: "{a_fresh_id_number()}", captcha: $c'
    query = _aliased("recoverTicketNumber", one, RECOVERY_LIMIT + 1)
    response = await target.post(query, {"c": {"id": "x", "answer": "x"}}, url=target.limited.url)
    return await _refused_at(target, [response], RECOVERY_LIMIT, f"{RECOVERY_LIMIT + 1} aliases")


async def log_in_limit_over_fragments(target: Target) -> str:
    """Each guess in a fragment of its own, spread into one operation."""
    await target.fresh_limits(target.limited)
    count = SIGN_IN_LIMIT + 1
    fragments = " ".join(
        f'fragment G{n} on Mutation {{ g{n}: logIn(login: "{a_fresh_id_number()}", '
        f'password: "guess {n}", captcha: $c) {{ __typename }} }}'
        for n in range(count)
    )
    spreads = " ".join(f"...G{n}" for n in range(count))
    query = f"mutation Guess($c: CaptchaInput!) {{ {spreads} }} {fragments}"
    response = await target.post(query, {"c": {"id": "x", "answer": "x"}}, url=target.limited.url)
    return await _refused_at(target, [response], SIGN_IN_LIMIT, f"{count} fragments")


async def log_in_limit_over_a_batch(target: Target) -> str:
    await target.fresh_limits(target.limited)
    attempt = {
        "query": LOG_IN,
        "variables": {"login": a_fresh_id_number(), "password": "guess 1",
                      "captcha": {"id": "x", "answer": "x"}},
    }  # fmt: skip
    batch = [attempt] * (SIGN_IN_LIMIT + 1)
    response = await target.client.post(target.limited.url, json=batch)
    refused = [c for c in codes(response) if c == "rate_limited"]
    check(response.status_code == 429 and len(refused) == 1, f"batch: {short(response)}")
    return f"batch of {len(batch)}: {short(response)}"


async def reset_limit_over_a_batch(target: Target) -> str:
    await target.fresh_limits(target.limited)
    attempt = {
        "query": START_RESET,
        "variables": {"ticketNumber": "010326000001", "idNumber": a_fresh_id_number(),
                      "captcha": {"id": "x", "answer": "x"}},
    }  # fmt: skip
    batch = [attempt] * (RECOVERY_LIMIT + 1)
    response = await target.client.post(target.limited.url, json=batch)
    refused = [c for c in codes(response) if c == "rate_limited"]
    check(response.status_code == 429 and len(refused) == 1, f"batch: {short(response)}")
    return f"batch of {len(batch)}: {short(response)}"


async def _rotating(target: Target, query: str, variables: dict[str, Any], count: int) -> list[Any]:
    responses = []
    for n in range(count):
        forwarded = f"203.0.113.{n + 1}, 198.51.100.{random.randrange(1, 250)}"
        headers = {
            "x-forwarded-for": forwarded,
            "x-real-ip": f"203.0.113.{n + 1}",
            "forwarded": f"for=203.0.113.{n + 1}",
        }
        responses.append(
            await target.post(query, variables, url=target.limited.url, headers=headers)
        )
    return responses


async def log_in_limit_over_forwarded_for(target: Target) -> str:
    await target.fresh_limits(target.limited)
    variables = {"login": a_fresh_id_number(), "password": "guess 1",
                 "captcha": {"id": "x", "answer": "x"}}  # fmt: skip
    responses = await _rotating(target, LOG_IN, variables, SIGN_IN_LIMIT + 1)
    return await _refused_at(target, responses, SIGN_IN_LIMIT, "rotating X-Forwarded-For")


async def recovery_limit_over_forwarded_for(target: Target) -> str:
    await target.fresh_limits(target.limited)
    variables = {"name": "钱", "idNumber": a_fresh_id_number(),
                 "captcha": {"id": "x", "answer": "x"}}  # fmt: skip
    responses = await _rotating(target, RECOVER, variables, RECOVERY_LIMIT + 1)
    return await _refused_at(target, responses, RECOVERY_LIMIT, "rotating X-Forwarded-For")


CASES = [
    Case("enumeration", "log-in by ticket number answers alike", log_in_by_ticket_alike),
    Case("enumeration", "log-in by ID number answers alike", log_in_by_id_number_alike),
    Case("enumeration", "staff log-in answers alike", staff_log_in_alike),
    Case("enumeration", "ticket recovery answers alike", recovery_alike),
    Case("enumeration", "password reset answers alike", reset_alike),
    Case("enumeration", "registration probe answers alike", registration_probe_alike),
    Case("enumeration", "log-in backoff per account", log_in_backoff_per_account),
    Case("enumeration", "security answer guessing", security_answer_guessing),
    Case("enumeration", "registration limit per ID number", registration_limit_per_id_number),
    Case("enumeration", "a solved captcha replayed", captcha_replayed),
    Case("enumeration", "log-in limit over aliases", log_in_limit_over_aliases),
    Case("enumeration", "recovery limit over aliases", recovery_limit_over_aliases),
    Case("enumeration", "log-in limit over fragments", log_in_limit_over_fragments),
    Case("enumeration", "log-in limit over a batch", log_in_limit_over_a_batch),
    Case("enumeration", "reset limit over a batch", reset_limit_over_a_batch),
    Case("enumeration", "log-in limit over X-Forwarded-For", log_in_limit_over_forwarded_for),
    Case("enumeration", "recovery limit over X-Forwarded-For", recovery_limit_over_forwarded_for),
]
