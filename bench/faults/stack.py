"""The system under faults: an embedded PostgreSQL and Redis of its own, a migrated database,
every process of the system (devrun) on free ports, and the sittings the journeys use."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from zikao_devrun import Infra, Ports, System, free_ports, gateway_url, zikao_system
from zikao_devrun.embedded_pg import EmbeddedPostgres
from zikao_devrun.embedded_redis import EmbeddedRedis
from zikao_devrun.zikao import isolated_env
from zikao_identity.tokens import TokenSigner, write_private_key
from zikao_kit.auth import Role
from zikao_kit.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180.0
"""Seconds a process may take to be ready on a loaded 2-core machine."""
LABEL = "faults"
"""The system's queues and Redis keys carry it (``isolated_env``)."""


@dataclass
class Stack:
    """A running system and the servers under it, which a fault may restart."""

    system: System
    ports: Ports
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    database_url: str
    signer: TokenSigner

    @property
    def url(self) -> str:
        """The gateway's GraphQL endpoint."""
        return gateway_url(self.ports)

    @property
    def notify_url(self) -> str:
        """Records' payment notification route (the provider calls records directly)."""
        return f"http://127.0.0.1:{self.ports.records}/payments/notify"

    def token(self, subject: str, role: Role, region: str | None = None) -> str:
        """A token signed with identity's key, as log-in issues it (staff set-up only)."""
        return self.signer.issue(subject=subject, role=role, minutes=60, region_code=region).token


@contextlib.contextmanager
def running_stack(
    keep_logs: Path | None = None, extra_env: Mapping[str, str] | None = None
) -> Iterator[Stack]:
    """Start everything in a directory of its own; stop and remove everything after (the
    processes' logs copied to ``keep_logs`` first when given; ``extra_env`` added to the
    processes' settings, e.g. a limit a longer run would reach)."""
    work = Path(tempfile.mkdtemp(prefix="zkfaults-"))
    postgres = EmbeddedPostgres(work / "pgdata")
    redis = EmbeddedRedis(work / "redis")
    try:
        postgres.start()
        redis.start()
        with scratch_database(postgres.url(), "zikao_faults") as database_url:
            yield from _system(work, postgres, redis, database_url, extra_env or {})
    finally:
        if keep_logs is not None and (work / "logs").is_dir():
            shutil.copytree(work / "logs", keep_logs, dirs_exist_ok=True)
        redis.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


def _system(
    work: Path,
    postgres: EmbeddedPostgres,
    redis: EmbeddedRedis,
    database_url: str,
    extra_env: Mapping[str, str],
) -> Iterator[Stack]:
    key = work / "jwt.pem"
    write_private_key(key)
    ports = free_ports()
    system = zikao_system(
        Infra(database_url, redis.url),
        ports,
        root=ROOT,
        log_dir=work / "logs",
        extra_env={**isolated_env(work, LABEL, key), **extra_env},
        start_timeout=START_TIMEOUT,
    )
    signer = TokenSigner.load(key, issuer="zikao-identity", audience="zikao")
    with system:
        yield Stack(system, ports, postgres, redis, database_url, signer)
