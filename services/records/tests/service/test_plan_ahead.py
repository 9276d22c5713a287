"""`service/plan_ahead.py`: the next sitting's courses and the sittings to graduation."""

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from zikao_records.service.plan_ahead import (
    ElectiveNeed,
    NextSitting,
    Option,
    choose_electives,
    next_courses,
    plan_ahead,
)

CODES = [f"{n:05d}" for n in range(1, 40)]
options = st.builds(
    Option, code=st.sampled_from(CODES), name=st.just("课程"), credits=st.integers(1, 8)
).map(lambda o: Option(o.code, f"课程{o.code}", o.credits))
option_sets = st.lists(options, max_size=10, unique_by=lambda o: o.code)


@st.composite
def needs(draw: st.DrawFn) -> list[ElectiveNeed]:
    """A few groups (disjoint courses) and perhaps the plan's overall credits, each satisfiable."""
    pool = draw(st.lists(options, max_size=14, unique_by=lambda o: o.code))
    cuts = sorted(draw(st.lists(st.integers(0, len(pool)), max_size=3)))
    groups = [pool[a:b] for a, b in itertools.pairwise([0, *cuts, len(pool)])]
    found = []
    for number, group in enumerate(groups):
        if not group:
            continue
        if draw(st.booleans()):
            credits = draw(st.integers(0, sum(o.credits for o in group)))
            found.append(ElectiveNeed(f"G{number}", tuple(group), credits=credits))
        else:
            count = draw(st.integers(0, len(group)))
            found.append(ElectiveNeed(f"G{number}", tuple(group), courses=count))
    if pool and draw(st.booleans()):
        credits = draw(st.integers(0, sum(o.credits for o in pool)))
        found.append(ElectiveNeed(None, tuple(pool), credits=credits))
    return found


def met(need: ElectiveNeed, taken: set[str]) -> bool:
    chosen = [o for o in need.options if o.code in taken]
    return sum(o.credits for o in chosen) >= need.credits and len(chosen) >= need.courses


@given(needs(), st.frozensets(st.sampled_from(CODES)))
def test_the_chosen_electives_meet_every_need_and_come_from_its_courses(
    found: list[ElectiveNeed], prefer: frozenset[str]
) -> None:
    picked = choose_electives(found, prefer=prefer)
    codes = [o.code for o in picked]
    assert len(codes) == len(set(codes))
    allowed = {o.code for need in found for o in need.options}
    assert set(codes) <= allowed
    assert all(met(need, set(codes)) for need in found)


@given(option_sets, st.integers(0, 40))
def test_one_credit_need_takes_the_fewest_courses(pool: list[Option], wanted: int) -> None:
    credits = min(wanted, sum(o.credits for o in pool))
    need = ElectiveNeed(None, tuple(pool), credits=credits)
    picked = choose_electives([need], prefer=frozenset())
    fewest = next(
        size
        for size in range(len(pool) + 1)
        if any(sum(o.credits for o in c) >= credits for c in itertools.combinations(pool, size))
    )
    assert len(picked) == fewest


@st.composite
def timetables(draw: st.DrawFn) -> tuple[list[Option], list[Option], NextSitting]:
    pool = draw(st.lists(options, max_size=12, unique_by=lambda o: o.code))
    split = draw(st.integers(0, len(pool)))
    offered = draw(st.lists(st.sampled_from(pool), unique=True)) if pool else []
    slots = {o.code: draw(st.sampled_from(["S1", "S2", "S3", "S4", "S5"])) for o in offered}
    return pool[:split], pool[split:], NextSitting(slots, draw(st.integers(0, 6)))


@given(timetables())
def test_the_next_sitting_takes_the_most_courses_one_per_slot_required_first(
    case: tuple[list[Option], list[Option], NextSitting],
) -> None:
    mandatory, electives, sitting = case
    chosen = next_courses(mandatory, electives, sitting)
    slots = [sitting.slots[o.code] for o in chosen]
    assert len(slots) == len(set(slots))
    assert len(chosen) <= sitting.max_courses
    offered = [o for o in mandatory + electives if o.code in sitting.slots]
    offered_slots = {sitting.slots[o.code] for o in offered}
    assert len(chosen) == min(sitting.max_courses, len(offered_slots))
    chosen_mandatory = [o for o in chosen if o in mandatory]
    taken = {sitting.slots[o.code] for o in chosen_mandatory}
    for option in mandatory:
        if option.code in sitting.slots and option not in chosen:
            # left out only for another required course of its slot, or a full sitting of them
            assert sitting.slots[option.code] in taken or len(chosen_mandatory) == len(chosen)
    assert chosen == chosen_mandatory + [o for o in chosen if o not in mandatory]


def passed_after(found: list[ElectiveNeed], passed: set[str]) -> list[ElectiveNeed]:
    """The needs once the courses `passed` are passed, as the audit would find them again."""
    rest = []
    for need in found:
        done = [o for o in need.options if o.code in passed]
        credits = max(need.credits - sum(o.credits for o in done), 0)
        courses = max(need.courses - len(done), 0)
        options = tuple(o for o in need.options if o.code not in passed)
        if credits or courses:
            rest.append(ElectiveNeed(need.group, options, credits=credits, courses=courses))
    return rest


@given(option_sets, needs(), st.integers(1, 6))
def test_following_the_plan_and_passing_it_all_graduates_in_the_sittings_it_said(
    required: list[Option], found: list[ElectiveNeed], max_courses: int
) -> None:
    found_codes = {o.code for need in found for o in need.options}
    mandatory = [o for o in required if o.code not in found_codes]
    every = {o.code for o in mandatory} | found_codes
    # every later sitting examines every course, each in its own slot ("at best")
    timetable = NextSitting({code: code for code in every}, max_courses)
    first = plan_ahead(mandatory, found, timetable)
    sittings = 0
    plan = first
    while plan.to_take:
        passed = {o.code for o in plan.courses}
        assert passed, "each sitting of the plan passes something"
        mandatory = [o for o in mandatory if o.code not in passed]
        found = passed_after(found, passed)
        sittings += 1
        assert sittings <= len(every)
        plan = plan_ahead(mandatory, found, timetable)
    assert not mandatory  # eligible: nothing required and no elective short
    assert not passed_after(found, set())
    assert sittings == first.sittings_at_best
    assert first.sittings_at_best == math.ceil(len(first.to_take) / max_courses)
