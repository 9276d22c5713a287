"""`service/sittings.py`: what of a sitting is published by now."""

from datetime import timedelta

from zikao_kit.db import utc_now
from zikao_records.service import sittings


def test_a_publication_time_shows_only_once_it_has_come() -> None:
    now = utc_now()
    assert sittings.published_by(now - timedelta(seconds=1), now) == now - timedelta(seconds=1)
    assert sittings.published_by(now + timedelta(seconds=1), now) is None
    assert sittings.published_by(None, now) is None
