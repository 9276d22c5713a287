"""Helpers of the end-to-end tests: the running system and how to talk to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from zikao_devrun import Ports, System
from zikao_identity import service as identity_service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RunningSystem:
    system: System
    ports: Ports
    url: str
    signer: TokenSigner
    database_url: str

    def token(self, subject: str, role: Role = Role.CANDIDATE, region: str | None = None) -> str:
        """An access token signed with identity's own key, as log-in would issue it."""
        return self.signer.issue(subject=subject, role=role, minutes=5, region_code=region).token

    def log(self, name: str) -> str:
        path = self.system.log_path(name)
        return path.read_text(encoding="utf-8") if path and path.exists() else ""


async def graphql(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {"accept": "application/graphql-response+json, application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if request_id:
        headers["x-request-id"] = request_id
    return await client.post(
        url, json={"query": query, "variables": variables or {}}, headers=headers
    )


async def register_candidate(database_url: str, id_number: str, region: str = "0103") -> str:
    """A committed candidate record (registration through the API is identity's next issue)."""
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    engine = create_engine(database_url, schema="identity", pool_size=1)
    data = identity_service.NewCandidate(
        name="陈端到端",
        id_number=id_number,
        phone="13600136000",
        email=None,
        password="end to end secret",
        region_code=region,
        security_question="我的小学",
        security_answer="人和街小学",
    )
    try:
        async with create_sessionmaker(engine).begin() as session:
            candidate = await identity_service.create_candidate(
                session, vault, data, today=date.today()
            )
        return str(candidate.id)
    finally:
        await engine.dispose()
