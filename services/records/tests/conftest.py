import pytest

from zikao_records.settings import RecordsSettings


@pytest.fixture
def settings(database_url: str) -> RecordsSettings:
    return RecordsSettings(database_url=database_url)
