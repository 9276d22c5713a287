"""The gateway's settings: where the supergraph is, the subgraph URLs, timeouts, caches."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zikao_gateway.gateway import PLAN_TIMEOUT_SECONDS
from zikao_gateway.sizing import MAX_SELECTIONS
from zikao_kit.network import TrustedProxies
from zikao_kit.settings import Environment

DEFAULT_SUPERGRAPH = Path(__file__).resolve().parents[2] / "supergraph.graphql"


class GatewaySettings(BaseSettings):
    """Read from the environment; every value has a default fit for a local run."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: Environment = Field(default=Environment.DEVELOPMENT, validation_alias="ZIKAO_ENV")
    log_level: str = Field(default="INFO", validation_alias="ZIKAO_LOG_LEVEL")
    graphiql: bool | None = Field(default=None, validation_alias="ZIKAO_GRAPHIQL")
    supergraph: Path = Field(default=DEFAULT_SUPERGRAPH, validation_alias="GATEWAY_SUPERGRAPH")
    subgraph_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias="GATEWAY_SUBGRAPH_TIMEOUT_SECONDS"
    )
    max_connections: int = Field(default=200, ge=1, validation_alias="GATEWAY_MAX_CONNECTIONS")
    cache_size: int = Field(default=1000, ge=1, validation_alias="GATEWAY_CACHE_SIZE")
    max_selections: int = Field(
        default=MAX_SELECTIONS,
        ge=1,
        validation_alias="GATEWAY_MAX_SELECTIONS",
        description=(
            "most field selections a document may hold, its operations' fragments expanded "
            "(more is refused as operation_too_large); the largest operation of "
            "clients/candidate.graphql holds 17, graphql-core's introspection query 232"
        ),
    )
    plan_timeout_seconds: float = Field(
        default=PLAN_TIMEOUT_SECONDS,
        gt=0,
        validation_alias="GATEWAY_PLAN_TIMEOUT_SECONDS",
        description="longest wait for a plan not in the cache (made off the event loop)",
    )
    trusted_proxies: str = Field(
        default="",
        validation_alias="GATEWAY_TRUSTED_PROXIES",
        description="addresses or networks of the load balancers in front, whose"
        " X-Forwarded-For is believed (comma separated; none by default)",
    )
    identity_url: str | None = Field(default=None, validation_alias="IDENTITY_URL")
    records_url: str | None = Field(default=None, validation_alias="RECORDS_URL")
    documents_url: str | None = Field(default=None, validation_alias="DOCUMENTS_URL")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    def subgraph_urls(self) -> dict[str, str]:
        """Subgraph name → URL, for those that override the supergraph's `@join__graph(url:)`."""
        urls = {
            "identity": self.identity_url,
            "records": self.records_url,
            "documents": self.documents_url,
        }
        return {name: url for name, url in urls.items() if url}

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL: on outside production unless switched off (staff reach it there through
        their own route, where ZIKAO_GRAPHIQL=true)."""
        return self.graphiql if self.graphiql is not None else self.env != Environment.PRODUCTION
