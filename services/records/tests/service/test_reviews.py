"""The review window's edge: the last working day counts until midnight Beijing time."""

import uuid
from datetime import date, datetime

import pytest

from zikao_kit import clock
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.errors import ReviewWindowClosedError
from zikao_records.service import reviews
from zikao_records.service.calendar import Windows
from zikao_records.testing import ZHUANKE, a_result, a_sitting, add

SITTING = "2026-10"
PUBLISHED = datetime(2026, 11, 2, 10, tzinfo=clock.BEIJING)  # a Monday


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=PUBLISHED), choice)
    await add(db, a_result(one, "03706", sitting=SITTING, score=52))
    return one


async def test_the_last_day_counts_until_midnight_beijing_time(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    """Published Monday 2 November 2026: the 5th working day after is Monday 9 November."""
    request = reviews.ReviewRequest(candidate, SITTING, "03706", None)
    windows = Windows(review_days=5)
    at_midnight = datetime(2026, 11, 10, 0, tzinfo=clock.BEIJING)
    async with db.begin() as session:
        with pytest.raises(ReviewWindowClosedError):
            await reviews.request_review(session, request, windows=windows, now=at_midnight)
    async with db.begin() as session:
        last_minute = datetime(2026, 11, 9, 23, 59, tzinfo=clock.BEIJING)
        view = await reviews.request_review(session, request, windows=windows, now=last_minute)
    assert view.review.deadline == date(2026, 11, 9)
