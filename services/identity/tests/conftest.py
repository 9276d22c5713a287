import pytest

from zikao_identity import models, service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import TODAY, MakeCandidate, new_candidate
from zikao_kit.db import Sessionmaker


@pytest.fixture
def settings(database_url: str) -> IdentitySettings:
    return IdentitySettings(database_url=database_url)


@pytest.fixture
def vault(settings: IdentitySettings) -> Vault:
    return Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)


@pytest.fixture
def make_candidate(db: Sessionmaker, vault: Vault) -> MakeCandidate:
    async def make(id_number: str, **overrides: str | None) -> models.Candidate:
        async with db.begin() as session:
            return await service.create_candidate(
                session, vault, new_candidate(id_number, **overrides), today=TODAY
            )

    return make
