"""The payment provider's notification: an HMAC-SHA256 signature over the raw body, then a JSON
body naming what was paid. The provider integration itself (making payment orders) is out of
scope; this is the shape records accepts.

```
POST /payments/notify
X-Signature: <hex HMAC-SHA256 of the raw body with RECORDS_PAYMENT_NOTIFY_KEY>
{"transactionId": "…", "candidateId": "<uuid>", "sitting": "2026-10",
 "courseCodes": ["03708", "00037"], "amountYuan": 80}
```
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from typing import Any

from zikao_records import text
from zikao_records.payments import PaymentNotice

SIGNATURE_HEADER = "x-signature"
MAX_BODY_BYTES = 16 * 1024
_TRANSACTION = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class BadNoticeError(ValueError):
    """The body is not a notification records understands (says which part, nothing more)."""


def sign(key: str, body: bytes) -> str:
    """The hex signature of `body` (what the provider sends, and what tests send)."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(key: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the header as sent) is the signature of `body`; a header that is not
    ASCII (which no hex signature is) is simply not it."""
    if signature is None or not signature.isascii():
        return False
    return hmac.compare_digest(sign(key, body), signature.strip().lower())


def parse_notice(body: bytes) -> PaymentNotice:
    try:
        data: Any = json.loads(body)
        if not isinstance(data, dict):
            raise BadNoticeError("body")
        return PaymentNotice(
            transaction_id=_matching(data.get("transactionId"), _TRANSACTION, "transactionId"),
            candidate_id=_candidate(data.get("candidateId")),
            sitting_code=_matching(data.get("sitting"), text.SITTING_CODE, "sitting"),
            course_codes=tuple(_courses(data.get("courseCodes"))),
            amount_yuan=_amount(data.get("amountYuan")),
        )
    except (ValueError, TypeError) as error:
        if isinstance(error, BadNoticeError):
            raise
        raise BadNoticeError("body") from error


def _matching(value: object, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not (value.isascii() and pattern.fullmatch(value)):
        raise BadNoticeError(name)
    return value


def _candidate(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise BadNoticeError("candidateId") from error


def _courses(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadNoticeError("courseCodes")
    return [_matching(code, text.COURSE_CODE, "courseCodes") for code in value]


def _amount(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadNoticeError("amountYuan")
    return value
