import logging
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from zikao_kit.logging import JsonFormatter, configure_logging

PERSONAL = ("张三丰", "zhang.sanfeng@example.cn", "500103199001011234")


async def test_a_failed_insert_logs_no_personal_value(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with engine.connect() as connection:
        await connection.execute(
            text("CREATE TEMPORARY TABLE person (name text, email text UNIQUE, id_number text)")
        )
        insert = text("INSERT INTO person VALUES (:name, :email, :id_number)")
        values = dict(zip(("name", "email", "id_number"), PERSONAL, strict=True))
        await connection.execute(insert, values)
        with pytest.raises(IntegrityError) as raised:
            await connection.execute(insert, values)
        await connection.rollback()
    logger = logging.getLogger("zikao.test")
    try:
        raise raised.value
    except IntegrityError:
        logger.exception("insert failed: %s", raised.value)
        record = logging.makeLogRecord(
            {"msg": "insert failed: %s", "args": (raised.value,), "exc_info": sys.exc_info()}
        )
    written = [JsonFormatter("test").format(r) for r in [*caplog.records, record]]
    for line in written:
        for value in PERSONAL:
            assert value not in line
    assert "[detail hidden]" in written[-1]


def test_statements_and_rows_are_never_logged_even_at_debug() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("test", "DEBUG")
        assert not logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
