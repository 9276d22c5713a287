"""`python -m zikao_kit.serve`: how many server processes a service runs."""

from __future__ import annotations

import pytest

from zikao_kit.serve import MOST_WORKERS, workers


def test_each_service_reads_its_own_setting() -> None:
    environ = {"RECORDS_WORKERS": "2"}
    assert workers("zikao_records.app:create_app", environ) == 2
    assert workers("zikao_identity.app:create_app", environ) == 1
    assert workers("zikao_gateway.app:create_app", {"GATEWAY_WORKERS": "3"}) == 3


@pytest.mark.parametrize("raw", ["0", "-1", "two", "", str(MOST_WORKERS + 1), "1.5"])
def test_a_bad_count_stops_the_start_with_the_settings_name(raw: str) -> None:
    with pytest.raises(SystemExit, match="RECORDS_WORKERS"):
        workers("zikao_records.app:create_app", {"RECORDS_WORKERS": raw})
