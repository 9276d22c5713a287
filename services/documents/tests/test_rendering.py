import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from zikao_documents import rendering
from zikao_documents.models import DocumentRequest, DocumentStatus
from zikao_documents.repository import DocumentRequestRepository
from zikao_documents.testing import request_ticket
from zikao_kit.db import Sessionmaker, create_sessionmaker

LEASE = timedelta(seconds=20)


@pytest.fixture
async def committed_request(engine: AsyncEngine) -> AsyncIterator[tuple[Sessionmaker, uuid.UUID]]:
    """A request committed for real (two connections must see it), removed afterwards."""
    db = create_sessionmaker(engine)
    async with db.begin() as session:
        document = await request_ticket(session, region="0101")
    yield db, document.id
    async with db.begin() as session:
        await session.execute(delete(DocumentRequest).where(col(DocumentRequest.id) == document.id))


async def test_a_request_another_transaction_has_locked_is_left_to_it(
    committed_request: tuple[Sessionmaker, uuid.UUID],
) -> None:
    db, document_id = committed_request
    async with db.begin() as rendering_it:  # another job, inside its render
        assert await DocumentRequestRepository(rendering_it).lock(document_id) is not None
        async with db.begin() as session:
            attempt = await rendering.begin_attempt(
                session, document_id, max_attempts=3, lease=LEASE
            )
        assert attempt is None  # skipped at once, no attempt counted, nothing waited for
    async with db() as session:
        untouched = await session.get(DocumentRequest, document_id)
    assert untouched is not None
    assert (untouched.status, untouched.attempts) == (DocumentStatus.PENDING, 0)
    async with db.begin() as session:
        assert await rendering.begin_attempt(session, document_id, max_attempts=3, lease=LEASE)
