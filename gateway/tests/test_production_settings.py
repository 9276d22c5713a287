"""Settings unsafe in production are refused at start, each named in the message."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from zikao_gateway.settings import GatewaySettings
from zikao_gateway.testing import LIBRARY_SUPERGRAPH

IDENTITY = "http://identity:8001/graphql"


def production(**settings: Any) -> GatewaySettings:
    settings.setdefault("identity_url", IDENTITY)
    return GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, env="production", **settings)


def test_the_defaults_are_fit_for_production() -> None:
    settings = production()
    assert settings.trusted_documents_only
    assert settings.rate_limits
    assert not settings.graphiql_enabled


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"max_aliases": 0}, "GATEWAY_MAX_ALIASES=0"),
        ({"max_depth": 0}, "GATEWAY_MAX_DEPTH=0"),
        ({"max_selections": 0}, "GATEWAY_MAX_SELECTIONS=0"),
        ({"max_root_fields": 0}, "GATEWAY_MAX_ROOT_FIELDS=0"),
        ({"max_tokens": 0}, "GATEWAY_MAX_TOKENS=0"),
        ({"max_body_bytes": 0}, "GATEWAY_MAX_BODY_BYTES=0"),
        ({"graphiql": True}, "ZIKAO_GRAPHIQL=true"),
        ({"rate_limits": False}, "GATEWAY_RATE_LIMITS=false"),
        ({"trusted_documents": False}, "GATEWAY_TRUSTED_DOCUMENTS=false"),
    ],
)
def test_unsafe_settings_are_refused(setting: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        production(**setting)
    GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, env="development", **setting)  # allowed


def test_production_names_its_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "GATEWAY_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="REDIS_URL is not set"):
        production()
    assert production(redis_url="redis://redis:6379/0").rate_limits


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"identity_url": None, "jwks_url": None}, "neither ZIKAO_JWKS_URL nor IDENTITY_URL"),
        ({"jwks_url": "http://127.0.0.1:8001/.well-known/jwks.json"}, "development default"),
        ({"identity_url": "http://127.0.0.1:8001/graphql"}, "development default"),
    ],
)
def test_production_finds_identitys_keys_elsewhere(
    monkeypatch: pytest.MonkeyPatch, keys: dict[str, Any], named: str
) -> None:
    for name in ("ZIKAO_JWKS_URL", "GATEWAY_JWKS_URL", "IDENTITY_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match=named):
        production(**keys)
