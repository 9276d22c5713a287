"""The payment provider's notification to records (`POST /payments/notify`, HMAC-SHA256 of
the raw body with RECORDS_PAYMENT_NOTIFY_KEY in X-Signature): a forged one is refused and
pays nothing; a valid one replayed pays nothing more."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx

from .case import Case, check, problem, refusal, short
from .target import Target
from .victims import Candidate, candidate, signed_up

PAYMENTS = "records.payment"
PAID = "query MyExams($sitting: String!) { me { exams(sitting: $sitting) { paid } } }"


def _signed(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


async def _notify(target: Target, body: bytes, signature: str) -> httpx.Response:
    return await target.client.post(
        f"{target.service('records')}/payments/notify",
        content=body,
        headers={"content-type": "application/json", "x-signature": signature},
    )


async def _notice(target: Target, key: str) -> tuple[dict[str, Any], str]:
    who = await candidate(target, key)
    held, fees = await signed_up(target, who)
    notice = {
        "transactionId": f"ABUSE-{uuid.uuid4().hex[:16]}",
        "candidateId": who.id,
        "sitting": held.code,
        "courseCodes": ["03708", "00037"],
        "amountYuan": fees,
    }
    return notice, who.token


async def _paid(target: Target, token: str, sitting: str) -> list[bool]:
    body = (await target.post(PAID, {"sitting": sitting}, token=token)).json()
    return [bool(e["paid"]) for e in body["data"]["me"]["exams"]]


async def forged_signature(target: Target) -> str:
    notice, token = await _notice(target, "payments-forged")
    body = json.dumps(notice).encode()
    before = await target.rows(PAYMENTS)
    seen = []
    guessed, other_body = _signed("a guessed key", body), _signed(target.notify_key, b"{}")
    for signature in (guessed, "", "00" * 32, other_body):
        response = await _notify(target, body, signature)
        seen.append(refusal(response, 401, "bad_signature"))
    check(await target.rows(PAYMENTS) == before, "a payment was recorded")
    check(not any(await _paid(target, token, notice["sitting"])), "a sign-up was paid")
    return f"{seen[0]} (x{len(seen)}), nothing paid"


async def replayed(target: Target) -> str:
    notice, token = await _notice(target, "payments-replayed")
    body = json.dumps(notice).encode()
    first = await _notify(target, body, _signed(target.notify_key, body))
    applied = first.status_code == 200 and first.json().get("status") == "APPLIED"
    check(applied, f"setup: {first.text}")
    before = await target.rows(PAYMENTS)
    again = await _notify(target, body, _signed(target.notify_key, body))
    answer = again.json()
    repeated = again.status_code == 200 and answer.get("repeated") is True
    check(repeated, f"{again.status_code} {answer}")
    check(await target.rows(PAYMENTS) == before, "the replay recorded a payment")
    check(all(await _paid(target, token, notice["sitting"])), "the sign-ups are not paid once")
    return f"{again.status_code} repeated, payments {before} -> {before}"


RECORD = """mutation Pay($i: ManualPaymentInput!) { recordPayment(input: $i) { __typename
  ... on Problem { code } } }"""


async def record_payment(target: Target, who: Candidate, token: str, code: str) -> str:
    """`recordPayment` (staff's, for money paid at a counter) for `who`'s sign-ups with
    `token`: refused as `code`, no payment kept, nothing paid."""
    held, fees = await signed_up(target, who)
    payment = {
        "candidateId": who.id,
        "sitting": held.code,
        "courseCodes": ["03708", "00037"],
        "amountYuan": fees,
        "reference": f"ABUSE-{uuid.uuid4().hex[:8]}",
    }
    before = await target.rows(PAYMENTS)
    response = await target.post(RECORD, {"i": payment}, token=token)
    check(await target.rows(PAYMENTS) == before, f"a payment was kept: {short(response)}")
    check(not any(await _paid(target, who.token, held.code)), "a sign-up was paid")
    return problem(response, "recordPayment", "Forbidden", code)


async def candidate_records_own_payment(target: Target) -> str:
    who = await candidate(target, "payments-self")
    return await record_payment(target, who, who.token, "forbidden")


CASES = [
    Case("payments", "a forged notification (bad HMAC)", forged_signature),
    Case("payments", "a valid notification replayed", replayed),
    Case("payments", "a candidate records their own payment", candidate_records_own_payment),
]
