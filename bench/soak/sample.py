"""What each process of the system holds at one moment: resident memory (``VmRSS``, and the
private part ``RssAnon``), open file descriptors, PostgreSQL connections (``pg_stat_activity``
by database, and by the client process owning each, from ``ss``) and Redis clients."""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from bench.faults.stack import Stack
from bench.soak.peers import Servers, clients_by_process

POSTGRESQL, REDIS = "postgresql", "redis"
PG_SOCKET = re.compile(r"\.s\.PGSQL\.\d+$")
CLIENTS = """SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity
              WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1"""


@dataclass(frozen=True)
class Usage:
    """One process (or PostgreSQL's processes together), in KiB and descriptors."""

    rss_kib: int
    private_kib: int
    fds: int
    processes: int = 1


@dataclass(frozen=True)
class Sample:
    """Every process's usage and the connections between them at ``at`` (monotonic)."""

    at: float
    usage: dict[str, Usage]
    pg_databases: dict[str, int]
    """client connections by database (the sampler's own left out)."""
    redis_clients: int
    """Redis's ``connected_clients`` less the sampler's own."""
    by_process: dict[str, dict[str, int]]
    """``postgresql`` and ``redis`` → connections by the system's process holding them
    (empty without ``ss``)."""

    @property
    def pg_connections(self) -> int:
        return sum(self.pg_databases.values())

    def held(self, server: str, name: str) -> int:
        """Connections to ``server`` the process ``name`` holds (0 when unknown)."""
        return self.by_process.get(server, {}).get(name, 0)

    @property
    def fds(self) -> int:
        """Descriptors of the system's own processes (PostgreSQL's are its backends')."""
        return sum(u.fds for name, u in self.usage.items() if name != POSTGRESQL)


class Sampler:
    """Samples ``stack`` over one PostgreSQL connection and one Redis connection of its own,
    so that the sampler adds the same to every sample."""

    def __init__(self, stack: Stack, connection: asyncpg.Connection, redis: Redis) -> None:
        self.stack = stack
        self.connection = connection
        self.redis = redis

    async def sample(self) -> Sample:
        pids = self.processes()
        usage = {name: _usage(group) for name, group in pids.items()}
        rows = await self.connection.fetch(CLIENTS)
        clients = await self.redis.info("clients")
        redis_socket = str(self.stack.redis.socket_path)
        servers: Servers = {
            POSTGRESQL: lambda path: PG_SOCKET.search(path) is not None,
            REDIS: lambda path: path == redis_socket,
        }
        by_process = await asyncio.to_thread(clients_by_process, pids, servers)
        return Sample(
            time.monotonic(),
            usage,
            {str(row[0]): int(row[1]) for row in rows},
            int(clients["connected_clients"]) - 1,
            by_process,
        )

    def processes(self) -> dict[str, list[int]]:
        """The pids of each process of the system (a process group each), of PostgreSQL
        (the postmaster and its children) and of Redis."""
        groups = _process_groups()
        found = {name: groups.get(pid, [pid]) for name, pid in self.stack.system.pids.items()}
        postmaster = _pid_in(self.stack.postgres.data_dir / "postmaster.pid")
        found[POSTGRESQL] = [postmaster, *_children(postmaster)]
        found[REDIS] = [_pid_in(self.stack.redis.directory / "redis.pid")]
        return found


def _usage(pids: list[int]) -> Usage:
    rss = private = fds = alive = 0
    for pid in pids:
        try:
            status = _status(pid)
            fds += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:  # the process ended meanwhile (a backend closing)
            continue
        rss += status.get("VmRSS", 0)
        private += status.get("RssAnon", 0)
        alive += 1
    return Usage(rss, private, fds, alive)


def _status(pid: int) -> dict[str, int]:
    """The ``kB`` lines of /proc/<pid>/status."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith(" kB"):
            found[key] = int(value.split()[0])
    return found


def _stat_fields(pid: str) -> list[str]:
    """/proc/<pid>/stat after the command's name: state, ppid, pgrp, …"""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _process_groups() -> dict[int, list[int]]:
    """Every live process group's members, by group id."""
    groups: dict[int, list[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        if fields[0] != "Z":
            groups.setdefault(int(fields[2]), []).append(int(pid))
    return groups


def _children(parent: int) -> list[int]:
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(_stat_fields(pid)[1]) == parent:
                children.append(int(pid))
        except OSError:
            continue
    return children


def _pid_in(path: Path) -> int:
    return int(path.read_text().split()[0])
