"""Migrations that convert data: run on a database of their own, with rows written the old way."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from zikao_identity.cli import COMMANDS
from zikao_identity.models import SCHEMA, metadata
from zikao_kit.db import create_engine
from zikao_kit.migrations import alembic_config, upgrade_async
from zikao_kit.scratch import database_dsn

ENTRIES = """INSERT INTO identity.audit_entry
  (id, at, actor, actor_role, action, candidate_id, reason, detail)
  VALUES ($1, now(), 'staff-1', 'staff', 'reissue_ticket', NULL, '遗失', $2)"""


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(database_dsn(url, "postgres"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    name = f"zikao_migration_{uuid.uuid4().hex[:12]}"
    await _admin(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield database_dsn(database_url, name)
    finally:
        await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_audit_trail_columns_keep_every_entry(empty_database: str) -> None:
    ini = COMMANDS.alembic_ini
    await upgrade_async(ini, empty_database, "identity_0002")
    noted, bare = uuid.uuid4(), uuid.uuid4()
    connection = await asyncpg.connect(empty_database)
    try:
        await connection.execute(ENTRIES, noted, "#1")
        await connection.execute(ENTRIES, bare, None)
        await upgrade_async(ini, empty_database, "identity_0003")
        rows = await connection.fetch("SELECT id, detail, target, reason FROM identity.audit_entry")
        details = {row["id"]: json.loads(row["detail"]) for row in rows}
        assert details == {noted: {"note": "#1"}, bare: {}}
        assert {(row["target"], row["reason"]) for row in rows} == {(None, "遗失")}
        config = alembic_config(ini, empty_database)
        await asyncio.to_thread(command.downgrade, config, "identity_0002")
        rows = await connection.fetch("SELECT id, detail FROM identity.audit_entry")
        assert {row["id"]: row["detail"] for row in rows} == {noted: "#1", bare: None}
    finally:
        await connection.close()


def _ours(name: str | None, kind: str, _parents: Any) -> bool:
    if kind == "schema":
        return name == SCHEMA
    return name != "alembic_version"


async def test_the_models_match_the_migrations(empty_database: str) -> None:
    await upgrade_async(COMMANDS.alembic_ini, empty_database, "head")
    engine = create_engine(empty_database, schema="public", pool_size=1)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": _ours,
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
