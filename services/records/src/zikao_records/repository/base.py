"""What every repository shares."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_records.models import RecordsModel

CandidateSitting = tuple[uuid.UUID, str]  # a candidate's records of one sitting


async def upsert(
    session: AsyncSession,
    model: type[RecordsModel],
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
) -> None:
    """Inserts `rows`, updating every other column of those whose `keys` already exist."""
    if not rows:
        return
    statement = insert(model).values(list(rows))
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    if updates:
        await session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))
    else:
        await session.execute(statement.on_conflict_do_nothing(index_elements=keys))
