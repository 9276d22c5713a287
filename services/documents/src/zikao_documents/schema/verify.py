"""`verifyDocument(code)`: public, rate limited; nothing personal beyond the masked name."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_documents import limits, service
from zikao_documents.schema.common import answer, settings_of
from zikao_documents.schema.documents import DocumentKind
from zikao_kit.clock import in_beijing
from zikao_kit.context import Context
from zikao_kit.problems import (
    InvalidInput,
    NotFound,
    RateLimited,
)


@strawberry.enum(description="Whether a printed code belongs to a document we issued.")
class VerificationStatus(Enum):
    VALID = "VALID"
    SUPERSEDED = "SUPERSEDED"


@strawberry.type(description="A document we issued, as its printed code shows it to anyone.")
class DocumentVerified:
    status: VerificationStatus
    kind: DocumentKind
    sitting: str | None
    issued_on: date = strawberry.field(description="the day it was issued, Beijing time")
    masked_name: str = strawberry.field(description="e.g. 张*")

    @classmethod
    def of(cls, found: service.Verification) -> DocumentVerified:
        return cls(
            status=VerificationStatus.SUPERSEDED if found.superseded else VerificationStatus.VALID,
            kind=DocumentKind(found.kind.value),
            sitting=found.sitting,
            issued_on=in_beijing(found.issued_at).date(),
            masked_name=found.masked_name,
        )


VerifyDocumentResult = Annotated[
    DocumentVerified | InvalidInput | NotFound | RateLimited,
    strawberry.union("VerifyDocumentResult"),
]


async def _verify(info: Info[Context, None], code: str) -> DocumentVerified | NotFound:
    settings = settings_of(info.context)
    key = f"{settings.redis_prefix}:limit:verify:{info.context.client_address()}"
    await limits.hit(
        info.context.redis,
        key,
        limit=settings.verify_limit,
        window_seconds=settings.verify_window_seconds,
    )
    async with info.context.db() as session:
        found = await service.verify(session, code)
    if found is None:
        return NotFound(code="unknown_code", message="未找到与该验证码对应的文件")
    return DocumentVerified.of(found)


@strawberry.type
class VerifyQuery:
    @strawberry.field(
        description="Public: whether a printed verification code belongs to a document we "
        "issued (its kind, sitting, issue day and the masked name); rate limited."
    )
    async def verify_document(self, info: Info[Context, None], code: str) -> VerifyDocumentResult:
        result: VerifyDocumentResult = await answer(_verify(info, code))
        return result
