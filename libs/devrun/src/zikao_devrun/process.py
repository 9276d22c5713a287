"""One started process: its spec, its output pump, its readiness and its process group."""

from __future__ import annotations

import collections
import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from zikao_devrun.output import Output
from zikao_devrun.ports import PortClaim

TAIL_LINES = 200
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one process and how to tell that it is ready.

    Readiness: ``ready_url`` answering 200 (POST of ``ready_body`` as JSON when given, else
    GET); otherwise a line of output containing ``ready_marker``; otherwise being started.
    Processes of a higher ``stage`` start once every process of the lower stages is ready.
    """

    name: str
    argv: tuple[str, ...]
    ready_url: str | None = None
    ready_body: bytes | None = None
    ready_marker: str | None = None
    port: int | None = None
    port_env: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    stage: int = 0

    def port_claim(self) -> PortClaim | None:
        """The port this process will listen on, if any."""
        if self.port is None:
            return None
        return PortClaim(self.name, self.port, self.port_env)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (ours or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def http_ok(url: str, body: bytes | None = None, timeout: float = 2.0) -> bool:
    """True when ``url`` answers 200 to a GET (or a JSON POST of ``body``); no proxy is used."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            return int(response.status) == 200
    except (OSError, http.client.HTTPException):
        return False


def _group_has_live_members(pgid: int) -> bool:
    """True while a process of the group ``pgid`` is alive (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


class ManagedProcess:
    """A started :class:`ProcessSpec`, leader of its own process group and session."""

    def __init__(self, spec: ProcessSpec, output: Output) -> None:
        self.spec = spec
        self._output = output
        self._popen: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._marker_seen = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The process's name (from its spec)."""
        return self.spec.name

    @property
    def started(self) -> bool:
        """Whether the command was started."""
        return self._popen is not None

    @property
    def pid(self) -> int:
        """The pid of the started command (also its process group id)."""
        assert self._popen is not None, "process not started"
        return self._popen.pid

    def start(self, env: Mapping[str, str], cwd: Path | None) -> None:
        """Start the command in a new session, its output merged into the pump."""
        self._popen = subprocess.Popen(
            self.spec.argv,
            env={**env, **self.spec.env},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stream = self._popen.stdout
        assert stream is not None
        self._pump = threading.Thread(
            target=self._read_output, args=(stream,), name=f"output-{self.name}"
        )
        self._pump.daemon = True
        self._pump.start()

    def _read_output(self, stream: IO[bytes]) -> None:
        marker = self.spec.ready_marker
        with stream:
            for raw in stream:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                with self._lock:
                    self._tail.append(text)
                    if marker and marker in text:
                        self._marker_seen = True
                with contextlib.suppress(OSError, ValueError):  # output closed or broken
                    self._output.line(self.name, text)

    def returncode(self) -> int | None:
        """The exit code once the command has exited, else None."""
        assert self._popen is not None, "process not started"
        return self._popen.poll()

    def is_ready(self) -> bool:
        """Whether the spec's readiness condition holds now."""
        if self.spec.ready_url is not None:
            return http_ok(self.spec.ready_url, self.spec.ready_body)
        if self.spec.ready_marker is not None:
            with self._lock:
                return self._marker_seen
        return True

    def tail(self, lines: int = 30) -> list[str]:
        """The last ``lines`` lines of output (waits a moment for the pump after an exit)."""
        if self.returncode() is not None:
            self.join_output(1.0)
        with self._lock:
            return list(self._tail)[-lines:]

    def signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to every process of the group (ignored when the group is gone)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def settled(self) -> bool:
        """True once the command has exited and no process of its group is alive."""
        return self.returncode() is not None and not _group_has_live_members(self.pid)

    def join_output(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the output pump to reach end of file."""
        if self._pump is not None:
            self._pump.join(timeout)


def stop_processes(processes: list[ManagedProcess], timeout: float) -> None:
    """SIGTERM every group, wait up to ``timeout`` s for all to exit, SIGKILL what is left."""
    processes = [process for process in processes if process.started]
    for process in reversed(processes):
        process.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    pending = list(processes)
    while pending and time.monotonic() < deadline:
        pending = [process for process in pending if not process.settled()]
        if pending:
            time.sleep(0.05)
    for process in pending:
        process.signal_group(signal.SIGKILL)
    for process in processes:
        _reap(process)
        process.join_output(2.0)


def _reap(process: ManagedProcess) -> None:
    deadline = time.monotonic() + 5.0
    while process.returncode() is None and time.monotonic() < deadline:
        time.sleep(0.02)
