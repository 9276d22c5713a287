"""The processes the cases attack: the whole system of `make abuse`'s own (like the
end-to-end tests': free ports, a scratch database, queues and keys of its own), and the two
edge gateways beside its gateway (low rate limits; production settings)."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from zikao_devrun import Infra, Ports, System, free_port_numbers, free_ports, zikao_system
from zikao_devrun.zikao import base_url, gateway_spec, gateway_url, isolated_env
from zikao_identity.tokens import TokenSigner, write_private_key
from zikao_kit.scratch import scratch_database

from .target import Gateway, Target

ROOT = Path(__file__).resolve().parents[2]
LIMITED_RATES = {
    "GATEWAY_RATE_LIMIT_SIGN_IN": "3",
    "GATEWAY_RATE_LIMIT_RECOVERY": "3",
    "GATEWAY_RATE_LIMIT_CAPTCHA": "30",
    "GATEWAY_RATE_LIMIT_FIELD": "30",
}
"""The limited gateway's limits per window: log-ins and recoveries low enough to reach."""
LIMITED_BATCH = 5
SIGN_IN_LIMIT = int(LIMITED_RATES["GATEWAY_RATE_LIMIT_SIGN_IN"])
RECOVERY_LIMIT = int(LIMITED_RATES["GATEWAY_RATE_LIMIT_RECOVERY"])


def _edge_env(ports: Ports, mode: str, prefix: str, extra: Mapping[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "ZIKAO_ENV": mode,
        # a host name, not an address: production refuses loopback addresses as "local URLs"
        "ZIKAO_JWKS_URL": f"http://localhost:{ports.identity}/.well-known/jwks.json",
        "GATEWAY_REDIS_PREFIX": prefix,
        "GATEWAY_MAX_BATCH": str(LIMITED_BATCH),
        **extra,
    }


@contextmanager
def edge_gateways(ports: Ports, log_dir: Path) -> Iterator[tuple[Gateway, Gateway]]:
    """The limited gateway (test settings, LIMITED_RATES) and the production one, over the
    services on `ports`, each with Redis keys of its own; stopped after."""
    label = uuid.uuid4().hex[:12]
    with ExitStack() as stack:
        gateways = []
        for name, mode, extra in (
            ("limited", "test", LIMITED_RATES),
            ("production", "production", {}),
        ):
            (port,) = free_port_numbers(1)
            prefix = f"abuse-{name}-{label}"
            spec = gateway_spec(replace(ports, gateway=port), name=f"{name}-gateway")
            env = _edge_env(ports, mode, prefix, extra)
            stack.enter_context(System([spec], env=env, cwd=ROOT, log_dir=log_dir))
            gateways.append(Gateway(f"{base_url(port)}/graphql", prefix))
        yield gateways[0], gateways[1]


@contextmanager
def own_system(database_url: str, redis_url: str, work: Path) -> Iterator[Target]:
    """A scratch database on the server of `database_url`, the whole system over it on free
    ports, the edge gateways beside it; the database dropped after."""
    key = work / "jwt.pem"
    write_private_key(key)
    ports = free_ports()
    notify_key = secrets.token_urlsafe(32)
    label = f"abuse-{uuid.uuid4().hex[:12]}"
    extra = {**isolated_env(work, label, key), "RECORDS_PAYMENT_NOTIFY_KEY": notify_key}
    with scratch_database(database_url, "zikao_abuse") as url:
        system = zikao_system(
            Infra(url, redis_url), ports, root=ROOT, log_dir=work / "logs", extra_env=extra
        )
        with system, edge_gateways(ports, work / "logs") as (limited, production):
            yield Target(
                main=Gateway(gateway_url(ports), extra["GATEWAY_REDIS_PREFIX"]),
                limited=limited,
                production=production,
                ports=ports,
                signer=TokenSigner.load(key, issuer="zikao-identity", audience="zikao"),
                database_url=url,
                redis_url=redis_url,
                notify_key=notify_key,
                storage_dir=Path(extra["DOCUMENTS_STORAGE_DIR"]),
                jwt_key=key,
            )
