"""Records' settings (prefix `RECORDS_`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from zikao_kit.regions import CHONGQING, Region, load_regions
from zikao_kit.settings import DEV_DATABASE_URL, DEV_REDIS_URL, ServiceSettings, shared
from zikao_records.graduation_windows import parse_windows

DATA_DIR = Path(__file__).parent / "data"
DEV_PAYMENT_NOTIFY_KEY = "development-payment-notify-key"


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEV_DATABASE_URL, validation_alias=shared("DATABASE_URL", "RECORDS_")
    )
    redis_url: str = Field(default=DEV_REDIS_URL, validation_alias=shared("REDIS_URL", "RECORDS_"))
    answer_keep_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="longest a gateway keeps a candidate's answer of published results or of"
        " passes (a correction or any records mutation drops it at once; 0: never kept)",
    )
    pass_validity_years: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="years a single-course pass counts; unset = forever (Chongqing)",
    )
    unpaid_lapse_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="an unpaid exam sign-up lapses after this"
    )
    theory_fee_yuan: int = Field(
        default=40, ge=0, description="default fee of a theory course for a new sitting (Chongqing)"
    )
    practice_fee_yuan: int = Field(
        default=40, ge=0, description="default fee of a practice course for a new sitting"
    )
    max_courses_per_sitting: int = Field(default=4, ge=1, le=20)
    payment_notify_key: str = Field(
        default=DEV_PAYMENT_NOTIFY_KEY,
        min_length=16,
        description="HMAC-SHA256 key of the payment provider's notifications",
    )
    queue_name: str = Field(default="zikao:records", description="arq queue of the records worker")
    allocation_sweep_after_seconds: int = Field(
        default=60, ge=5, description="a pending seat allocation older than this is woken again"
    )
    allocation_lease_seconds: int = Field(
        default=900, ge=30, description="a running seat allocation older than this is abandoned"
    )
    review_window_working_days: int = Field(
        default=5, ge=1, le=60, description="working days after score publication to ask a review"
    )
    certificate_window_working_days: int = Field(
        default=15,
        ge=1,
        le=60,
        description="working days after score publication to apply for a course certificate",
    )
    certificate_ready_working_days: int = Field(
        default=10,
        ge=1,
        le=60,
        description="working days after the certificate window until certificates are ready",
    )
    transfer_local_passes_zhuanke: int = Field(
        default=5,
        ge=0,
        le=50,
        description="local passes a 专科 candidate needs before transfers (转考) count (Chongqing)",
    )
    transfer_local_passes_benke: int = Field(
        default=4,
        ge=0,
        le=50,
        description="local passes a 本科 candidate needs before transfers (转考) count (Chongqing)",
    )
    sitting_months: list[int] = Field(
        default=[4, 10],
        min_length=1,
        max_length=12,
        description="the months sittings are held in (a ban of N sittings counts them)",
    )
    absence_rule_sittings: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="absence rule: absent from every course of the last N sittings signed up"
        " for limits the next sign-up; unset = off",
    )
    absence_rule_max_courses: int = Field(
        default=2, ge=1, le=20, description="absence rule: courses allowed in the next sitting"
    )
    graduation_windows: list[str] = Field(
        default=["04-01/04-30", "10-01/10-31"],
        description="graduation application windows each year, MM-DD/MM-DD (Beijing time)",
    )
    catalogue_dir: Path = Field(
        default=DATA_DIR, description="folder of courses.csv and majors.json (the catalogue)"
    )
    region_file: Path = Field(
        default=CHONGQING,
        description="CSV of code,name,city: the regions venues stand in (another province is"
        " another file)",
    )

    @field_validator("sitting_months")
    @classmethod
    def _months_of_a_year(cls, value: list[int]) -> list[int]:
        if any(not 1 <= month <= 12 for month in value):
            raise ValueError("RECORDS_SITTING_MONTHS: months are 1 to 12")
        return sorted(set(value))

    @field_validator("graduation_windows")
    @classmethod
    def _windows_parse(cls, value: list[str]) -> list[str]:
        try:
            parse_windows(value)
        except ValueError as error:
            raise ValueError(f"RECORDS_GRADUATION_WINDOWS: {error}") from error
        return value

    @field_validator("region_file")
    @classmethod
    def _region_file_loads(cls, value: Path) -> Path:
        try:
            _regions(value)
        except OSError as error:
            raise ValueError(f"RECORDS_REGION_FILE cannot be read: {error}") from error
        return value

    @property
    def regions(self) -> Mapping[str, Region]:
        """The province's regions by code (read once per file)."""
        return _regions(self.region_file)

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.payment_notify_key == DEV_PAYMENT_NOTIFY_KEY:
            problems.append("RECORDS_PAYMENT_NOTIFY_KEY is the development default")
        return problems


@lru_cache(maxsize=4)
def _regions(path: Path) -> Mapping[str, Region]:
    return MappingProxyType(load_regions(path))


def get_settings() -> RecordsSettings:
    return RecordsSettings()


def records_settings(settings: ServiceSettings) -> RecordsSettings:
    """`settings` as records' own (what the kit hands back is typed as the base class)."""
    if not isinstance(settings, RecordsSettings):
        raise TypeError(f"expected RecordsSettings, got {type(settings).__name__}")
    return settings
