"""Records' Starlette app: the subgraph, health, and the payment notification route."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from zikao_kit.subgraph import create_subgraph_app
from zikao_records.routes import payment_notification
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings, get_settings


def create_app(settings: RecordsSettings | None = None) -> Starlette:
    return create_subgraph_app(
        name="records",
        schema_name="records",
        settings=settings or get_settings(),
        schema=schema,
        routes=[Route("/payments/notify", payment_notification, methods=["POST"])],
    )
