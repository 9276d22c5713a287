"""Records' settings (prefix `RECORDS_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zikao_kit.settings import DEV_DATABASE_URL, DEV_REDIS_URL, ServiceSettings, shared

DATA_DIR = Path(__file__).parent / "data"


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEV_DATABASE_URL, validation_alias=shared("DATABASE_URL", "RECORDS_")
    )
    redis_url: str = Field(default=DEV_REDIS_URL, validation_alias=shared("REDIS_URL", "RECORDS_"))
    pass_validity_years: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="years a single-course pass counts; unset = forever (Chongqing)",
    )
    unpaid_lapse_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="an unpaid exam sign-up lapses after this"
    )
    catalogue_dir: Path = Field(
        default=DATA_DIR, description="folder of courses.csv and majors.json (the catalogue)"
    )


def get_settings() -> RecordsSettings:
    return RecordsSettings()


def records_settings(settings: ServiceSettings) -> RecordsSettings:
    """`settings` as records' own (what the kit hands back is typed as the base class)."""
    if not isinstance(settings, RecordsSettings):
        raise TypeError(f"expected RecordsSettings, got {type(settings).__name__}")
    return settings
