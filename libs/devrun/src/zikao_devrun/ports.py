"""TCP port helpers: is a port free, pick free ports, refuse to start on a taken one."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass

from zikao_devrun.errors import DevrunError

LOOPBACK = "127.0.0.1"


class PortInUseError(DevrunError):
    """A port that a process is about to listen on is already taken."""


@dataclass(frozen=True)
class PortClaim:
    """A port that the process ``name`` will listen on; ``env_var`` is how to change it."""

    name: str
    port: int
    env_var: str | None = None

    def in_use_message(self) -> str:
        """The one line shown to the user when the port is taken."""
        message = f"zikao: port {self.port} ({self.name}) is already in use"
        if self.env_var:
            message += f"; set {self.env_var} to another port"
        return message


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """True when nothing listens on ``host:port`` (checked by binding it, as a server would)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def ensure_ports_free(claims: Iterable[PortClaim]) -> None:
    """Raise :class:`PortInUseError` for the first claimed port that is taken or claimed twice."""
    seen: dict[int, str] = {}
    for claim in claims:
        if claim.port in seen:
            raise PortInUseError(
                f"zikao: port {claim.port} is wanted by both {seen[claim.port]} and {claim.name}"
                + (f"; set {claim.env_var} to another port" if claim.env_var else "")
            )
        seen[claim.port] = claim.name
        if not port_is_free(claim.port):
            raise PortInUseError(claim.in_use_message())


def free_port_numbers(count: int, host: str = LOOPBACK) -> list[int]:
    """``count`` distinct ports that are free right now (the OS picks them)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def parse_port(value: str, env_var: str) -> int:
    """A port number from an environment variable, or a clear :class:`DevrunError`."""
    try:
        port = int(value.strip())
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise DevrunError(f"zikao: {env_var} must be a TCP port number, got {value!r}")
    return port
