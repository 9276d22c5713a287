"""Identity's settings (prefix `IDENTITY_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from zikao_kit import regions
from zikao_kit.settings import DEV_DATABASE_URL, DEV_REDIS_URL, ServiceSettings, shared

DATA_DIR = Path(__file__).parent / "data"
# Development-only keys: refused when ZIKAO_ENV=production.
DEV_DATA_KEYS = "dev1:ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="
DEV_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzIQ=="
DEV_SERVICE_CLIENTS = (
    "documents:dev-only-documents-service-secret,records:dev-only-records-service-secret"
)
# The candidate site is not served by this repository (the gateway on :4000 serves GraphQL
# only): a site run locally, refused in production.
DEV_RESET_LINK_URL = "http://127.0.0.1:3000/reset-password"
DEV_AUDIT_SOURCES = (
    "records=http://127.0.0.1:8002/internal/audit,documents=http://127.0.0.1:8003/internal/audit"
)


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEV_DATABASE_URL, validation_alias=shared("DATABASE_URL", "IDENTITY_")
    )
    redis_url: str = Field(default=DEV_REDIS_URL, validation_alias=shared("REDIS_URL", "IDENTITY_"))
    data_keys: str = Field(
        default=DEV_DATA_KEYS,
        description="AES-256-GCM keys for personal data: `kid:base64key` pairs, comma separated",
    )
    data_key_id: str = Field(default="dev1", description="the key id new data is encrypted with")
    index_key: str = Field(default=DEV_INDEX_KEY, description="base64 HMAC key of blind indexes")
    jwt_private_key_file: Path | None = Field(
        default=None, description="Ed25519 PEM signing access tokens; generated per run if unset"
    )
    access_token_minutes: int = Field(default=15, ge=1, le=120)
    region_file: Path = Field(default=regions.CHONGQING)
    common_passwords_file: Path = Field(default=DATA_DIR / "common-passwords.txt")
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    redis_prefix: str = Field(default="identity", description="prefix of identity's Redis keys")
    # Captcha
    captcha_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    captcha_test_answer: str | None = Field(
        default=None, description="an answer every captcha also accepts (tests, demos only)"
    )
    # Log-in backoff: after `login_free_failures` wrong passwords, waits that double each time
    login_free_failures: int = Field(default=5, ge=1)
    login_backoff_seconds: int = Field(default=30, ge=1)
    login_backoff_max_seconds: int = Field(default=900, ge=1)
    client_free_failures: int = Field(default=50, ge=1)
    failure_window_seconds: int = Field(default=3600, ge=60)
    # Ticket recovery and password reset: attempts per hour
    recovery_per_id: int = Field(default=5, ge=1)
    recovery_per_client: int = Field(default=50, ge=1)
    # Registration answers whether an ID number is registered: attempts per hour
    registration_per_id: int = Field(default=5, ge=1)
    registration_per_client: int = Field(default=50, ge=1)
    reset_session_minutes: int = Field(default=15, ge=1, le=60)
    reset_answer_tries: int = Field(default=3, ge=1, le=3)
    reset_link_minutes: int = Field(default=30, ge=5, le=60)
    reset_link_url: str = Field(
        default=DEV_RESET_LINK_URL,
        description="the candidate site's reset page; the e-mailed link is it with the one-time"
        " token in the fragment (#token=…)",
    )
    # Mail (the identity worker speaks SMTP)
    queue_name: str = Field(default="zikao:identity")
    smtp_host: str = Field(default="127.0.0.1")
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = Field(default="自考服务 <noreply@zikao.example>")
    mail_dir: Path = Field(default=Path(".run/mail"), description="make run's SMTP sink folder")
    # Staff and services
    service_clients: str = Field(
        default=DEV_SERVICE_CLIENTS,
        description="internal callers' credentials: `client:secret` pairs, comma separated",
    )
    service_token_free_failures: int = Field(
        default=10, ge=1, description="wrong client secrets per client before backoff"
    )
    # The audit trail: the other services' entries, fetched for auditors
    audit_sources: str = Field(
        default=DEV_AUDIT_SOURCES,
        description="`service=url` pairs, comma separated: each service's POST /internal/audit",
    )
    audit_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    photo_max_bytes: int = Field(default=1_000_000, ge=10_000)
    photo_min_size: tuple[int, int] = (240, 320)
    photo_max_size: tuple[int, int] = (1200, 1600)

    @field_validator("audit_sources")
    @classmethod
    def _sources_parse(cls, value: str) -> str:
        audit_sources(value)
        return value

    @field_validator("smtp_username", "smtp_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (as docker-compose passes an unset optional one) means none."""
        return None if value == "" else value

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.data_keys == DEV_DATA_KEYS:
            problems.append("IDENTITY_DATA_KEYS is the development key")
        if self.index_key == DEV_INDEX_KEY:
            problems.append("IDENTITY_INDEX_KEY is the development key")
        if self.jwt_private_key_file is None:
            problems.append("IDENTITY_JWT_PRIVATE_KEY_FILE is not set")
        if self.captcha_test_answer:
            problems.append("IDENTITY_CAPTCHA_TEST_ANSWER is set")
        if self.service_clients == DEV_SERVICE_CLIENTS:
            problems.append("IDENTITY_SERVICE_CLIENTS is the development secret")
        if self.reset_link_url == DEV_RESET_LINK_URL:
            problems.append("IDENTITY_RESET_LINK_URL is the development default")
        if self.audit_sources == DEV_AUDIT_SOURCES:
            problems.append("IDENTITY_AUDIT_SOURCES is the development default")
        return problems


def audit_sources(setting: str) -> dict[str, str]:
    """`records=http://…,documents=http://…` → service name → URL; `ValueError` for pairs
    that are not `name=http(s)://…` or name a service twice."""
    sources: dict[str, str] = {}
    for pair in setting.split(","):
        if not pair.strip():
            continue
        name, sep, url = (part.strip() for part in pair.partition("="))
        if not sep or not name or not url.startswith(("http://", "https://")) or name in sources:
            raise ValueError("audit sources must be `service=http(s)://…` pairs, one per service")
        sources[name] = url
    return sources


def get_settings() -> IdentitySettings:
    return IdentitySettings()
