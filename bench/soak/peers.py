"""Which of the system's processes holds each connection to PostgreSQL and to Redis: the
unix sockets whose peer is the server's end of its socket file, from ``ss -xpn`` (the
services set no ``application_name``, so ``pg_stat_activity`` cannot tell them apart)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Mapping

PID = re.compile(r"pid=(\d+)")
Servers = Mapping[str, Callable[[str], bool]]
"""server name → whether a socket file is that server's."""


def clients_by_process(
    pids: Mapping[str, list[int]], servers: Servers
) -> dict[str, dict[str, int]]:
    """Each server's connections by the process (of ``pids``) at the other end; empty
    when there is no ``ss``."""
    ss = shutil.which("ss")
    if ss is None:
        return {}
    done = subprocess.run([ss, "-xpnH"], capture_output=True, text=True, check=False)
    # Netid State Recv-Q Send-Q Local-path Local-inode Peer-path Peer-inode users:((…))
    sockets = [line.split() for line in done.stdout.splitlines()]
    owner = {pid: name for name, group in pids.items() for pid in group}
    return {
        server: _counted(sockets, owner, {f[7] for f in sockets if len(f) > 7 and is_it(f[4])})
        for server, is_it in servers.items()
    }


def _counted(sockets: list[list[str]], owner: dict[int, str], served: set[str]) -> dict[str, int]:
    found: Counter[str] = Counter()
    for fields in sockets:
        if len(fields) > 8 and fields[5] in served:
            for pid in {int(p) for p in PID.findall(" ".join(fields[8:]))} & owner.keys():
                found[owner[pid]] += 1
    return dict(found)
