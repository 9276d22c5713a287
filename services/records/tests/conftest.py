"""Records' test fixtures: its settings, and identity's real app in this process for the tests
that ask identity (exports' names, the merge's cancellation): records talks to it over HTTP
exactly as in production, through an ASGI transport instead of a socket, on the test's own
transaction."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from zikao_identity import service as identity_service
from zikao_identity.app import create_app as create_identity_app
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Principal, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.settings import ServiceSettings
from zikao_records.app import create_app
from zikao_records.directory import IdentityClient
from zikao_records.list_settings import ListSettings
from zikao_records.settings import RecordsSettings


@pytest.fixture
def settings(database_url: str) -> RecordsSettings:
    return RecordsSettings(database_url=database_url)


@dataclass
class InProcessIdentity:
    client: IdentityClient
    signer: TokenSigner
    vault: Vault
    db: Sessionmaker

    def token(self, principal: Principal) -> str:
        """An access token of `principal` as identity's log-in would sign it."""
        return self.signer.issue(
            subject=principal.subject,
            role=principal.role,
            minutes=5,
            region_code=principal.region_code,
        ).token

    async def register(self, name: str, id_number: str, region: str = "0103") -> uuid.UUID:
        data = identity_service.NewCandidate(
            name=name,
            id_number=id_number,
            phone="13600136000",
            email=None,
            password="records test secret",
            region_code=region,
            security_question="我的小学",
            security_answer="人和街小学",
        )
        async with self.db.begin() as session:
            made = await identity_service.create_candidate(
                session, self.vault, data, today=date(2026, 11, 25)
            )
        return made.id


@pytest.fixture
async def identity(db: Sessionmaker, database_url: str) -> AsyncIterator[InProcessIdentity]:
    """Identity's app on the test's transaction, and records' client of it."""
    prefix = f"records-test-identity:{uuid.uuid4().hex}"
    settings = IdentitySettings(
        database_url=database_url,
        redis_prefix=prefix,
        queue_name=f"{prefix}:queue",
        audit_sources="",
    )
    app = create_identity_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.zikao
        state.db = db
        transport = httpx.ASGITransport(app=app)
        client = IdentityClient(ListSettings(identity_url="http://identity/graphql"), transport)
        yield InProcessIdentity(client, state.extras["signer"], state.extras["vault"], db)


@pytest.fixture
async def records_app(
    settings: RecordsSettings, db: Sessionmaker, identity: InProcessIdentity
) -> AsyncIterator[httpx.AsyncClient]:
    """Records' app on the test's transaction, trusting identity's key, asking identity's app."""

    def verifier(current: ServiceSettings) -> TokenVerifier:
        keys = StaticKeySource({identity.signer.kid: identity.signer.public_key})
        return TokenVerifier(keys, issuer=current.jwt_issuer, audience=current.jwt_audience)

    app = create_app(settings, verifier_factory=verifier)
    async with app.router.lifespan_context(app):
        app.state.zikao.db = db
        app.state.zikao.extras["identity"] = identity.client
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            yield client
