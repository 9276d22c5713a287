import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from zikao_identity import models, service
from zikao_identity.crypto import Vault
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import TODAY, Gql, MakeCandidate, new_candidate
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Principal
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

TEST_ANSWER = "TEST"


@pytest.fixture
def settings(database_url: str) -> IdentitySettings:
    """Settings with Redis keys of this test only (so limits never leak between tests), and no
    other service's audit trail (tests that read it mount their own)."""
    prefix = f"identity-test:{uuid.uuid4().hex}"
    return IdentitySettings(
        database_url=database_url,
        redis_prefix=prefix,
        queue_name=f"{prefix}:queue",
        captcha_test_answer=TEST_ANSWER,
        audit_sources="",
    )


@pytest.fixture
def vault(settings: IdentitySettings) -> Vault:
    return Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    return TokenSigner.load(None, issuer="zikao-identity", audience="zikao")


@pytest.fixture
def deps(
    settings: IdentitySettings, redis: Redis, vault: Vault, signer: TokenSigner
) -> IdentityDeps:
    return IdentityDeps.create(settings, redis, vault, signer)


@pytest.fixture
def make_candidate(db: Sessionmaker, vault: Vault) -> MakeCandidate:
    async def make(id_number: str, **overrides: str | None) -> models.Candidate:
        async with db.begin() as session:
            return await service.create_candidate(
                session, vault, new_candidate(id_number, **overrides), today=TODAY
            )

    return make


@pytest.fixture
def gql(
    db: Sessionmaker, redis: Redis, settings: IdentitySettings, vault: Vault, deps: IdentityDeps
) -> Gql:
    """Runs an operation on identity's schema, as `principal`, and returns its data."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, principal: Principal | None = None
    ) -> Any:
        context = make_context(db, redis, settings, principal, {"vault": vault, "deps": deps})
        result = await schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data

    return run
