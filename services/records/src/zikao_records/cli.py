"""`python -m zikao_records migrate|demo`."""

from __future__ import annotations

from pathlib import Path

from zikao_kit.cli import ServiceCommands
from zikao_records.demo import load_demo, load_reference
from zikao_records.settings import get_settings

COMMANDS = ServiceCommands(
    name="records",
    schema_name="records",
    alembic_ini=Path(__file__).resolve().parents[2] / "alembic.ini",
    settings=get_settings,
    load_reference=load_reference,
    load_demo=load_demo,
)
