from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from zikao_identity import idnumber, models, service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_kit.db import Sessionmaker

TODAY = date(2026, 11, 25)
MakeCandidate = Callable[..., Awaitable[models.Candidate]]


def an_id_number(sequence: int, born: str = "19900101", region: str = "500106") -> str:
    """A valid ID number (right check character) for tests."""
    first17 = f"{region}{born}{sequence:03d}"
    return first17 + idnumber.check_char(first17)


def new_candidate(id_number: str, **overrides: str | None) -> service.NewCandidate:
    fields: dict[str, str | None] = {
        "name": "王五", "id_number": id_number, "phone": "13712345678", "email": None,
        "password": "correct horse battery", "region_code": "0106",
        "security_question": "我的出生地", "security_answer": "沙坪坝",
    }
    fields.update(overrides)
    return service.NewCandidate(**fields)  # type: ignore[arg-type]


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
