"""`python -m zikao_<service> migrate|demo`: the commands every service offers."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.migrations import upgrade
from zikao_kit.settings import ServiceSettings

DataLoader = Callable[[Sessionmaker, ServiceSettings], Awaitable[list[str]]]


async def _no_data(_db: Sessionmaker, _settings: ServiceSettings) -> list[str]:
    return []


@dataclass(frozen=True)
class ServiceCommands:
    """A service's schema and data: migrations, reference data (every environment), demo data
    (never in production)."""

    name: str
    schema_name: str
    alembic_ini: Path
    settings: Callable[[], ServiceSettings]
    load_reference: DataLoader = _no_data
    load_demo: DataLoader = _no_data

    def migrate(self, database_url: str) -> list[str]:
        """Migrates the schema, then loads the reference data (regions, catalogue, …)."""
        upgrade(self.alembic_ini, database_url)
        settings = self.settings().model_copy(update={"database_url": database_url})
        return asyncio.run(self._with_db(settings, self.load_reference))

    def demo(self, settings: ServiceSettings) -> list[str]:
        return asyncio.run(self._with_db(settings, self.load_demo))

    async def _with_db(self, settings: ServiceSettings, load: DataLoader) -> list[str]:
        engine = create_engine(settings.database_url, schema=self.schema_name, pool_size=1)
        try:
            return await load(create_sessionmaker(engine), settings)
        finally:
            await engine.dispose()


def main(commands: ServiceCommands, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m zikao_{commands.name}")
    parser.add_argument("command", choices=["migrate", "demo"])
    args = parser.parse_args(argv)
    settings = commands.settings()
    if args.command == "migrate":
        lines = commands.migrate(settings.database_url)
        lines.insert(0, f"{commands.name}: schema {commands.schema_name} migrated")
    elif settings.is_production:
        sys.stderr.write(f"{commands.name}: demo data is never loaded in production\n")
        return 2
    else:
        lines = commands.demo(settings)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
