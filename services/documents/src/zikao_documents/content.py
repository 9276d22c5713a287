"""What a document shows: one model per kind, checked when the document is requested and
frozen as JSON in `document_request.content`. Only masked personal data goes in."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from zikao_documents.models import DocumentKind

MAX_PHOTO_BYTES = 1_000_000  # what identity accepts (IDENTITY_PHOTO_MAX_BYTES' default)
MASKED_ID_NUMBER = r"^\d{4}\*{10}[\dX]{4}$"

EXAM_RULES = (
    "请按时到达考点，凭本证和有效居民身份证参加考试，二者缺一不可。",
    "开考15分钟后禁止入场。",
    "考试结束前30分钟内方可交卷离场。",
    "请遵守考场规则，服从监考人员管理。",
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Photo(Frozen):
    media_type: Literal["image/jpeg", "image/png"]
    data_base64: str = Field(repr=False)

    @field_validator("data_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            data = base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise ValueError("photo is not base64") from error
        if not 0 < len(data) <= MAX_PHOTO_BYTES:
            raise ValueError("photo is empty or too large")
        return value

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)


class CandidateCard(Frozen):
    """Who the document is about, as printed: the ID number only ever masked."""

    name: str = Field(min_length=1, max_length=50)
    ticket_number: str = Field(pattern=r"^\d{12}$")
    masked_id_number: str = Field(pattern=MASKED_ID_NUMBER)
    photo: Photo | None = None


class ExamEntry(Frozen):
    course_code: str = Field(pattern=r"^\d{5}$")
    course_name: str = Field(min_length=1, max_length=100)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue_name: str = Field(min_length=1, max_length=100)
    venue_address: str = Field(min_length=1, max_length=200)
    room: str = Field(min_length=1, max_length=20)
    seat: str = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _ends_after_start(self) -> ExamEntry:
        if self.ends_at <= self.starts_at:
            raise ValueError("an exam ends after it starts")
        return self

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AdmissionTicketContent(Frozen):
    issuer: str = Field(min_length=1, max_length=100)
    sitting_name: str = Field(min_length=1, max_length=30)
    candidate: CandidateCard
    exams: list[ExamEntry] = Field(min_length=1, max_length=12)
    rules: list[str] = Field(default_factory=lambda: list(EXAM_RULES), max_length=20)
    major: MajorLine | None = None  # 报考专业, printed under the masked ID


class ResultEntry(Frozen):
    course_code: str = Field(pattern=r"^\d{5}$")
    course_name: str = Field(min_length=1, max_length=100)
    credits: int | None = Field(default=None, ge=0, le=30)
    score: int | None = Field(default=None, ge=0, le=100)
    grade: str | None = Field(default=None, max_length=10)
    sitting: str | None = Field(default=None, max_length=16)
    source: str | None = Field(default=None, max_length=20)


class MajorLine(Frozen):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    level: str = Field(min_length=1, max_length=10)


class ResultsContent(Frozen):
    """A course certificate (one or a few passed courses) or a transcript (all of them)."""

    issuer: str = Field(min_length=1, max_length=100)
    candidate: CandidateCard
    major: MajorLine | None = None
    results: list[ResultEntry] = Field(min_length=1, max_length=200)


DocumentContent = AdmissionTicketContent | ResultsContent

CONTENT_MODELS: dict[DocumentKind, type[AdmissionTicketContent] | type[ResultsContent]] = {
    DocumentKind.ADMISSION_TICKET: AdmissionTicketContent,
    DocumentKind.COURSE_CERTIFICATE: ResultsContent,
    DocumentKind.TRANSCRIPT: ResultsContent,
}


def parse_content(kind: DocumentKind, content: dict[str, Any]) -> DocumentContent:
    """The content of a `kind` document; pydantic's `ValidationError` when it does not fit."""
    return CONTENT_MODELS[kind].model_validate(content)


def content_json(content: DocumentContent) -> dict[str, Any]:
    return content.model_dump(mode="json")


def content_sha256(content: dict[str, Any]) -> str:
    """A stable hash of JSON content (keys sorted), to tell identical requests apart."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
