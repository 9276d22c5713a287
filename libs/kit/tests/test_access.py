import uuid

from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.access import may_read_candidate, staff_region
from zikao_kit.auth import Principal, Role

CANDIDATE = uuid.uuid4()
YUZHONG, WANZHOU = "0103", "0101"


def _staff(region: str | None) -> Principal:
    return Principal(str(uuid.uuid4()), Role.STAFF, region)


def test_the_candidate_themself_and_no_other_candidate() -> None:
    me = Principal(str(CANDIDATE), Role.CANDIDATE, YUZHONG)
    other = Principal(str(uuid.uuid4()), Role.CANDIDATE, YUZHONG)
    assert may_read_candidate(me, CANDIDATE, YUZHONG)
    assert may_read_candidate(me, CANDIDATE, None)
    assert not may_read_candidate(other, CANDIDATE, YUZHONG)


def test_district_staff_read_their_region_only() -> None:
    assert may_read_candidate(_staff(YUZHONG), CANDIDATE, YUZHONG)
    assert not may_read_candidate(_staff(YUZHONG), CANDIDATE, WANZHOU)


def test_an_unknown_region_lets_no_district_staff_in() -> None:
    assert not may_read_candidate(_staff(YUZHONG), CANDIDATE, None)


def test_provincial_staff_admins_and_services_read_everyone() -> None:
    for principal in (
        _staff(None),
        Principal("admin", Role.ADMIN),
        Principal("documents-worker", Role.SERVICE),
    ):
        assert may_read_candidate(principal, CANDIDATE, WANZHOU)
        assert may_read_candidate(principal, CANDIDATE, None)


def test_auditors_read_the_audit_trail_not_candidates() -> None:
    assert not may_read_candidate(Principal("a", Role.AUDITOR), CANDIDATE, YUZHONG)


@given(
    role=st.sampled_from(list(Role)),
    staff_region=st.one_of(st.none(), st.sampled_from([YUZHONG, WANZHOU])),
    candidate_region=st.one_of(st.none(), st.sampled_from([YUZHONG, WANZHOU])),
)
def test_district_staff_never_cross_regions(
    role: Role, staff_region: str | None, candidate_region: str | None
) -> None:
    principal = Principal(str(uuid.uuid4()), role, staff_region)
    allowed = may_read_candidate(principal, CANDIDATE, candidate_region)
    if allowed and role is Role.STAFF and staff_region is not None:
        assert candidate_region == staff_region
    if role in (Role.CANDIDATE, Role.AUDITOR):
        assert not allowed


def test_staff_region() -> None:
    assert staff_region(_staff(YUZHONG)) == YUZHONG
    assert staff_region(_staff(None)) is None
    assert staff_region(Principal("admin", Role.ADMIN, YUZHONG)) is None
