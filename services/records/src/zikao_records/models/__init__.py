"""Records' tables (PostgreSQL schema `records`): catalogue, sittings, sign-ups, payments, seats,
results, the holiday calendar, audit.

Candidates are identity's: `candidate_id` columns hold identity's Candidate id, with no foreign
key across schemas.
"""

from zikao_records.models.audit import AuditEntry
from zikao_records.models.base import SCHEMA, RecordsModel, metadata
from zikao_records.models.calendar import CalendarDay, CalendarYear
from zikao_records.models.catalogue import (
    AddedCourse,
    CandidateMajor,
    Course,
    ElectiveGroup,
    Major,
    PlanCourse,
)
from zikao_records.models.certificates import CertificateApplication, CertificateStatus
from zikao_records.models.enums import (
    AllocationStatus,
    CourseKind,
    DayKind,
    GradeScheme,
    MajorLevel,
    PaymentSource,
    PaymentStatus,
    PlanCategory,
    RegistrationStatus,
    ResultSource,
    ResultStatus,
    ReviewStatus,
)
from zikao_records.models.exemptions import Exemption, Transfer
from zikao_records.models.graduation import (
    AuditRunStatus,
    GraduationApplication,
    GraduationAuditRow,
    GraduationAuditRun,
    GraduationStatus,
    PriorDiploma,
)
from zikao_records.models.payments import Payment
from zikao_records.models.refunds import Refund
from zikao_records.models.scores import ExamResult, ScoreReview
from zikao_records.models.seating import Room, SeatAllocation, SeatAssignment, Venue
from zikao_records.models.signup import ExamBan, ExamRegistration
from zikao_records.models.sittings import ExamSlot, Sitting, SittingCourse
from zikao_records.models.violations import Violation

__all__ = [
    "AuditRunStatus",
    "GraduationApplication",
    "GraduationAuditRow",
    "GraduationAuditRun",
    "GraduationStatus",
    "PriorDiploma",
    "SCHEMA",
    "AddedCourse",
    "AllocationStatus",
    "AuditEntry",
    "CalendarDay",
    "CalendarYear",
    "CandidateMajor",
    "CertificateApplication",
    "CertificateStatus",
    "Course",
    "CourseKind",
    "DayKind",
    "ElectiveGroup",
    "ExamBan",
    "ExamRegistration",
    "ExamResult",
    "ExamSlot",
    "Exemption",
    "GradeScheme",
    "Major",
    "MajorLevel",
    "Payment",
    "PaymentSource",
    "PaymentStatus",
    "PlanCategory",
    "PlanCourse",
    "RecordsModel",
    "Refund",
    "RegistrationStatus",
    "ResultSource",
    "ResultStatus",
    "ReviewStatus",
    "Room",
    "ScoreReview",
    "SeatAllocation",
    "SeatAssignment",
    "Sitting",
    "SittingCourse",
    "Transfer",
    "Venue",
    "Violation",
    "metadata",
]
