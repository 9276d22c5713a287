"""documents_0005 to documents_0007 (superseded versions, ticket batches and their rounds) go
down to documents_0004 and up again."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from zikao_documents.cli import COMMANDS
from zikao_kit.migrations import alembic_config
from zikao_kit.scratch import scratch_database

COLUMNS = {
    ("document_request", "superseded_at"),
    ("document_request", "superseded_by"),
    ("ticket_batch", "round"),
    ("ticket_batch_member", "prepared_round"),
    ("ticket_batch_member", "document_id"),
}


async def _read_columns(url: str) -> set[tuple[str, str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'documents'"
        )
    finally:
        await connection.close()
    return {(row["table_name"], row["column_name"]) for row in rows} & COLUMNS


def _down_and_up(server_url: str) -> list[set[tuple[str, str]]]:
    with scratch_database(server_url, "zikao_batches_migration", ["documents"]) as url:
        config = alembic_config(COMMANDS.alembic_ini, url)
        before = asyncio.run(_read_columns(url))
        command.downgrade(config, "documents_0004")
        down = asyncio.run(_read_columns(url))
        command.upgrade(config, "head")
        return [before, down, asyncio.run(_read_columns(url))]


async def test_the_batch_migrations_go_down_and_up(database_url: str) -> None:
    before, down, up = await asyncio.to_thread(_down_and_up, database_url)
    assert before == COLUMNS
    assert down == set()
    assert up == COLUMNS
