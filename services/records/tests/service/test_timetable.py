import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.errors import InvalidInputError
from zikao_records.errors import SlotInUseError
from zikao_records.models import ExamSlot
from zikao_records.service.timetable import Times, ensure_apart, entries_of, plan_change

DAY = datetime(2031, 4, 12, tzinfo=UTC)


def times(start: float, hours: float = 2.5) -> Times:
    starts = DAY + timedelta(hours=start)
    return starts, starts + timedelta(hours=hours)


def slot(at: Times) -> ExamSlot:
    return ExamSlot(id=uuid.uuid4(), sitting_code="2031-04", starts_at=at[0], ends_at=at[1])


def test_a_course_named_twice_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        entries_of([("03708", *times(1)), ("03708", *times(6))])
    assert refused.value.code == "duplicate_course"


def test_a_slot_ending_before_it_starts_is_refused() -> None:
    starts, ends = times(1)
    with pytest.raises(InvalidInputError):
        entries_of([("03708", ends, starts)])


def test_new_times_make_a_new_slot_and_an_unused_slot_goes() -> None:
    morning = slot(times(1))
    change = plan_change(
        "2031-04",
        slots=[morning],
        current={"03708": morning.id},
        wanted={"03708": times(6)},
        signed_up=set(),
    )
    [new] = change.new_slots
    assert (new["starts_at"], change.orphans) == (times(6)[0], [morning.id])
    assert change.courses == [
        {"sitting_code": "2031-04", "course_code": "03708", "slot_id": new["id"]}
    ]


def test_sign_ups_hold_their_course_s_slot() -> None:
    morning = slot(times(1))
    with pytest.raises(SlotInUseError) as refused:
        plan_change(
            "2031-04",
            slots=[morning],
            current={"03708": morning.id, "03709": morning.id},
            wanted={"03708": times(6)},
            signed_up={("03708", morning.id)},
        )
    assert refused.value.course_codes == ["03708"]


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)), max_size=8))
def test_slots_are_apart_exactly_when_no_two_different_ones_overlap(
    spans: list[tuple[int, int]],
) -> None:
    slots = {times(start / 2, hours / 2) for start, hours in spans}
    overlap = any(a != b and a[0] < b[1] and b[0] < a[1] for a in slots for b in slots)
    if overlap:
        with pytest.raises(InvalidInputError):
            ensure_apart(slots)
    else:
        ensure_apart(slots)
