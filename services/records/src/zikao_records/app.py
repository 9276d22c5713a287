"""Records' Starlette app: the subgraph, health, the payment notification route and the audit
trail for internal callers (`POST /internal/audit`)."""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis
from starlette.applications import Starlette
from starlette.routing import Route

from zikao_kit.audit import audit_route
from zikao_kit.subgraph import ServiceState, VerifierFactory, create_subgraph_app, jwks_verifier
from zikao_records.http_exports import ROUTE as EXPORTS
from zikao_records.http_graduation import ROUTE as GRADUATION_EXPORT
from zikao_records.http_imports import upload_scores
from zikao_records.models import AuditEntry
from zikao_records.routes import payment_notification
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings, get_settings

SERVICE = "records"


@dataclass
class _Running:
    """The state of the running app, for routes built before it starts."""

    state: ServiceState | None = None

    def current(self) -> ServiceState:
        if self.state is None:
            raise RuntimeError("records is not running")
        return self.state


def create_app(
    settings: RecordsSettings | None = None, verifier_factory: VerifierFactory = jwks_verifier
) -> Starlette:
    running = _Running()

    async def keep_state(state: ServiceState) -> None:
        running.state = state
        # The arq client shares the service's Redis pool (closed with it at shutdown).
        state.extras["queue"] = ArqRedis(connection_pool=state.redis.connection_pool)

    audit = audit_route(
        service=SERVICE,
        model=AuditEntry,
        db=lambda: running.current().db,
        verifier=lambda: running.current().verifier,
    )
    return create_subgraph_app(
        name=SERVICE,
        schema_name="records",
        settings=settings or get_settings(),
        schema=schema,
        routes=[
            Route("/payments/notify", payment_notification, methods=["POST"]),
            Route("/imports/scores", upload_scores, methods=["POST"]),
            EXPORTS,
            GRADUATION_EXPORT,
            audit,
        ],
        verifier_factory=verifier_factory,
        on_startup=[keep_state],
    )
