"""The gateway's settings: where the supergraph is, the subgraph URLs, timeouts, caches, where
identity's public keys are."""

from __future__ import annotations

from pathlib import Path
from typing import Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zikao_gateway.gateway import PLAN_TIMEOUT_SECONDS
from zikao_gateway.limits import MAX_ALIASES, MAX_DEPTH, MAX_ROOT_FIELDS, MAX_TOKENS, Limits
from zikao_gateway.metrics import MAX_OPERATIONS
from zikao_gateway.ratelimit import PREFIX, RateLimits
from zikao_gateway.sizing import MAX_SELECTIONS
from zikao_gateway.supergraph import Supergraph
from zikao_gateway.trusted import MANIFEST
from zikao_kit.network import TrustedProxies
from zikao_kit.settings import DEV_REDIS_URL, Environment, UnsafeSettingError, shared

DEFAULT_SUPERGRAPH = Path(__file__).resolve().parents[2] / "supergraph.graphql"
JWKS_PATH = "/.well-known/jwks.json"
MAX_BODY_BYTES = 2 * 1024 * 1024
"""Room for identity's largest photo (1,000,000 bytes) base64-encoded in a staff upload."""
DEFAULT_RATES = RateLimits()
LIMIT_VARIABLES = {
    "selections": "GATEWAY_MAX_SELECTIONS",
    "depth": "GATEWAY_MAX_DEPTH",
    "aliases": "GATEWAY_MAX_ALIASES",
    "root_fields": "GATEWAY_MAX_ROOT_FIELDS",
    "tokens": "GATEWAY_MAX_TOKENS",
}


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
        ge=0,
        validation_alias="GATEWAY_MAX_SELECTIONS",
        description=(
            "most field selections a document may hold, its operations' fragments expanded "
            "(more is refused as operation_too_large); the largest operation of "
            "clients/candidate.graphql holds 17, graphql-core's introspection query 232"
        ),
    )
    max_depth: int = Field(default=MAX_DEPTH, ge=0, validation_alias="GATEWAY_MAX_DEPTH")
    max_aliases: int = Field(default=MAX_ALIASES, ge=0, validation_alias="GATEWAY_MAX_ALIASES")
    max_root_fields: int = Field(
        default=MAX_ROOT_FIELDS, ge=0, validation_alias="GATEWAY_MAX_ROOT_FIELDS"
    )
    max_tokens: int = Field(default=MAX_TOKENS, ge=0, validation_alias="GATEWAY_MAX_TOKENS")
    max_body_bytes: int = Field(
        default=MAX_BODY_BYTES,
        ge=0,
        validation_alias="GATEWAY_MAX_BODY_BYTES",
        description="largest request body, refused while it is read",
    )
    max_batch: int = Field(
        default=0,
        ge=0,
        validation_alias="GATEWAY_MAX_BATCH",
        description="operations in one batch (a JSON array body); 0: batching off",
    )
    redis_url: str = Field(default=DEV_REDIS_URL, validation_alias=shared("REDIS_URL", "GATEWAY_"))
    redis_prefix: str = Field(default=PREFIX, validation_alias="GATEWAY_REDIS_PREFIX")
    rate_limits: bool = Field(default=True, validation_alias="GATEWAY_RATE_LIMITS")
    rate_window_seconds: int = Field(
        default=DEFAULT_RATES.window_seconds, ge=1, validation_alias="GATEWAY_RATE_WINDOW_SECONDS"
    )
    rate_limit_client: int = Field(
        default=DEFAULT_RATES.client, ge=1, validation_alias="GATEWAY_RATE_LIMIT_CLIENT"
    )
    rate_limit_field: int = Field(
        default=DEFAULT_RATES.field, ge=1, validation_alias="GATEWAY_RATE_LIMIT_FIELD"
    )
    rate_limit_sign_in: int = Field(
        default=DEFAULT_RATES.sign_in, ge=1, validation_alias="GATEWAY_RATE_LIMIT_SIGN_IN"
    )
    rate_limit_recovery: int = Field(
        default=DEFAULT_RATES.recovery, ge=1, validation_alias="GATEWAY_RATE_LIMIT_RECOVERY"
    )
    rate_limit_captcha: int = Field(
        default=DEFAULT_RATES.captcha, ge=1, validation_alias="GATEWAY_RATE_LIMIT_CAPTCHA"
    )
    trusted_documents: bool | None = Field(
        default=None,
        validation_alias="GATEWAY_TRUSTED_DOCUMENTS",
        description="only clients/trusted-documents.json's operations for candidates and"
        " anonymous callers; on in production (where it cannot be switched off)",
    )
    trusted_documents_file: Path = Field(
        default=MANIFEST, validation_alias="GATEWAY_TRUSTED_DOCUMENTS_FILE"
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
    metrics_networks: str = Field(
        default="127.0.0.1,::1",
        validation_alias="GATEWAY_METRICS_NETWORKS",
        description="addresses or networks (comma separated) that may read /metrics, the"
        " caller's address taken as for the limits; empty: nobody",
    )
    metrics_max_operations: int = Field(
        default=MAX_OPERATIONS,
        ge=1,
        validation_alias="GATEWAY_METRICS_MAX_OPERATIONS",
        description="distinct operation names given series of their own in /metrics (the"
        " first seen); any other name is counted as `other`",
    )
    kept_answers: int = Field(
        default=50_000,
        ge=0,
        validation_alias="GATEWAY_KEPT_ANSWERS",
        description="answers kept for the same caller where the subgraph vouches for them"
        " (a candidate's published results; a correction drops them at once); 0: none",
    )
    kept_answer_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias="GATEWAY_KEPT_ANSWER_SECONDS",
        description="longest an answer is kept (the subgraph may say less)",
    )
    identity_url: str | None = Field(default=None, validation_alias="IDENTITY_URL")
    records_url: str | None = Field(default=None, validation_alias="RECORDS_URL")
    documents_url: str | None = Field(default=None, validation_alias="DOCUMENTS_URL")
    jwks_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GATEWAY_JWKS_URL", "ZIKAO_JWKS_URL"),
        description="identity's public keys (JWKS), with which the gateway verifies tokens;"
        " unset: /.well-known/jwks.json beside the identity subgraph's URL",
    )
    jwt_issuer: str = Field(default="zikao-identity", validation_alias="ZIKAO_JWT_ISSUER")
    jwt_audience: str = Field(default="zikao", validation_alias="ZIKAO_JWT_AUDIENCE")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_in_production(self) -> Self:
        if self.env is Environment.PRODUCTION:
            problems = self.production_problems()
            if problems:
                raise UnsafeSettingError("unsafe settings in production: " + "; ".join(problems))
        return self

    def production_problems(self) -> list[str]:
        """What production may not run with: a limit switched off, GraphiQL for anyone who
        asks, trusted documents or rate limits off."""
        off = self.limits.unlimited
        problems = [f"{LIMIT_VARIABLES[name]}=0 switches a limit off" for name in off]
        if not self.max_body_bytes:
            problems.append("GATEWAY_MAX_BODY_BYTES=0 switches the body limit off")
        if self.graphiql:
            problems.append("ZIKAO_GRAPHIQL=true serves GraphiQL to anonymous callers")
        if not self.rate_limits:
            problems.append("GATEWAY_RATE_LIMITS=false switches rate limits off")
        elif "redis_url" not in self.model_fields_set:
            problems.append("REDIS_URL is not set (the rate limits' Redis)")
        if self.trusted_documents is False:
            problems.append("GATEWAY_TRUSTED_DOCUMENTS=false lets candidates send any operation")
        return problems + self._key_problems()

    def _key_problems(self) -> list[str]:
        """Identity's keys looked for where a development run has them (as kit refuses for the
        services): the gateway would verify no token, or none at all."""
        if self.jwks_url is None and self.identity_url is None:
            return ["neither ZIKAO_JWKS_URL nor IDENTITY_URL is set (identity's keys)"]
        if (self.jwks_url or self.identity_url or "").startswith("http://127.0.0.1"):
            return ["ZIKAO_JWKS_URL (or IDENTITY_URL) is the development default"]
        return []

    @property
    def limits(self) -> Limits:
        return Limits(
            selections=self.max_selections,
            depth=self.max_depth,
            aliases=self.max_aliases,
            root_fields=self.max_root_fields,
            tokens=self.max_tokens,
        )

    @property
    def rate(self) -> RateLimits:
        return RateLimits(
            window_seconds=self.rate_window_seconds,
            client=self.rate_limit_client,
            field=self.rate_limit_field,
            sign_in=self.rate_limit_sign_in,
            recovery=self.rate_limit_recovery,
            captcha=self.rate_limit_captcha,
        )

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def trusted_documents_only(self) -> bool:
        return self.trusted_documents if self.trusted_documents is not None else self.is_production

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    @field_validator("metrics_networks")
    @classmethod
    def _metrics_networks_parse(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @property
    def metrics_allowed(self) -> TrustedProxies:
        return TrustedProxies.parse(self.metrics_networks)

    def subgraph_urls(self) -> dict[str, str]:
        """Subgraph name → URL, for those that override the supergraph's `@join__graph(url:)`."""
        urls = {
            "identity": self.identity_url,
            "records": self.records_url,
            "documents": self.documents_url,
        }
        return {name: url for name, url in urls.items() if url}

    def keys_url(self, supergraph: Supergraph) -> str | None:
        """Where identity's JWKS is: the setting, else beside the identity subgraph's URL (the
        supergraph's, or IDENTITY_URL); None when neither is known."""
        if self.jwks_url:
            return self.jwks_url
        identity = self.identity_url or next(
            (s.url for s in supergraph.subgraphs.values() if s.name == "identity"), None
        )
        return jwks_beside(identity) if identity else None

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL: on outside production unless switched off (staff reach it there through
        their own route, where ZIKAO_GRAPHIQL=true)."""
        return self.graphiql if self.graphiql is not None else self.env != Environment.PRODUCTION


def jwks_beside(graphql_url: str) -> str:
    """``http://identity:8001/graphql`` → ``http://identity:8001/.well-known/jwks.json``."""
    parts = urlsplit(graphql_url)
    base = parts.path.rstrip("/").removesuffix("/graphql")
    return urlunsplit((parts.scheme, parts.netloc, base + JWKS_PATH, "", ""))
