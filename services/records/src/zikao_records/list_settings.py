"""Settings of staff lists, exports and merges (prefix `RECORDS_`, beside `RecordsSettings`;
kept apart so that the list modules own them): where identity answers and records' client
credentials there, and the rows of an export page."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CLIENT_SECRET = "dev-only-records-service-secret"


class ListSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore", populate_by_name=True)

    env: str = Field(default="development", validation_alias="ZIKAO_ENV")
    jwks_url: str = Field(
        default="http://127.0.0.1:8001/.well-known/jwks.json", validation_alias="ZIKAO_JWKS_URL"
    )
    identity_url: str | None = Field(
        default=None,
        description="identity's GraphQL endpoint; unset: /graphql at the origin of ZIKAO_JWKS_URL"
        " (identity publishes its keys itself)",
    )
    identity_client_id: str = Field(default="records", min_length=1, max_length=64)
    identity_client_secret: str = Field(
        default=DEV_CLIENT_SECRET, min_length=16, description="records' service client secret"
    )
    identity_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    export_page_rows: int = Field(
        default=500, ge=10, le=5000, description="rows an export reads (and holds) at a time"
    )

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> ListSettings:
        if self.env == "production" and self.identity_client_secret == DEV_CLIENT_SECRET:
            raise ValueError("RECORDS_IDENTITY_CLIENT_SECRET is the development default")
        return self

    @property
    def identity_graphql_url(self) -> str:
        if self.identity_url:
            return self.identity_url
        parts = urlsplit(self.jwks_url)
        return f"{parts.scheme}://{parts.netloc}/graphql"


@lru_cache(maxsize=1)
def list_settings() -> ListSettings:
    return ListSettings()
