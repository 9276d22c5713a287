"""`python -m zikao_documents migrate|demo`."""

from __future__ import annotations

from pathlib import Path

from zikao_documents.demo import load_demo, load_reference
from zikao_documents.models import SCHEMA
from zikao_documents.settings import get_settings
from zikao_kit.cli import ServiceCommands

COMMANDS = ServiceCommands(
    name="documents",
    schema_name=SCHEMA,
    alembic_ini=Path(__file__).resolve().parents[2] / "alembic.ini",
    settings=get_settings,
    load_reference=load_reference,
    load_demo=load_demo,
)
