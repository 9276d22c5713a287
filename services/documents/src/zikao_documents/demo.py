"""Reference and demo data: documents has none (requests come from candidates)."""

from __future__ import annotations

from zikao_kit.db import Sessionmaker
from zikao_kit.settings import ServiceSettings


async def load_reference(_db: Sessionmaker, _settings: ServiceSettings) -> list[str]:
    return []


async def load_demo(_db: Sessionmaker, _settings: ServiceSettings) -> list[str]:
    return []
