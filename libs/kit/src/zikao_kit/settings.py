"""Settings shared by every Zikao process; each service subclasses `ServiceSettings`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zikao_kit.network import TrustedProxies

DEV_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/zikao"
DEV_REDIS_URL = "redis://127.0.0.1:6379/0"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettingError(ValueError):
    """A setting holds a value that is only acceptable outside production."""


def shared(name: str, prefix: str = "") -> Any:
    """Alias that reads `<PREFIX>NAME` first and falls back to the shared `NAME`."""
    names = [f"{prefix}{name}", name] if prefix else [name]
    return AliasChoices(*names)


class ServiceSettings(BaseSettings):
    """Base of every service's settings.

    Subclasses declare their own fields with their service prefix (`IDENTITY_...`) and may
    override `database_url` / `redis_url` with `shared("DATABASE_URL", "IDENTITY_")`, so one
    environment drives the whole system and a service can still be pointed elsewhere.
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)
    service_name: ClassVar[str] = "zikao"

    env: Environment = Field(default=Environment.DEVELOPMENT, validation_alias="ZIKAO_ENV")
    database_url: str = Field(default=DEV_DATABASE_URL, validation_alias="DATABASE_URL")
    redis_url: str = Field(default=DEV_REDIS_URL, validation_alias="REDIS_URL")
    jwks_url: str = Field(
        default="http://127.0.0.1:8001/.well-known/jwks.json", validation_alias="ZIKAO_JWKS_URL"
    )
    jwt_issuer: str = Field(default="zikao-identity", validation_alias="ZIKAO_JWT_ISSUER")
    jwt_audience: str = Field(default="zikao", validation_alias="ZIKAO_JWT_AUDIENCE")
    log_level: str = Field(default="INFO", validation_alias="ZIKAO_LOG_LEVEL")
    graphiql: bool | None = Field(default=None, validation_alias="ZIKAO_GRAPHIQL")
    db_pool_size: int = Field(default=10, ge=1, validation_alias="ZIKAO_DB_POOL_SIZE")
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        validation_alias="ZIKAO_TRUSTED_PROXIES",
        description="addresses or networks (comma separated) whose X-Forwarded-For is believed:"
        " the gateway and load balancers in front of this process",
    )

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
        """Names what is unsafe for production; subclasses extend the list."""
        problems = []
        if self.database_url == DEV_DATABASE_URL:
            problems.append("DATABASE_URL is the development default")
        if self.jwks_url.startswith("http://127.0.0.1"):
            problems.append("ZIKAO_JWKS_URL is the development default")
        return problems

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL on the subgraphs: on outside production unless switched off."""
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies.parse(self.trusted_proxies)

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION
