"""Exemptions (免考) and transfers (转考): results staff record without a sitting.

An exemption is granted by a certificate or an earlier diploma (e.g. CET-4 for 00015 英语（二）),
recorded with its name and number; it counts as a pass with source EXEMPTION, without score. A
transfer brings a pass from another province, with that province (and the score or grade it
had there); it counts with source TRANSFER, once the candidate has the local passes
`TransferRule` asks. One of each per candidate and course. Staff of the candidate's region (or
the province) record them, audited (the certificate's number stays out of the audit trail)."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import errors, text
from zikao_records.models import (
    AuditEntry,
    Course,
    ExamResult,
    Exemption,
    ResultSource,
    Transfer,
)
from zikao_records.repository.catalogue import CourseRepository
from zikao_records.repository.exemptions import CreditRepository
from zikao_records.service import scope
from zikao_records.service.scores import GRADE_MARKS, PassView, TransferRule
from zikao_records.settings import RecordsSettings

CERTIFICATE_LENGTH = 50
CERTIFICATE_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}")
PASS_MARK = 60
PROVINCES = frozenset(
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 安徽省 "
    "福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 四川省 贵州省 "
    "云南省 西藏自治区 陕西省 甘肃省 青海省 宁夏回族自治区 新疆维吾尔自治区".split()
)


def transfer_rule(settings: RecordsSettings) -> TransferRule:
    return TransferRule(
        zhuanke=settings.transfer_local_passes_zhuanke,
        benke=settings.transfer_local_passes_benke,
    )


@dataclass(frozen=True)
class ExemptionRecord:
    candidate_id: uuid.UUID
    course_code: str
    certificate: str  # the certificate or diploma that grants it
    certificate_number: str


@dataclass(frozen=True)
class TransferRecord:
    candidate_id: uuid.UUID
    course_code: str
    province: str
    sitting: str | None  # the sitting it was passed in there
    score: int | None
    grade: str | None


@dataclass(frozen=True)
class ExemptionView:
    result: ExamResult
    course: Course
    exemption: Exemption


@dataclass(frozen=True)
class TransferView:
    result: ExamResult
    course: Course
    transfer: Transfer


def check_exemption(record: ExemptionRecord) -> ExemptionRecord:
    """The record with its texts checked and trimmed (`InvalidInputError` naming the field)."""
    number = record.certificate_number.strip()
    if not (number.isascii() and CERTIFICATE_NUMBER.fullmatch(number)):
        raise InvalidInputError(
            "certificateNumber", "证书编号应为1至40位字母、数字或连字符", code=text.BAD_FORMAT
        )
    return ExemptionRecord(
        candidate_id=record.candidate_id,
        course_code=text.code(record.course_code, "courseCode", text.COURSE_CODE),
        certificate=text.plain(record.certificate, "certificate", CERTIFICATE_LENGTH),
        certificate_number=number,
    )


def check_transfer(record: TransferRecord) -> TransferRecord:
    """The record once its province is one of the others and it is a pass: a score of 60 to 100
    or a passing grade, not both (neither: passed without either on its transcript)."""
    if record.province.strip() not in PROVINCES:
        raise InvalidInputError("province", "请填写省份全称，如四川省", code="unknown_province")
    if record.score is not None and record.grade is not None:
        raise InvalidInputError("grade", "分数和等级只填其一", code="score_and_grade")
    if record.score is not None:
        text.within(record.score, "score", PASS_MARK, 100)
    if record.grade is not None and GRADE_MARKS.get(record.grade, 0) < PASS_MARK:
        raise InvalidInputError("grade", "等级应为合格的等级，如及格或合格", code="not_a_pass")
    sitting = record.sitting
    return TransferRecord(
        candidate_id=record.candidate_id,
        course_code=text.code(record.course_code, "courseCode", text.COURSE_CODE),
        province=record.province.strip(),
        sitting=None if sitting is None else text.code(sitting, "sitting", text.SITTING_CODE),
        score=record.score,
        grade=record.grade,
    )


async def record_exemption(
    session: AsyncSession, staff: Principal, record: ExemptionRecord, *, now: datetime
) -> PassView:
    record = check_exemption(record)
    result, course = await _credit(session, staff, record.candidate_id, record.course_code, now)
    result.source = ResultSource.EXEMPTION
    await _add_result(session, result)
    await CreditRepository(session).add(
        Exemption(
            result_id=result.id,
            certificate=record.certificate,
            certificate_number=record.certificate_number,
        )
    )
    detail: dict[str, object] = {"course": course.code, "certificate": record.certificate}
    _audit(session, staff, "exemption.recorded", result, detail)
    return PassView(result, course, None)


async def record_transfer(
    session: AsyncSession, staff: Principal, record: TransferRecord, *, now: datetime
) -> PassView:
    record = check_transfer(record)
    result, course = await _credit(session, staff, record.candidate_id, record.course_code, now)
    result.source = ResultSource.TRANSFER
    result.score, result.grade = record.score, record.grade
    await _add_result(session, result)
    await CreditRepository(session).add(
        Transfer(result_id=result.id, province=record.province, sitting=record.sitting)
    )
    detail: dict[str, object] = {
        "course": course.code,
        "province": record.province,
        "sitting": record.sitting,
        "score": record.score,
        "grade": record.grade,
    }
    _audit(session, staff, "transfer.recorded", result, detail)
    return PassView(result, course, None)


async def _credit(
    session: AsyncSession, staff: Principal, candidate_id: uuid.UUID, code: str, now: datetime
) -> tuple[ExamResult, Course]:
    """A passing result without sitting for the course, once the staff member may act on the
    candidate and the course exists (its source set by the caller)."""
    await scope.ensure_candidate(session, staff, candidate_id)
    course = (await CourseRepository(session).get_many([code])).get(code)
    if course is None:
        raise errors.CourseNotFoundError()
    result = ExamResult(candidate_id=candidate_id, course_code=code, passed=True, recorded_at=now)
    return result, course


async def _add_result(session: AsyncSession, result: ExamResult) -> None:
    if not await CreditRepository(session).add_result(result):
        raise errors.AlreadyCreditedError()


def _audit(
    session: AsyncSession,
    staff: Principal,
    action: str,
    result: ExamResult,
    detail: dict[str, object],
) -> None:
    audit.record(
        session,
        AuditEntry,
        staff,
        action,
        candidate_id=result.candidate_id,
        target=f"result:{result.id}",
        detail=detail,
    )


async def exemptions_of(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ExemptionView]]:
    found: dict[uuid.UUID, list[ExemptionView]] = defaultdict(list)
    for row in await CreditRepository(session).exemptions(candidate_ids):
        found[row[0].candidate_id].append(ExemptionView(*row))
    return found


async def transfers_of(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[TransferView]]:
    found: dict[uuid.UUID, list[TransferView]] = defaultdict(list)
    for row in await CreditRepository(session).transfers(candidate_ids):
        found[row[0].candidate_id].append(TransferView(*row))
    return found
