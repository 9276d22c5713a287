import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.audit import AuditCursor, AuditQuery, AuditRecord, merge

START = datetime(2026, 10, 24, tzinfo=UTC)


def _entry(minutes: int, service: str) -> AuditRecord:
    return AuditRecord(uuid.uuid4(), START + timedelta(minutes=minutes), service, "a", "staff", "x")


@given(
    pages=st.lists(
        st.lists(st.integers(min_value=0, max_value=10_000), max_size=20), min_size=1, max_size=3
    ),
    limit=st.integers(min_value=1, max_value=30),
)
def test_merge_keeps_the_newest_in_order(pages: list[list[int]], limit: int) -> None:
    built = [
        sorted((_entry(m, f"s{i}") for m in page), key=lambda e: (e.at, e.id), reverse=True)
        for i, page in enumerate(pages)
    ]
    merged = merge(built, limit)
    everything = sorted((e for p in built for e in p), key=lambda e: (e.at, e.id), reverse=True)
    assert merged == everything[:limit]


def test_queries_and_records_travel_unchanged() -> None:
    entry = _entry(5, "records")
    query = AuditQuery(
        actor="a", candidate_id=uuid.uuid4(), since=START, after=entry.cursor, limit=20
    )
    assert AuditQuery.from_json(query.to_json()) == query
    assert AuditRecord.from_json(entry.to_json()) == entry


@pytest.mark.parametrize("text", ["", "2026-10-24T00:00:00|x", "2026-10-24T00:00:00|" + "0" * 32])
def test_malformed_cursors_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every malformation is a ValueError
        AuditCursor.decode(text)


def test_page_size_is_bounded() -> None:
    assert AuditQuery.from_json({"limit": 10_000}).limit == 200
    assert AuditQuery.from_json({"limit": -3}).limit == 1
