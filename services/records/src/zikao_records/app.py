"""Records' Starlette app: the subgraph, health, and the payment notification route."""

from __future__ import annotations

from arq.connections import ArqRedis
from starlette.applications import Starlette
from starlette.routing import Route

from zikao_kit.subgraph import ServiceState, create_subgraph_app
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
        on_startup=[_keep_queue],
    )


async def _keep_queue(state: ServiceState) -> None:
    # The arq client shares the service's Redis pool (closed with it at shutdown).
    state.extras["queue"] = ArqRedis(connection_pool=state.redis.connection_pool)
