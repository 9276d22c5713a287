"""Exemptions (免考) and transfers (转考) in the graph: staff's `recordExemption` and
`recordTransfer` (audited, the candidate's region or the province); the grounds are read on the
`Candidate` entity (`exemptions`, `transfers`), the passes in `passedCourses`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_records.schema.catalogue import Course
from zikao_records.schema.common import Problems, answer, parse_id, staff_principal
from zikao_records.schema.scores import PassedCourse
from zikao_records.service import exemptions


@strawberry.type(description="An exemption (免考) and the certificate or diploma granting it.")
class Exemption:
    course: Course
    certificate: str
    certificate_number: str
    recorded_at: datetime

    @classmethod
    def from_view(cls, view: exemptions.ExemptionView) -> Exemption:
        return cls(
            course=Course.from_model(view.course),
            certificate=view.exemption.certificate,
            certificate_number=view.exemption.certificate_number,
            recorded_at=view.result.recorded_at,
        )


@strawberry.type(description="A pass brought in from another province (转考).")
class Transfer:
    course: Course
    province: str
    sitting: str | None = strawberry.field(description="the sitting it was passed in there")
    score: int | None
    grade: str | None
    recorded_at: datetime

    @classmethod
    def from_view(cls, view: exemptions.TransferView) -> Transfer:
        result = view.result
        return cls(
            course=Course.from_model(view.course),
            province=view.transfer.province,
            sitting=view.transfer.sitting,
            score=result.score,
            grade=result.grade,
            recorded_at=result.recorded_at,
        )


@strawberry.type(description="The exemption is recorded; it counts as a pass (source EXEMPTION).")
class ExemptionRecorded:
    passed_course: PassedCourse


@strawberry.type(
    description="The transfer is recorded (source TRANSFER); it counts once the candidate has "
    "the province's number of local passes."
)
class TransferRecorded:
    passed_course: PassedCourse


RecordExemptionResult = Annotated[
    ExemptionRecorded | Problems, strawberry.union("RecordExemptionResult")
]
RecordTransferResult = Annotated[
    TransferRecorded | Problems, strawberry.union("RecordTransferResult")
]


@strawberry.type
class ExemptionsMutation:
    @strawberry.mutation(
        description="Staff: record that a certificate or earlier diploma exempts the candidate "
        "from a course (免考), e.g. 全国大学英语四级 for 00015; once per course; audited."
    )
    async def record_exemption(
        self,
        info: Info[Context, None],
        candidate_id: strawberry.ID,
        course_code: str,
        certificate: str,
        certificate_number: str,
    ) -> RecordExemptionResult:
        async def run() -> ExemptionRecorded:
            principal = staff_principal(info)
            record = exemptions.ExemptionRecord(
                parse_id(candidate_id), course_code, certificate, certificate_number
            )
            async with info.context.db.begin() as session:
                view = await exemptions.record_exemption(session, principal, record, now=utc_now())
            return ExemptionRecorded(passed_course=PassedCourse.from_view(view))

        return await answer(run)

    @strawberry.mutation(
        description="Staff: record a pass brought in from another province (转考): its province "
        "(full name, e.g. 四川省), its sitting there, and its score (60–100) or passing grade; "
        "once per course; audited."
    )
    async def record_transfer(
        self,
        info: Info[Context, None],
        candidate_id: strawberry.ID,
        course_code: str,
        province: str,
        sitting: str | None = None,
        score: int | None = None,
        grade: str | None = None,
    ) -> RecordTransferResult:
        async def run() -> TransferRecorded:
            principal = staff_principal(info)
            record = exemptions.TransferRecord(
                parse_id(candidate_id), course_code, province, sitting, score, grade
            )
            async with info.context.db.begin() as session:
                view = await exemptions.record_transfer(session, principal, record, now=utc_now())
            return TransferRecorded(passed_course=PassedCourse.from_view(view))

        return await answer(run)
