"""Fixtures for zikao_devrun's tests: small real programs to start, and process checks."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def readyz(request):
    return JSONResponse({"ready": True})


def create_app():
    return Starlette(routes=[Route("/readyz", readyz)])
"""

SERVICE_MAIN = """
import sys
name = __package__.removeprefix("zikao_")
if sys.argv[1] == "demo":
    sys.stdout.write(f"{name}: demo login {name}-user / secret\\n")
"""

WORKER = """
import os
from arq.connections import RedisSettings


async def noop(ctx):
    return None


class WorkerSettings:
    functions = [noop]
    redis_settings = RedisSettings.from_dsn(os.environ["REDIS_URL"])
"""


MAIL_SINK = """
import sys
import time

sys.stderr.write("mail sink listening\\n")
sys.stderr.flush()
while True:
    time.sleep(1)
"""


def process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def alive() -> Callable[[int], bool]:
    """``alive(pid)``: whether the process exists and is not a zombie."""
    return process_alive


@pytest.fixture
def standins(tmp_path: Path) -> Path:
    """A directory for PYTHONPATH with stand-in zikao_identity/records/documents packages."""
    root = tmp_path / "standins"
    for service in ("identity", "records", "documents"):
        package = root / f"zikao_{service}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "app.py").write_text(textwrap.dedent(APP))
        (package / "__main__.py").write_text(textwrap.dedent(SERVICE_MAIN))
    (root / "zikao_documents" / "worker.py").write_text(textwrap.dedent(WORKER))
    (root / "zikao_records" / "worker.py").write_text(textwrap.dedent(WORKER))
    (root / "zikao_identity" / "worker.py").write_text(textwrap.dedent(WORKER))
    (root / "zikao_identity" / "mailsink.py").write_text(textwrap.dedent(MAIL_SINK))
    return root


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary directory with a short path (unix sockets live in it)."""
    path = Path(tempfile.mkdtemp(prefix="zkdev-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
