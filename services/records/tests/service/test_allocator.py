import uuid
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from zikao_records.service.allocator import RoomSpec, Seat, Seatable, SlotPlan, allocate_slot

REGIONS = ["0103", "0104", "0201", "0105"]
COURSES = ["03708", "03709", "00015", "00037"]
VENUES = [uuid.UUID(int=n) for n in range(1, 6)]


@st.composite
def signups(draw: st.DrawFn) -> list[Seatable]:
    count = draw(st.integers(0, 60))
    people = [uuid.UUID(int=10_000 + n) for n in range(draw(st.integers(1, 50)))]
    rows = []
    for n in range(count):
        region = draw(st.sampled_from([*REGIONS, None]))
        rows.append(
            Seatable(
                uuid.UUID(int=1_000_000 + n),
                draw(st.sampled_from(people)),
                draw(st.sampled_from(COURSES)),
                region,
            )
        )
    return rows


@st.composite
def rooms(draw: st.DrawFn) -> list[RoomSpec]:
    found = []
    for venue in draw(st.lists(st.sampled_from(VENUES), unique=True, max_size=5)):
        region = draw(st.sampled_from(REGIONS))
        for number in range(1, draw(st.integers(1, 4)) + 1):
            found.append(RoomSpec(venue, region, number, draw(st.integers(1, 6))))
    return found


def check_invariants(
    given_signups: list[Seatable], given_rooms: list[RoomSpec], plan: SlotPlan
) -> None:
    capacity = {(r.venue_id, r.number): r.seats for r in given_rooms}
    assert len(set(plan.seats.values())) == len(plan.seats), "a seat holds two people"
    for seat in plan.seats.values():
        assert 1 <= seat.seat <= capacity[seat.venue_id, seat.room], "no such seat"
    of = {s.registration_id: s for s in given_signups}
    seated_people = Counter(of[r].candidate_id for r in plan.seats)
    assert max(seated_people.values(), default=0) <= 1, "someone is seated twice"
    assert set(plan.seats).isdisjoint(plan.unseated)
    assert set(plan.seats) | set(plan.unseated) == set(of)
    people = {s.candidate_id for s in given_signups}
    if sum(capacity.values()) >= len(people):
        assert len(plan.seats) == len(people), "capacity sufficed but someone is not seated"


@settings(max_examples=100, deadline=None)
@given(signups(), rooms(), st.integers(0, 2**31))
def test_every_allocation_keeps_the_rules(
    given_signups: list[Seatable], given_rooms: list[RoomSpec], seed: int
) -> None:
    plan = allocate_slot(given_signups, given_rooms, {}, seed=seed, slot_key="s")
    check_invariants(given_signups, given_rooms, plan)
    assert plan.kept == 0
    assert plan.moved == 0


@settings(max_examples=100, deadline=None)
@given(signups(), rooms(), st.integers(0, 2**31))
def test_the_same_input_and_seed_give_the_same_seats(
    given_signups: list[Seatable], given_rooms: list[RoomSpec], seed: int
) -> None:
    first = allocate_slot(given_signups, given_rooms, {}, seed=seed, slot_key="s")
    reordered = list(reversed(given_signups))
    again = allocate_slot(reordered, list(reversed(given_rooms)), {}, seed=seed, slot_key="s")
    assert first.seats == again.seats


@settings(max_examples=100, deadline=None)
@given(signups(), rooms(), st.integers(0, 2**31))
def test_candidates_leave_their_region_only_when_its_rooms_are_full(
    given_signups: list[Seatable], given_rooms: list[RoomSpec], seed: int
) -> None:
    plan = allocate_slot(given_signups, given_rooms, {}, seed=seed, slot_key="s")
    region_of_venue = {r.venue_id: r.region_code for r in given_rooms}
    used = Counter(region_of_venue[s.venue_id] for s in plan.seats.values())
    seats_in = Counter()
    for room in given_rooms:
        seats_in[room.region_code] += room.seats
    of = {s.registration_id: s for s in given_signups}
    for registration, seat in plan.seats.items():
        home = of[registration].region_code
        if home is not None and region_of_venue[seat.venue_id] != home:
            assert used[home] == seats_in[home], f"{home} had a free seat"


@settings(max_examples=100, deadline=None)
@given(signups(), rooms(), st.integers(0, 2**31), st.data())
def test_re_running_after_late_changes_moves_only_what_must_move(
    given_signups: list[Seatable], given_rooms: list[RoomSpec], seed: int, data: st.DataObject
) -> None:
    first = allocate_slot(given_signups, given_rooms, {}, seed=seed, slot_key="s")
    same = allocate_slot(given_signups, given_rooms, first.seats, seed=seed + 1, slot_key="s")
    assert same.seats == first.seats
    assert (same.kept, same.moved) == (len(first.seats), 0)
    dropped = set(
        data.draw(st.lists(st.sampled_from(given_signups), max_size=10)) if given_signups else []
    )
    late = [
        Seatable(uuid.UUID(int=9_000_000 + n), uuid.UUID(int=90_000 + n), "03708", "0103")
        for n in range(data.draw(st.integers(0, 10)))
    ]
    changed = [s for s in given_signups if s not in dropped] + late
    second = allocate_slot(changed, given_rooms, first.seats, seed=seed, slot_key="s")
    check_invariants(changed, given_rooms, second)
    for registration, seat in first.seats.items():
        if registration in second.seats:
            assert second.seats[registration] == seat, "a seated sign-up moved"
    assert second.moved == 0


def test_a_removed_room_moves_its_candidates_and_no_one_else() -> None:
    venue = VENUES[0]
    people = [Seatable(uuid.UUID(int=n), uuid.UUID(int=100 + n), "03708", "0103") for n in range(6)]
    two_rooms = [RoomSpec(venue, "0103", 1, 3), RoomSpec(venue, "0103", 2, 3)]
    first = allocate_slot(people, two_rooms, {}, seed=7, slot_key="s")
    bigger = [RoomSpec(venue, "0103", 1, 3), RoomSpec(venue, "0103", 3, 10)]
    second = allocate_slot(people, bigger, first.seats, seed=7, slot_key="s")
    stayed = {r for r, s in first.seats.items() if s.room == 1}
    assert all(second.seats[r] == first.seats[r] for r in stayed)
    assert second.moved == 3
    assert {s.room for r, s in second.seats.items() if r not in stayed} == {3}


def test_rooms_fill_in_a_seeded_shuffled_order() -> None:
    venue = VENUES[0]
    people = [
        Seatable(uuid.UUID(int=n), uuid.UUID(int=100 + n), "03708", "0103") for n in range(30)
    ]
    room = [RoomSpec(venue, "0103", 1, 30)]
    one = allocate_slot(people, room, {}, seed=1, slot_key="s")
    two = allocate_slot(people, room, {}, seed=2, slot_key="s")
    by_id = [one.seats[p.registration_id].seat for p in people]
    assert by_id != list(range(1, 31)), "seats follow the sign-up order"
    assert one.seats != two.seats
    assert one.seats == allocate_slot(people, room, {}, seed=1, slot_key="s").seats
    assert Seat(venue, 1, 30) in one.seats.values()
