from zikao_kit.db import Sessionmaker, utc_now
from zikao_records.demo import DEMO_CANDIDATE_ID, load_demo
from zikao_records.models import ResultSource, ResultStatus
from zikao_records.repository.seating import VenueRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.service import scope, scores
from zikao_records.settings import RecordsSettings


async def test_the_demo_opens_a_sitting_today_and_publishes_a_past_one(
    db: Sessionmaker, settings: RecordsSettings
) -> None:
    await load_demo(db, settings)
    await load_demo(db, settings)  # idempotent
    now = utc_now()
    async with db() as session:
        repository = SittingRepository(session)
        sittings = await repository.all()
        slots = await repository.slots([s.code for s in sittings])
    open_now = [s for s in sittings if s.registration_opens_at <= now < s.registration_closes_at]
    published = [s for s in sittings if s.scores_published_at and s.scores_published_at <= now]
    assert len(open_now) == 1
    assert len(published) == 1
    assert len(slots) == 8
    assert all(slot.starts_at.tzinfo is not None for slot in slots)
    async with db() as session:
        venues = VenueRepository(session)
        found = await venues.all()
        rooms = await venues.rooms(v.id for v in found)
    assert len(found) == 4
    assert len(rooms) == 40
    assert {r.seats for r in rooms} == {30}


async def test_the_demo_candidate_has_results_and_passes_in_the_published_sitting(
    db: Sessionmaker, settings: RecordsSettings
) -> None:
    await load_demo(db, settings)
    await load_demo(db, settings)  # idempotent: the same six results
    now = utc_now()
    async with db() as session:
        sittings = await SittingRepository(session).all()
        published = next(s.code for s in sittings if s.scores_published_at is not None)
        results = await scores.published_results(session, [(DEMO_CANDIDATE_ID, published)], now=now)
        passes = await scores.passed_courses(
            session, [DEMO_CANDIDATE_ID], now=now, validity_years=None
        )
        regions = await scope.candidate_regions(session, [DEMO_CANDIDATE_ID])
    shown = results[DEMO_CANDIDATE_ID, published]
    assert {(v.result.passed, v.result.status, v.result.source) for v in shown} == {
        (True, ResultStatus.NORMAL, ResultSource.EXAM),
        (False, ResultStatus.NORMAL, ResultSource.EXAM),
        (False, ResultStatus.ABSENT, ResultSource.EXAM),
        (True, ResultStatus.NORMAL, ResultSource.PRACTICE),
    }
    assert len(shown) == 5
    passed = {v.course.code: v.result.source for v in passes[DEMO_CANDIDATE_ID]}
    assert passed == {
        "03706": ResultSource.EXAM,
        "00041": ResultSource.EXAM,
        "90301": ResultSource.PRACTICE,
        "00012": ResultSource.EXEMPTION,
    }
    assert regions == {DEMO_CANDIDATE_ID: "0103"}
