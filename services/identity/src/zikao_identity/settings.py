"""Identity's settings (prefix `IDENTITY_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zikao_kit.settings import DEV_DATABASE_URL, DEV_REDIS_URL, ServiceSettings, shared

DATA_DIR = Path(__file__).parent / "data"
# Development-only keys: refused when ZIKAO_ENV=production.
DEV_DATA_KEYS = "dev1:ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="
DEV_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzIQ=="


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
    region_file: Path = Field(default=DATA_DIR / "regions" / "chongqing.csv")

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.data_keys == DEV_DATA_KEYS:
            problems.append("IDENTITY_DATA_KEYS is the development key")
        if self.index_key == DEV_INDEX_KEY:
            problems.append("IDENTITY_INDEX_KEY is the development key")
        if self.jwt_private_key_file is None:
            problems.append("IDENTITY_JWT_PRIVATE_KEY_FILE is not set")
        return problems


def get_settings() -> IdentitySettings:
    return IdentitySettings()
