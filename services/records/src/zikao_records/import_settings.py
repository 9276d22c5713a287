"""Settings of score imports and the published-results cache (prefix `RECORDS_`, beside
`RecordsSettings`; kept apart so that the score-import modules own them)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore")

    import_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="the largest score file staff may upload (bytes)",
    )
    import_check_lines: int = Field(
        default=500_000,
        ge=1_000,
        description="lines of a score file checked per step (progress is reported per step)",
    )
    results_cache_seconds: int = Field(
        default=3600,
        ge=1,
        description="how long a candidate's published results stay in the Redis cache",
    )
    publication_cache_seconds: int = Field(
        default=5,
        ge=1,
        description="how long a sitting's publication time is kept in Redis (readers' checks)",
    )


@lru_cache(maxsize=1)
def import_settings() -> ImportSettings:
    return ImportSettings()
