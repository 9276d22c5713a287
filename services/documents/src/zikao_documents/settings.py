"""Documents' settings (prefix `DOCUMENTS_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from zikao_kit.settings import DEV_DATABASE_URL, DEV_REDIS_URL, ServiceSettings, shared

# Development-only key: refused when ZIKAO_ENV=production.
DEV_LINK_KEY = "dev-only-download-link-key-change-me"
DEV_PUBLIC_URL = "http://127.0.0.1:8003"
# Identity's development client secret of `documents` (IDENTITY_SERVICE_CLIENTS' default).
DEV_CLIENT_SECRET = "dev-only-documents-service-secret"


class DocumentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOCUMENTS_", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default=DEV_DATABASE_URL, validation_alias=shared("DATABASE_URL", "DOCUMENTS_")
    )
    redis_url: str = Field(
        default=DEV_REDIS_URL, validation_alias=shared("REDIS_URL", "DOCUMENTS_")
    )
    link_key: str = Field(
        default=DEV_LINK_KEY, min_length=16, description="HMAC key of signed download links"
    )
    link_ttl_seconds: int = Field(
        default=300, ge=10, le=3600, description="how long a signed download link stays valid"
    )
    public_url: str = Field(
        default=DEV_PUBLIC_URL, description="where clients reach this service (download links)"
    )
    storage_dir: Path = Field(
        default=Path(".run/documents"), description="local storage backend's folder"
    )
    queue_name: str = Field(default="zikao:documents", description="arq queue of the renderer")
    render_max_attempts: int = Field(
        default=3, ge=1, le=20, description="attempts before a render is given up (FAILED)"
    )
    render_timeout_seconds: int = Field(
        default=15,
        ge=1,
        le=600,
        description="arq's timeout of one render job (renders take milliseconds); arq keeps a "
        "job's in-progress key this long plus 10 s, so a killed worker's job runs again then",
    )
    rendering_lease_seconds: int = Field(
        default=20,
        ge=2,
        description="an attempt's lease: a request whose lease ran out has no live job (it is "
        "longer than the job timeout) and is re-enqueued",
    )
    retry_backoff_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="wait before the 2nd attempt after a transient failure; doubles each time",
    )
    sweep_every_seconds: int = Field(
        default=10, ge=1, le=60, description="how often the sweeper runs (divides 60)"
    )
    sweep_pending_after_seconds: int = Field(
        default=15, ge=1, description="a PENDING request older than this is re-enqueued"
    )
    identity_url: str = Field(
        default="http://127.0.0.1:8001/graphql", description="identity's subgraph endpoint"
    )
    records_url: str = Field(
        default="http://127.0.0.1:8002/graphql", description="records' subgraph endpoint"
    )
    service_client_id: str = Field(
        default="documents", description="this service's client id at identity (service tokens)"
    )
    service_client_secret: str = Field(
        default=DEV_CLIENT_SECRET, min_length=16, description="its client secret"
    )
    upstream_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="one call to another subgraph"
    )
    issuer: str = Field(
        default="重庆市教育考试院", max_length=100, description="the authority a document names"
    )
    verify_limit: int = Field(
        default=30, ge=1, description="verifyDocument calls per client address per window"
    )
    verify_window_seconds: int = Field(default=60, ge=1, description="the window of that limit")
    redis_prefix: str = Field(default="documents", description="prefix of this service's keys")

    @model_validator(mode="after")
    def _lease_outlasts_a_job(self) -> Self:
        if self.rendering_lease_seconds <= self.render_timeout_seconds:
            raise ValueError(
                "DOCUMENTS_RENDERING_LEASE_SECONDS must exceed DOCUMENTS_RENDER_TIMEOUT_SECONDS"
            )
        if 60 % self.sweep_every_seconds:
            raise ValueError("DOCUMENTS_SWEEP_EVERY_SECONDS must divide 60")
        return self

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.link_key == DEV_LINK_KEY:
            problems.append("DOCUMENTS_LINK_KEY is the development key")
        if self.public_url == DEV_PUBLIC_URL:
            problems.append("DOCUMENTS_PUBLIC_URL is the development default")
        if self.service_client_secret == DEV_CLIENT_SECRET:
            problems.append("DOCUMENTS_SERVICE_CLIENT_SECRET is the development secret")
        return problems

    @property
    def download_base_url(self) -> str:
        return self.public_url.rstrip("/")


def documents_settings(settings: ServiceSettings) -> DocumentsSettings:
    """The documents settings a process runs with (typed back from the kit's base class)."""
    if not isinstance(settings, DocumentsSettings):
        raise TypeError("documents runs with DocumentsSettings")
    return settings


def get_settings() -> DocumentsSettings:
    return DocumentsSettings()
