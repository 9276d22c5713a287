"""The two commands of ``zikao-run``: run the whole system, or run one command beside it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import IO

from zikao_devrun.errors import DevrunError
from zikao_devrun.infra import infrastructure
from zikao_devrun.ports import ensure_ports_free
from zikao_devrun.system import System
from zikao_devrun.zikao import (
    SERVICES,
    Ports,
    gateway_url,
    process_env,
    run_service_command,
    zikao_specs,
)


def say(text: str, stream: IO[str] | None = None) -> None:
    """Write ``zikao: text`` as one line (to stdout by default)."""
    target = sys.stdout if stream is None else stream
    target.write(f"zikao: {text}\n")
    target.flush()


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """First Ctrl-C or SIGTERM: ignore the next ones so that stopping is not cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def run_system(root: Path, started: float) -> int:
    """``zikao-run run``: infrastructure, migrations, demo data, processes; until Ctrl-C.

    Returns 0 after a Ctrl-C once ready, 130 after a Ctrl-C during start-up; a process
    that dies raises :class:`DevrunError`.
    """
    ports = Ports.from_env()
    specs = zikao_specs(ports)
    ensure_ports_free(claim for spec in specs if (claim := spec.port_claim()) is not None)
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    ready = False
    try:
        with infrastructure(root, report=say) as infra:
            env = process_env(infra, ports, "development")
            demo_output = _prepare_database(env, root)
            say("starting " + ", ".join(spec.name for spec in specs))
            with System(specs, env=env, cwd=root) as system:
                _show_banner(ports, demo_output, time.monotonic() - started)
                ready = True
                raise system.wait()
    except KeyboardInterrupt:
        say("stopped")
        return 0 if ready else 130


def _prepare_database(env: dict[str, str], root: Path) -> list[str]:
    """Migrate each service and load its demo data, the services side by side (each owns its
    own schema); return the demo commands' output in service order."""
    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        outputs = list(pool.map(lambda service: _prepare_service(service, env, root), SERVICES))
    return [line for output in outputs for line in output]


def _prepare_service(service: str, env: dict[str, str], root: Path) -> list[str]:
    began = time.monotonic()
    run_service_command(service, "migrate", env, root)
    say(f"migrated {service} in {time.monotonic() - began:.1f} s")
    return run_service_command(service, "demo", env, root).splitlines()


def _show_banner(ports: Ports, demo_output: list[str], elapsed: float) -> None:
    url = gateway_url(ports)
    lines = [
        "",
        f"  GraphQL:  {url}",
        f"  GraphiQL: {url}  (open it in a browser)",
        "",
        *(f"  {line}" for line in demo_output if line.strip()),
        "",
        f"  ready in {elapsed:.1f} s; press Ctrl-C to stop",
        "",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def exec_command(root: Path, command: Sequence[str], database: str) -> int:
    """``zikao-run exec -- CMD``: run CMD with DATABASE_URL and REDIS_URL; its exit code."""
    if not command:
        raise DevrunError("zikao: exec needs a command, e.g. `zikao-run exec -- pytest`")
    with infrastructure(root, database=database, report=_to_stderr) as infra:
        env = {**os.environ, **infra.env()}
        try:
            child = subprocess.Popen(list(command), env=env)
        except OSError as error:
            raise DevrunError(f"zikao: cannot run {command[0]}: {error}") from None
        with _forwarding_signals(child):
            code = child.wait()
    return code if code >= 0 else 128 - code


def _to_stderr(text: str) -> None:
    say(text, sys.stderr)


@contextlib.contextmanager
def _forwarding_signals(child: subprocess.Popen[bytes]) -> Iterator[None]:
    """While ``child`` runs: Ctrl-C reaches it from the terminal; SIGTERM is passed on."""

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, forward)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
