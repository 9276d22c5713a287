"""Fixtures of the gateway's tests: the library supergraph served by in-process subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from zikao_gateway.gateway import Gateway, Outcome, Request
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import Supergraph, load_supergraph
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, Ask, InProcessSubgraphs, library_schemas


@pytest.fixture(scope="session")
def supergraph() -> Supergraph:
    return load_supergraph(LIBRARY_SUPERGRAPH)


@pytest.fixture
def subgraphs() -> InProcessSubgraphs:
    return InProcessSubgraphs(library_schemas())


@pytest.fixture
async def gateway(supergraph: Supergraph, subgraphs: InProcessSubgraphs) -> AsyncIterator[Gateway]:
    client = SubgraphClient(supergraph.subgraphs, timeout=0.5, transport=subgraphs)
    gateway = Gateway(supergraph, client, cache_size=8)
    yield gateway
    await gateway.aclose()
    await client.aclose()


@pytest.fixture
def ask(gateway: Gateway) -> Ask:
    """Runs one operation through the gateway (request id ``test-request``)."""

    async def ask(
        query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Outcome:
        request = Request(query, variables or {}, None, headers or {}, "test-request")
        return await gateway.execute(request)

    return ask
