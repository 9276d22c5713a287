"""The enumerations stored in records' tables."""

from __future__ import annotations

from enum import StrEnum


class CourseKind(StrEnum):
    THEORY = "THEORY"
    PRACTICE = "PRACTICE"


class GradeScheme(StrEnum):
    FIVE_LEVEL = "FIVE_LEVEL"
    PASS_FAIL = "PASS_FAIL"


class MajorLevel(StrEnum):
    ZHUANKE = "ZHUANKE"
    BENKE = "BENKE"


class PlanCategory(StrEnum):
    REQUIRED = "REQUIRED"
    ELECTIVE = "ELECTIVE"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"


class RegistrationStatus(StrEnum):
    """unpaid → paid → refunded; unpaid → lapsed (timer) or cancelled (candidate)."""

    UNPAID = "UNPAID"
    PAID = "PAID"
    REFUNDED = "REFUNDED"
    LAPSED = "LAPSED"
    CANCELLED = "CANCELLED"


class PaymentSource(StrEnum):
    NOTIFICATION = "NOTIFICATION"
    MANUAL = "MANUAL"


class PaymentStatus(StrEnum):
    """APPLIED: it paid sign-ups; REFUND_DUE: it paid nothing (duplicate, late, wrong sum)."""

    APPLIED = "APPLIED"
    REFUND_DUE = "REFUND_DUE"


class AllocationStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class ResultStatus(StrEnum):
    NORMAL = "NORMAL"
    ABSENT = "ABSENT"
    CANCELLED = "CANCELLED"


class ResultSource(StrEnum):
    EXAM = "EXAM"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"
    EXEMPTION = "EXEMPTION"
    TRANSFER = "TRANSFER"


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    UNCHANGED = "UNCHANGED"
    CORRECTED = "CORRECTED"


class DayKind(StrEnum):
    """How a calendar day differs from the Monday–Friday rule."""

    HOLIDAY = "HOLIDAY"  # a public holiday (or a day of its week) on a weekday
    WORKDAY = "WORKDAY"  # an adjusted working day (调休) on a weekend
