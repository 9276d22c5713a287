"""End-to-end fixtures: the real processes on free ports, talked to over HTTP via the gateway."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from e2e import ROOT, RunningSystem

from zikao_devrun import Infra, free_ports, gateway_url, zikao_system
from zikao_devrun.zikao import isolated_env
from zikao_identity.tokens import TokenSigner, write_private_key


@pytest.fixture(scope="session")
def zikao(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """Identity, records, documents, the worker and the gateway, started once per session."""
    work = tmp_path_factory.mktemp("zikao")
    key = work / "jwt.pem"
    write_private_key(key)
    ports = free_ports()
    system = zikao_system(
        Infra(database_url, redis_url),
        ports,
        root=ROOT,
        log_dir=work / "logs",
        extra_env=isolated_env(work, f"test-{uuid.uuid4().hex[:12]}", key),
    )
    signer = TokenSigner.load(key, issuer="zikao-identity", audience="zikao")
    with system:
        yield RunningSystem(system, ports, gateway_url(ports), signer, database_url)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
