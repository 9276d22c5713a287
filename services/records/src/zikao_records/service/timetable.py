"""A sitting's timetable: which exam slot examines which course (pure rules, no SQL).

A slot is a start and an end; courses of identical times share one slot. Two different slots of
a sitting never overlap (a candidate could not sit both). A change names some courses and their
times; the others keep their slot. A course that has sign-ups keeps its slot (each sign-up names
the slot its course had, and seats are allocated by it), and a slot no course uses any more is
deleted: sign-ups never hold such a slot, since their course could not have left it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zikao_kit import clock
from zikao_kit.errors import InvalidInputError
from zikao_records.errors import SlotInUseError
from zikao_records.models import ExamSlot

Times = tuple[datetime, datetime]


@dataclass(frozen=True)
class Change:
    new_slots: list[dict[str, Any]]  # rows of exam_slot to add
    courses: list[dict[str, Any]]  # rows of sitting_course to upsert
    orphans: list[uuid.UUID]  # slots no course uses any more


def entries_of(entries: Sequence[tuple[str, datetime, datetime]]) -> dict[str, Times]:
    """Course code → its times; a course named twice, or a slot that does not end after it
    starts, is refused."""
    wanted: dict[str, Times] = {}
    for code, starts, ends in entries:
        if code in wanted:
            message = f"课程{code}在考试安排中出现了两次"
            raise InvalidInputError("entries", message, code="duplicate_course")
        if ends <= starts:
            raise InvalidInputError("entries", "考试结束时间须晚于开始时间")
        wanted[code] = (starts, ends)
    return wanted


def plan_change(
    sitting_code: str,
    *,
    slots: Sequence[ExamSlot],
    current: Mapping[str, uuid.UUID],
    wanted: Mapping[str, Times],
    signed_up: Collection[tuple[str, uuid.UUID]],
) -> Change:
    """What putting the `wanted` courses at their times changes in a sitting whose slots are
    `slots`, whose courses sit in `current`, and whose sign-ups name (course, slot) `signed_up`."""
    slot_at = {(s.starts_at, s.ends_at): s.id for s in slots}
    times_of = {s.id: (s.starts_at, s.ends_at) for s in slots}
    new_slots = []
    for times in dict.fromkeys(wanted.values()):
        if times not in slot_at:
            slot_id = slot_at[times] = uuid.uuid4()
            times_of[slot_id] = times
            new_slots.append(
                {
                    "id": slot_id,
                    "sitting_code": sitting_code,
                    "starts_at": times[0],
                    "ends_at": times[1],
                }
            )
    slot_of = dict(current) | {code: slot_at[times] for code, times in wanted.items()}
    held = set(signed_up)
    moved = sorted(
        code for code, slot in current.items() if slot_of[code] != slot and (code, slot) in held
    )
    if moved:
        raise SlotInUseError(moved)
    used = set(slot_of.values())
    ensure_apart({times_of[slot] for slot in used})
    orphans = [s.id for s in slots if s.id not in used]
    holding = sorted({code for code, slot in held if slot in set(orphans)})
    if holding:
        raise SlotInUseError(holding)
    courses = [
        {"sitting_code": sitting_code, "course_code": code, "slot_id": slot_of[code]}
        for code in wanted
    ]
    return Change(new_slots, courses, orphans)


def ensure_apart(times: Collection[Times]) -> None:
    """`InvalidInputError` (`overlapping_slots`) naming the first two of `times` that overlap."""
    ordered = sorted(times)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later[0] < earlier[1]:
            message = f"考试时间段重叠：{_shown(earlier)}与{_shown(later)}"
            raise InvalidInputError("entries", message, code="overlapping_slots")


def _shown(times: Times) -> str:
    starts, ends = (clock.in_beijing(moment) for moment in times)
    return f"{starts:%m月%d日 %H:%M}–{ends:%H:%M}"
