"""`python -m zikao_identity migrate|demo`."""

from __future__ import annotations

from pathlib import Path

from zikao_identity.demo import load_demo, load_reference
from zikao_identity.settings import get_settings
from zikao_kit.cli import ServiceCommands

COMMANDS = ServiceCommands(
    name="identity",
    schema_name="identity",
    alembic_ini=Path(__file__).resolve().parents[2] / "alembic.ini",
    settings=get_settings,
    load_reference=load_reference,
    load_demo=load_demo,
)
