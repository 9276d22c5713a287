"""Alembic for one service: its own schema, its own version table, async engine."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from zikao_kit.db import async_url
from zikao_kit.settings import DEV_DATABASE_URL

URL_ATTRIBUTE = "database_url"


def alembic_config(ini: Path, database_url: str) -> Config:
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "migrations"))
    config.attributes[URL_ATTRIBUTE] = database_url
    return config


def upgrade(ini: Path, database_url: str, revision: str = "head") -> None:
    """Migrates one service's schema; safe to call from a thread while a loop runs elsewhere."""
    command.upgrade(alembic_config(ini, database_url), revision)


async def upgrade_async(ini: Path, database_url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, ini, database_url, revision)


def run_env(context: Any, metadata: MetaData, schema: str) -> None:
    """The body of a service's `migrations/env.py`."""
    url = context.config.attributes.get(URL_ATTRIBUTE) or os.environ.get(
        "DATABASE_URL", DEV_DATABASE_URL
    )

    def include_name(name: str | None, type_: str, _parents: dict[str, Any]) -> bool:
        return type_ != "schema" or name == schema

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(async_url(url), hide_parameters=True)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    asyncio.run(run())
