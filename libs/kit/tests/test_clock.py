from datetime import UTC, datetime

import pytest
from strawberry.exceptions import StrawberryInputCoercionError

from zikao_kit.clock import parse, serialize


def test_answers_are_beijing_time() -> None:
    assert serialize(datetime(2026, 10, 24, 1, 0, tzinfo=UTC)) == "2026-10-24T09:00:00+08:00"


def test_inputs_with_an_offset_become_utc() -> None:
    assert parse("2026-10-24T09:00:00+08:00") == datetime(2026, 10, 24, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2026-10-24T09:00:00", "2026-13-01T00:00Z", "x" * 100, 5])
def test_naive_or_malformed_times_are_refused(value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError):
        parse(value)
