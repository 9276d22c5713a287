"""Records' HTTP routes beside the graph: the payment provider's notification."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zikao_kit.db import database_unavailable, utc_now
from zikao_kit.errors import DomainError
from zikao_kit.subgraph import ServiceState
from zikao_records.models import PaymentSource
from zikao_records.service import payments
from zikao_records.settings import records_settings

logger = logging.getLogger("zikao.records.payments")
RETRY_AFTER = "5"


async def payment_notification(request: Request) -> Response:
    """`POST /payments/notify`: verified, idempotent on the transaction id (see `payments`)."""
    state: ServiceState = request.app.state.zikao
    settings = records_settings(state.settings)
    body = await request.body()
    if len(body) > payments.MAX_BODY_BYTES:
        return JSONResponse({"code": "too_large"}, status_code=413)
    signature = request.headers.get(payments.SIGNATURE_HEADER)
    if not payments.signature_is_valid(settings.payment_notify_key, body, signature):
        logger.warning("payment notification with a bad signature")
        return JSONResponse({"code": "bad_signature"}, status_code=401)
    try:
        notice = payments.parse_notice(body)
    except payments.BadNoticeError as error:
        return JSONResponse({"code": "bad_notice", "field": str(error)}, status_code=400)
    lapse = timedelta(minutes=settings.unpaid_lapse_minutes)
    try:
        async with state.db.begin() as session:
            outcome = await payments.apply_payment(
                session, notice, source=PaymentSource.NOTIFICATION, now=utc_now(), lapse=lapse
            )
    except DomainError as error:
        return JSONResponse({"code": error.code}, status_code=404)
    except Exception as error:
        if not database_unavailable(error):
            raise
        # PostgreSQL away (restarting, unreachable): nothing was recorded, and the provider
        # sends the notification again after a non-2xx answer.
        logger.warning("payment notification while the database is unavailable")
        return JSONResponse(
            {"code": "unavailable"}, status_code=503, headers={"Retry-After": RETRY_AFTER}
        )
    payment = outcome.payment
    logger.info(
        "payment notification",
        extra={
            "payment_id": str(payment.id),
            "status": payment.status.value,
            "repeated": outcome.repeated,
        },
    )
    return JSONResponse(
        {"status": payment.status.value, "reason": payment.reason, "repeated": outcome.repeated}
    )
