"""The limits on guessing ticket and ID numbers, passwords, security answers and captchas:
identity's per account, number and captcha, and the gateway's per client however the
attempts are spread (aliases in one operation, fragments, a batch, a new X-Forwarded-For each
time from a peer that is no trusted proxy), each case starting with the limited gateway's
buckets empty."""

from __future__ import annotations

import random
from typing import Any

from .case import Case, check, codes, short
from .enumeration import RECOVER, START_RESET, Variables
from .system import RECOVERY_LIMIT, SIGN_IN_LIMIT
from .target import Target
from .victims import LOG_IN, PASSWORD, REGISTER, YUZHONG, a_fresh_id_number, candidate, registration

ANSWER = """mutation ResetPasswordWithAnswer($resetId: ID!, $answer: String!,
                                           $newPassword: String!) {
  resetPasswordWithAnswer(resetId: $resetId, answer: $answer, newPassword: $newPassword) {
    __typename ... on Problem { code message } } }"""


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
