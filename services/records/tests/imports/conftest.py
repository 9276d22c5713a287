"""The import tests commit (the worker's job, COPY and the upload route use connections of
their own, outside the test's rolled-back transaction): after each, every row of records'
tables except the reference data the migrations load is removed, so the tests of other folders
find the database as their transactions expect it."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

REFERENCE = {
    "alembic_version",
    "course",
    "major",
    "plan_course",
    "elective_group",
    "added_course",
    "calendar_day",
    "calendar_year",
}


@pytest.fixture(autouse=True)
async def _leave_nothing_behind(database_url: str) -> AsyncIterator[None]:
    yield
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        await connection.execute("SET lock_timeout = '20s'")
        tables = [
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'records'"
            )
            if row["tablename"] not in REFERENCE
        ]
        if tables:
            names = ", ".join(f'records."{name}"' for name in tables)
            await connection.execute(f"TRUNCATE {names}")
    finally:
        await connection.close()
