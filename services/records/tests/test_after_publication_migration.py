"""records_0010 (certificate applications, exemptions, transfers, violations) goes down to
records_0009 and up again."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from zikao_kit.migrations import alembic_config
from zikao_kit.scratch import scratch_database
from zikao_records.cli import COMMANDS

TABLES = {"certificate_application", "exemption", "transfer", "violation"}


async def _read(url: str) -> tuple[set[str], bool]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'records'"
        )
        column = await connection.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'records'"
            " AND table_name = 'exam_ban' AND column_name = 'violation_id'"
        )
    finally:
        await connection.close()
    return {row["tablename"] for row in rows} & TABLES, column == 1


def _state(url: str) -> tuple[set[str], bool]:
    return asyncio.run(_read(url))


def _down_and_up(server_url: str) -> list[tuple[set[str], bool]]:
    with scratch_database(server_url, "zikao_violations_migration", ["records"]) as url:
        config = alembic_config(COMMANDS.alembic_ini, url)
        before = _state(url)
        command.downgrade(config, "records_0009")
        down = _state(url)
        command.upgrade(config, "records_0010")
        return [before, down, _state(url)]


async def test_records_0010_goes_down_and_up(database_url: str) -> None:
    before, down, up = await asyncio.to_thread(_down_and_up, database_url)
    assert before == (TABLES, True)
    assert down == (set(), False)
    assert up == (TABLES, True)
