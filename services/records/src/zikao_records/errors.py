"""Records' expected failures, each with a stable code and a message fit for the candidate."""

from __future__ import annotations

from collections.abc import Sequence

from zikao_kit.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError


class SittingNotFoundError(NotFoundError):
    code = "sitting_not_found"
    default_message = "考次不存在"


class MajorNotFoundError(NotFoundError):
    code = "major_not_found"
    default_message = "专业不存在"


class VenueNotFoundError(NotFoundError):
    code = "venue_not_found"
    default_message = "考点不存在"


class NotRegisteredError(NotFoundError):
    code = "not_registered"
    default_message = "未报考该课程"


class RegistrationClosedError(ConflictError):
    code = "registration_closed"
    default_message = "当前不在本考次的报考时间内"


class MajorNotChosenError(ConflictError):
    code = "major_not_chosen"
    default_message = "请先选择报考专业"


class AlreadyRegisteredError(ConflictError):
    code = "already_registered"
    default_message = "已报考该课程"


class TooManyCoursesError(ConflictError):
    code = "too_many_courses"

    def __init__(self, maximum: int) -> None:
        super().__init__(f"每个考次最多报考{maximum}门课程")
        self.maximum = maximum


class ExamBannedError(ConflictError):
    code = "exam_banned"
    default_message = "因违规处理，本考次不能报考"


class SlotConflictError(ConflictError):
    """Two courses (asked for, or already signed up for) are examined in the same slot."""

    code = "slot_conflict"

    def __init__(self, course_codes: Sequence[str]) -> None:
        super().__init__(f"以下课程考试时间冲突，只能报考其中一门：{'、'.join(course_codes)}")
        self.course_codes = list(course_codes)


class CourseNotInPlanError(InvalidInputError):
    def __init__(self, codes: Sequence[str]) -> None:
        message = f"以下课程不在所选专业的考试计划中：{'、'.join(codes)}"
        super().__init__("courseCodes", message, code="course_not_in_plan")


class CourseNotOfferedError(InvalidInputError):
    def __init__(self, codes: Sequence[str]) -> None:
        message = f"以下课程本考次不开考：{'、'.join(codes)}"
        super().__init__("courseCodes", message, code="course_not_offered")


class OutOfRegionError(ForbiddenError):
    code = "out_of_region"
    default_message = "只能处理本区县的考点和考生"


class AllocationNotReadyError(ConflictError):
    code = "allocation_not_ready"
    default_message = "本考次尚未完成考场编排"


class SlotInUseError(ConflictError):
    """Sign-ups hold the slot a timetable change would move their course from (or delete)."""

    code = "slot_in_use"

    def __init__(self, course_codes: Sequence[str]) -> None:
        codes = "、".join(course_codes)
        super().__init__(f"以下课程已有考生报考，不能更改考试时间：{codes}")
        self.course_codes = list(course_codes)


class VenueExistsError(ConflictError):
    code = "venue_exists"
    default_message = "本区县已有同名考点"


class VenueInUseError(ConflictError):
    code = "venue_in_use"
    default_message = "考点已编排考生座位，不能删除"


class RoomNotFoundError(NotFoundError):
    code = "room_not_found"
    default_message = "考场不存在"


class RoomInUseError(ConflictError):
    code = "room_in_use"
    default_message = "考场已编排考生座位，不能删除或减少座位"


class CalendarYearUnknownError(ConflictError):
    """Working days were asked of a year whose holidays are not (completely) known."""

    code = "calendar_year_unknown"

    def __init__(self, year: int) -> None:
        super().__init__(f"{year}年的节假日安排尚未录入，无法按工作日计算")
        self.year = year


class NoResultError(NotFoundError):
    code = "no_result"
    default_message = "本考次没有该课程的成绩"


class ReviewWindowClosedError(ConflictError):
    code = "review_window_closed"
    default_message = "本考次成绩复查申请时间已过"


class ReviewAlreadyRequestedError(ConflictError):
    code = "review_already_requested"
    default_message = "已申请复查该课程成绩"


class ReviewNotFoundError(NotFoundError):
    code = "review_not_found"
    default_message = "复查申请不存在"


class ReviewAlreadyAnsweredError(ConflictError):
    code = "review_already_answered"
    default_message = "该复查申请已答复"


class NoPassError(NotFoundError):
    code = "no_pass"
    default_message = "本考次该课程没有合格成绩"


class CertificateWindowClosedError(ConflictError):
    code = "certificate_window_closed"
    default_message = "本考次课程合格证书申请时间已过"


class CertificateAlreadyAppliedError(ConflictError):
    code = "certificate_already_applied"
    default_message = "已申请该课程的合格证书"


class CertificateApplicationNotFoundError(NotFoundError):
    code = "certificate_application_not_found"
    default_message = "证书申请不存在"


class CourseNotFoundError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__("courseCode", "课程不存在", code="course_not_found")


class AlreadyCreditedError(ConflictError):
    """The course already has an exemption (or a transfer) for the candidate."""

    code = "already_credited"
    default_message = "该课程已有免考（或转考）记录"


class ResultAlreadyCancelledError(ConflictError):
    code = "result_already_cancelled"
    default_message = "该成绩已被取消"


class ExamBannedUntilError(ExamBannedError):
    """A violation's ban: no sign-up up to and including `until_sitting`."""

    def __init__(self, until_sitting: str) -> None:
        super().__init__(f"因违规处理，{until_sitting}考次（含）之前不能报考")
        self.until_sitting = until_sitting


class AbsenceLimitError(ConflictError):
    """The absence rule: absent from every course of the last sittings, few courses now."""

    code = "absence_limit"

    def __init__(self, maximum: int, sittings: int) -> None:
        super().__init__(f"因连续{sittings}个考次报考课程全部缺考，本考次最多报考{maximum}门课程")
        self.maximum = maximum
        self.sittings = sittings


class NotEligibleError(ConflictError):
    """The graduation audit finds something missing; `missing` lists every item."""

    code = "not_eligible"
    default_message = "尚未满足毕业条件"

    def __init__(self, missing: Sequence[object]) -> None:
        super().__init__()
        self.missing = list(missing)


class GraduationWindowClosedError(ConflictError):
    code = "graduation_window_closed"
    default_message = "当前不在毕业申请时间内"


class GraduationAlreadyAppliedError(ConflictError):
    code = "graduation_already_applied"
    default_message = "已提交毕业申请（或已毕业）"


class GraduationApplicationNotFoundError(NotFoundError):
    code = "application_not_found"
    default_message = "毕业申请不存在"


class GraduationDecidedError(ConflictError):
    code = "application_decided"
    default_message = "该毕业申请已处理"


class MajorGraduatedError(ConflictError):
    code = "major_graduated"
    default_message = "已在该专业毕业，不能再报考"


class MajorChangedError(ConflictError):
    code = "major_changed"
    default_message = "考生申请后已更换专业，请不予通过"


class AuditRunNotFoundError(NotFoundError):
    code = "audit_run_not_found"
    default_message = "毕业审核批次不存在"
