"""`python -m zikao_identity.rekey`: re-seals personal data sealed with an older data key.

Rotation: add the new key to `IDENTITY_DATA_KEYS` (keep the old one), make it
`IDENTITY_DATA_KEY_ID`, restart identity (new data is sealed with it, old data still opens),
run this, then drop the old key. Safe to run while identity serves and to run twice."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.crypto import Sealed, Vault
from zikao_identity.models import SCHEMA
from zikao_identity.repository import CandidateRepository
from zikao_identity.service.candidates import ID_PURPOSE, PHONE_PURPOSE
from zikao_identity.settings import get_settings
from zikao_kit.db import create_engine, create_sessionmaker

BATCH = 500


async def reseal_batch(session: AsyncSession, vault: Vault, limit: int = BATCH) -> int:
    """Re-seals up to `limit` candidates with the active key; how many it did."""
    candidates = await CandidateRepository(session).sealed_with_other_keys(vault.active, limit)
    for candidate in candidates:
        old = candidate.data_key_id
        number = vault.open(Sealed(old, candidate.id_number_sealed), ID_PURPOSE)
        phone = vault.open(Sealed(old, candidate.phone_sealed), PHONE_PURPOSE)
        candidate.id_number_sealed = vault.seal(number, ID_PURPOSE).blob
        candidate.phone_sealed = vault.seal(phone, PHONE_PURPOSE).blob
        candidate.data_key_id = vault.active
    await session.flush()
    return len(candidates)


async def main() -> int:
    settings = get_settings()
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    engine = create_engine(settings.database_url, schema=SCHEMA, pool_size=1)
    total = 0
    try:
        sessions = create_sessionmaker(engine)
        while True:
            async with sessions.begin() as session:
                done = await reseal_batch(session, vault)
            total += done
            if done == 0:
                break
    finally:
        await engine.dispose()
    sys.stdout.write(f"identity: {total} candidates re-sealed with key {vault.active}\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
