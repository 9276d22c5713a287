import pytest
from pydantic import ValidationError

from zikao_identity.settings import IdentitySettings
from zikao_kit.settings import Environment, ServiceSettings


def test_development_defaults_are_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZIKAO_ENV", raising=False)
    settings = ServiceSettings()
    assert settings.env is Environment.DEVELOPMENT
    assert settings.graphiql_enabled


def test_production_refuses_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZIKAO_ENV", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL is the development default"):
        ServiceSettings()
    monkeypatch.setenv("DATABASE_URL", "postgresql://zikao@db/zikao")
    monkeypatch.setenv("ZIKAO_JWKS_URL", "http://identity:8001/.well-known/jwks.json")
    settings = ServiceSettings()
    assert settings.is_production
    assert not settings.graphiql_enabled
    with pytest.raises(ValidationError, match="IDENTITY_DATA_KEYS is the development key"):
        IdentitySettings()


def test_service_prefix_overrides_the_shared_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/zikao")
    assert IdentitySettings().database_url == "postgresql://shared/zikao"
    monkeypatch.setenv("IDENTITY_DATABASE_URL", "postgresql://own/identity")
    assert IdentitySettings().database_url == "postgresql://own/identity"
