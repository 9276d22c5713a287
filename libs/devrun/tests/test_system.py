"""System starts real processes, waits until they are ready, and stops every one of them."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from zikao_devrun.ports import PortInUseError, free_port_numbers
from zikao_devrun.process import ProcessSpec, http_ok
from zikao_devrun.system import StartupError, System

LOADED = 120.0
"""Seconds a step may take on a loaded machine: tests wait on readiness, this only bounds it."""

# Outlives every deadline of the test (`LOADED`), so only a kill ends it in time.
IGNORES_SIGTERM = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print("child", child.pid, flush=True)
print("Starting worker", flush=True)
time.sleep(600)
"""


def http_server_spec(name: str, port: int, directory: Path) -> ProcessSpec:
    argv = (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1")
    return ProcessSpec(
        name=name,
        argv=(*argv, "--directory", str(directory)),
        ready_url=f"http://127.0.0.1:{port}/",
        port=port,
        port_env=f"{name.upper()}_PORT",
    )


def uvicorn_spec(name: str, port: int, app_dir: Path) -> ProcessSpec:
    argv = (sys.executable, "-m", "uvicorn", "--factory", "tinyapp:create_app")
    return ProcessSpec(
        name=name,
        argv=(*argv, "--app-dir", str(app_dir), "--host", "127.0.0.1", "--port", str(port)),
        ready_url=f"http://127.0.0.1:{port}/readyz",
        port=port,
        stage=1,
    )


def write_tiny_app(directory: Path) -> None:
    (directory / "tinyapp.py").write_text(
        textwrap.dedent(
            """
            from starlette.applications import Starlette
            from starlette.responses import PlainTextResponse
            from starlette.routing import Route

            async def readyz(request):
                return PlainTextResponse("ok")

            def create_app():
                return Starlette(routes=[Route("/readyz", readyz)])
            """
        )
    )


def test_starts_waits_ready_and_stops_everything(
    tmp_path: Path, alive: Callable[[int], bool]
) -> None:
    write_tiny_app(tmp_path)
    web_port, app_port = free_port_numbers(2)
    specs = [
        http_server_spec("web", web_port, tmp_path),
        ProcessSpec("stubborn", (sys.executable, "-c", IGNORES_SIGTERM), ready_marker="Starting"),
        uvicorn_spec("app", app_port, tmp_path),
    ]
    logs = tmp_path / "logs"
    system = System(specs, log_dir=logs, start_timeout=LOADED, stop_timeout=1.0)
    with system:
        eventually(lambda: http_ok(f"http://127.0.0.1:{web_port}/"), "web answering")
        eventually(lambda: http_ok(f"http://127.0.0.1:{app_port}/readyz"), "app answering")
        pids = system.pids
        assert set(pids) == {"web", "stubborn", "app"}
        grandchild = int(system.tail("stubborn")[0].split()[1])
        assert all(alive(pid) for pid in [*pids.values(), grandchild])
        system.check()
        # Logged while running: once stopped, a line not yet pumped to its file is dropped.
        eventually(lambda: "Starting worker" in _text(logs / "stubborn.log"), "stubborn logged")
        eventually(lambda: "GET /readyz" in _text(logs / "app.log"), "app's access logged")
    # A SIGKILLed group member may take a moment to go.
    eventually(lambda: not any(alive(pid) for pid in [*pids.values(), grandchild]), "all gone")


def test_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    (free,) = free_port_numbers(1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        specs = [
            http_server_spec("early", free, tmp_path),
            http_server_spec("identity", port, tmp_path),
        ]
        system = System(specs, log_dir=tmp_path)
        with pytest.raises(PortInUseError) as refused:
            system.start()
    assert str(refused.value) == (
        f"zikao: port {port} (identity) is already in use; set IDENTITY_PORT to another port"
    )
    assert system.pids == {}
    assert not (tmp_path / "early.log").exists()


def test_death_during_start_up_stops_the_rest_and_shows_the_output(tmp_path: Path) -> None:
    (port,) = free_port_numbers(1)
    crash = "import sys; print('cannot open the database', flush=True); sys.exit(3)"
    specs = [
        ProcessSpec("sleeper", (sys.executable, "-c", "import time; time.sleep(120)")),
        ProcessSpec(
            "crasher", (sys.executable, "-c", crash), ready_url=f"http://127.0.0.1:{port}/"
        ),
    ]
    system = System(specs, log_dir=tmp_path)
    with pytest.raises(StartupError) as failed:
        system.start()
    message = str(failed.value)
    assert message.startswith("zikao: crasher exited with code 3 during start-up.")
    assert "crasher | cannot open the database" in message
    assert str(tmp_path / "crasher.log") in message
    assert system.pids == {}
    assert not any("sleep(120)" in _cmdline(pid) for pid in _children())


def test_missing_command_is_a_startup_error(tmp_path: Path) -> None:
    system = System([ProcessSpec("ghost", ("zikao-no-such-command",))], log_dir=tmp_path)
    with pytest.raises(StartupError, match="cannot start ghost"):
        system.start()


def test_not_ready_in_time_is_reported(tmp_path: Path) -> None:
    spec = ProcessSpec(
        "mute", (sys.executable, "-c", "import time; time.sleep(60)"), ready_marker="never"
    )
    system = System([spec], log_dir=tmp_path, start_timeout=0.5)
    with pytest.raises(StartupError, match="mute was not ready after 0.5 s"):
        system.start()


def eventually(condition: Callable[[], bool], what: str, within: float = LOADED) -> None:
    """Poll ``condition`` until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not {what} after {within:g} s")
        time.sleep(0.05)


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _children() -> list[int]:
    import os

    mine = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
