import base64
import os

from zikao_identity import service
from zikao_identity.crypto import Vault
from zikao_identity.models import Candidate
from zikao_identity.rekey import reseal_batch
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import TODAY, an_id_number, new_candidate
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker


async def test_rotation_reseals_with_the_new_key_and_keeps_the_index(
    db: Sessionmaker, settings: IdentitySettings
) -> None:
    old = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = Vault.from_settings(f"{settings.data_keys},k2:{new_key}", "k2", settings.index_key)
    number = an_id_number(601)
    async with db.begin() as session:
        candidate = await service.create_candidate(session, old, new_candidate(number), today=TODAY)
    async with db.begin() as session:  # other tests' committed candidates are re-sealed too
        while await reseal_batch(session, rotated, limit=100):
            pass
        assert await reseal_batch(session, rotated) == 0
    only_new = Vault.from_settings(f"k2:{new_key}", "k2", settings.index_key)
    async with db() as session:
        stored = await session.get(Candidate, candidate.id)
        assert stored is not None
        assert stored.data_key_id == "k2"
        owner = Principal(str(candidate.id), Role.CANDIDATE)
        view = (await service.candidate_views(session, only_new, owner, [candidate.id]))[
            candidate.id
        ]
    assert view.masked_id_number == number[:4] + "*" * 10 + number[-4:]
    assert stored.id_number_index == old.blind_index(number, service.ID_PURPOSE)
