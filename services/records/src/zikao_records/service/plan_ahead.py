"""The way to graduation (毕业规划): which courses to sign up for in the next open sitting, and how
many sittings graduation takes at best.

Pure arithmetic over what the audit found missing. The next sitting's timetable is known (each
offered course has its slot); later ones are not published yet, so "at best" assumes each later
sitting examines every course still needed, in different slots, up to the sitting's maximum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Option:
    """A course the plan still asks for (or may use, for electives)."""

    code: str
    name: str
    credits: int


@dataclass(frozen=True)
class ElectiveNeed:
    """Electives still short: `credits` more credits, or `courses` more courses, out of
    `options` (the group's courses not passed yet). A need of the whole plan has no group."""

    group: str | None
    options: tuple[Option, ...]
    credits: int = 0
    courses: int = 0


@dataclass(frozen=True)
class NextSitting:
    """The next open sitting's timetable: the slot of each course it examines."""

    slots: Mapping[str, str]
    max_courses: int


@dataclass(frozen=True)
class PlanAhead:
    courses: tuple[Option, ...]  # for the next sitting, required ones first
    to_take: tuple[Option, ...]  # every course still to pass, the next sitting's included
    sittings_at_best: int  # the next sitting included; 0 once nothing is left to pass


def choose_electives(
    needs: Sequence[ElectiveNeed], *, chosen: Iterable[Option] = (), prefer: frozenset[str]
) -> list[Option]:
    """The fewest electives that meet every need, groups first, then the plan's overall credits
    (a course chosen for a group counts for the plan too). Largest credits first is the fewest
    courses for a credit minimum; among equals, courses of `prefer` (the next sitting's) first."""
    taken: dict[str, Option] = {option.code: option for option in chosen}
    picked: list[Option] = []
    for need in sorted(needs, key=lambda n: n.group is None):  # groups before the plan's need
        options = list(need.options)
        have_credits = sum(taken[o.code].credits for o in options if o.code in taken)
        have_courses = sum(1 for o in options if o.code in taken)
        if need.group is None:  # the plan's credits: every elective chosen so far counts
            have_credits = sum(o.credits for o in picked)
        rest = sorted(
            (o for o in options if o.code not in taken),
            key=lambda o: (-o.credits, o.code not in prefer, o.code),
        )
        for option in rest:
            if have_credits >= need.credits and have_courses >= need.courses:
                break
            taken[option.code] = option
            picked.append(option)
            have_credits += option.credits
            have_courses += 1
    return picked


def next_courses(
    mandatory: Sequence[Option], electives: Sequence[Option], sitting: NextSitting
) -> list[Option]:
    """The most courses the next sitting can examine, one per slot and at most its maximum:
    required (and practice, thesis, added) courses before electives, then by code."""
    ranked = [(0, o) for o in sorted(mandatory)] + [(1, o) for o in sorted(electives)]
    per_slot: dict[str, tuple[int, Option]] = {}
    for rank, option in ranked:
        slot = sitting.slots.get(option.code)
        if slot is not None and slot not in per_slot:
            per_slot[slot] = (rank, option)
    best = sorted(per_slot.values())[: max(sitting.max_courses, 0)]
    return [option for _, option in best]


def plan_ahead(
    mandatory: Iterable[Option], needs: Sequence[ElectiveNeed], sitting: NextSitting
) -> PlanAhead:
    """The next sitting's courses and the sittings to graduation at best."""
    required = sorted(set(mandatory))
    electives = choose_electives(needs, prefer=frozenset(sitting.slots))
    to_take = required + sorted(electives)
    if not to_take:
        return PlanAhead((), (), 0)
    courses = next_courses(required, electives, sitting)
    per_sitting = max(sitting.max_courses, 1)
    later = math.ceil((len(to_take) - len(courses)) / per_sitting)
    return PlanAhead(tuple(courses), tuple(to_take), 1 + later)
