"""Which address a request comes from: the peer's, unless the peer is a configured trusted
proxy (a load balancer, the gateway), and then the nearest address in `X-Forwarded-For` that is
not itself a trusted proxy. Every process computes it this way, so a client that writes its own
`X-Forwarded-For` changes nothing: only what trusted proxies appended counts.

uvicorn's `--forwarded-allow-ips` is given the same list (it walks the header the same way, and
applying the rule twice gives the same answer), so access logs agree with the limits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

FORWARDED_FOR = "x-forwarded-for"
UNKNOWN = "unknown"
MAX_ADDRESS_LENGTH = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """The networks whose `X-Forwarded-For` entries are believed."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, spec: str | Iterable[str]) -> TrustedProxies:
        """From `"127.0.0.1, 10.0.0.0/8"` (or a list of such): addresses or CIDR networks.
        `ValueError` for anything else."""
        items = spec.split(",") if isinstance(spec, str) else list(spec)
        networks = tuple(
            ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()
        )
        return cls(networks)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    @property
    def uvicorn_value(self) -> str:
        """The same list as uvicorn's `forwarded_allow_ips` takes it."""
        return ",".join(str(network) for network in self.networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: TrustedProxies) -> str:
    """The caller's address as this process may believe it (see the module's docstring)."""
    address = peer or UNKNOWN
    if not trusted.trusts(address):
        return _clip(address)
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted.trusts(hop):
            return _clip(hop)
        address = hop
    return _clip(address)


def _clip(address: str) -> str:
    return address[:MAX_ADDRESS_LENGTH] or UNKNOWN
