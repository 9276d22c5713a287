import uuid
from pathlib import Path
from typing import Any

import pytest

from zikao_documents import service
from zikao_documents.models import DocumentKind, DocumentRequest
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import WANZHOU, MakeRequest, ticket_content
from zikao_documents.worker import WorkerDeps
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> DocumentsSettings:
    return DocumentsSettings(
        database_url=database_url,
        redis_url=redis_url,
        storage_dir=tmp_path / "documents",
        queue_name=f"test:documents:{uuid.uuid4().hex}",
    )


@pytest.fixture
def storage(settings: DocumentsSettings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


@pytest.fixture
def deps(settings: DocumentsSettings, db: Sessionmaker, storage: LocalStorage) -> WorkerDeps:
    """The worker's dependencies, on the test's rolled-back transaction."""
    return WorkerDeps(settings=settings, db=db, storage=storage)


@pytest.fixture
def make_request(db: Sessionmaker) -> MakeRequest:
    """A request the candidate makes themself, signed in with a token of `region`."""

    async def make(
        candidate_id: uuid.UUID | None = None,
        kind: DocumentKind = DocumentKind.ADMISSION_TICKET,
        sitting: str | None = "2026-10",
        content: dict[str, Any] | None = None,
        region: str | None = WANZHOU,
    ) -> DocumentRequest:
        candidate_id = candidate_id or uuid.uuid4()
        by = Principal(subject=str(candidate_id), role=Role.CANDIDATE, region_code=region)
        async with db.begin() as session:
            return await service.request_document(
                session,
                by=by,
                candidate_id=candidate_id,
                kind=kind,
                sitting=sitting,
                content=content if content is not None else ticket_content(),
            )

    return make
