"""records_0009 (score imports) goes down to records_0008 and up again."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from zikao_kit.migrations import alembic_config
from zikao_kit.scratch import scratch_database
from zikao_records.cli import COMMANDS

TABLES = {"score_import", "score_import_line", "score_import_rejection", "candidate_ticket"}


async def _read_tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'records'"
        )
    finally:
        await connection.close()
    return {row["tablename"] for row in rows} & TABLES


def _tables(url: str) -> set[str]:
    return asyncio.run(_read_tables(url))


def _down_and_up(server_url: str) -> list[set[str]]:
    with scratch_database(server_url, "zikao_imports_migration", ["records"]) as url:
        config = alembic_config(COMMANDS.alembic_ini, url)
        before = _tables(url)
        command.downgrade(config, "records_0008")
        down = _tables(url)
        command.upgrade(config, "records_0009")
        return [before, down, _tables(url)]


async def test_records_0009_goes_down_and_up(database_url: str) -> None:
    before, down, up = await asyncio.to_thread(_down_and_up, database_url)
    assert before == TABLES
    assert down == set()
    assert up == TABLES
