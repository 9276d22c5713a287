"""An embedded PostgreSQL (the ``pgserver`` wheel) whose data persists between runs."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from zikao_devrun.errors import DevrunError
from zikao_devrun.process import pid_alive

_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _pgserver() -> Any:
    """Import pgserver lazily: it warns at import time when XDG_RUNTIME_DIR is unset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    # pgserver logs from an atexit hook, when a test runner may have closed the stream already;
    # devrun reports what it starts and stops itself.
    logging.getLogger("pgserver").propagate = False
    return pgserver


class EmbeddedPostgres:
    """PostgreSQL 16 from pgserver, data in ``data_dir``, reachable on a unix socket only.

    Several processes may use one data directory at once: pgserver counts them, and the
    server stops when the last one calls :meth:`stop`. As root, pgserver runs the server
    as the system user ``pgserver`` (created with ``useradd`` on first use).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    @property
    def socket_dir(self) -> Path:
        """The directory of the server's unix socket (the ``host=`` of its URLs)."""
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL not started")
        return Path(self._server.get_postmaster_info().socket_dir)

    def start(self) -> None:
        """Start the server (or join the one already running on this data directory)."""
        if self._server is not None:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        pgserver = _pgserver()
        self._forget_dead_users(pgserver)
        try:
            self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        except Exception as error:
            log = self.data_dir / "log"
            raise DevrunError(
                f"zikao: embedded PostgreSQL did not start ({error}); see {log}"
            ) from error

    def url(self, database: str = "postgres") -> str:
        """``postgresql://postgres@/<database>?host=<socket dir>`` for the running server."""
        info = self._server.get_postmaster_info() if self._server is not None else None
        if info is None:
            raise RuntimeError("embedded PostgreSQL not started")
        url = f"postgresql://postgres@/{database}?host={quote(str(info.socket_dir), safe='/')}"
        if info.port not in (None, 5432):
            url += f"&port={info.port}"
        return url

    def ensure_database(self, database: str) -> None:
        """Create ``database`` unless it exists."""
        if not _DATABASE_NAME.match(database):
            raise ValueError(f"unsupported database name {database!r}")
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
        if exists.strip() != "1":
            self._psql(f'CREATE DATABASE "{database}"')

    def stop(self) -> None:
        """Stop the server unless another process still uses it; the data stays."""
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()

    def restart(self) -> None:
        """Restart the running server (``pg_ctl restart -m fast``: every connection is cut,
        the data stays); returns once it accepts connections again on the same socket."""
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL not started")
        commands = _pgserver()._commands
        args = ["-w", "-m", "fast", "restart"]
        try:
            commands.pg_ctl(args, pgdata=self.data_dir, user=self._server.system_user, timeout=60)
        except (subprocess.SubprocessError, OSError) as error:
            log = self.data_dir / "log"
            raise DevrunError(f"zikao: embedded PostgreSQL did not restart; see {log}") from error
        self._follow_new_postmaster(_pgserver())

    def _follow_new_postmaster(self, pgserver_module: Any, timeout: float = 30.0) -> None:
        """Point pgserver at the restarted postmaster: it stops the one it knows of when the
        last user leaves, and the old one is gone."""
        info_type = pgserver_module.utils.PostmasterInfo
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = info_type.read_from_pgdata(self.data_dir)
            if info is not None and info.is_running() and info.status == "ready":
                self._server._postmaster_info = info
                return
            time.sleep(0.1)
        log = self.data_dir / "log"
        raise DevrunError(f"zikao: embedded PostgreSQL not ready after restart; see {log}")

    def _psql(self, sql: str) -> str:
        psql = Path(_pgserver().postgres_server.POSTGRES_BIN_PATH) / "psql"
        args = [str(psql), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
        args += ["-h", str(self.socket_dir), "-U", "postgres", "-d", "postgres", "-c", sql]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DevrunError(f"zikao: embedded PostgreSQL: {sql}: {done.stderr.strip()}")
        return done.stdout

    def _forget_dead_users(self, pgserver: Any) -> None:
        """Drop from pgserver's list of users the pids of processes that died without stopping.

        Otherwise a server left by a killed run would never be stopped again.
        """
        handles = self.data_dir / ".handle_pids.json"
        if not handles.exists():
            return
        with pgserver.PostgresServer._lock:
            try:
                pids = [int(pid) for pid in json.loads(handles.read_text())]
            except (ValueError, TypeError, OSError):
                pids = []
            handles.write_text(json.dumps([pid for pid in pids if pid_alive(pid)]))
