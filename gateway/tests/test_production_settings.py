"""Settings unsafe in production are refused at start, each named in the message."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from zikao_gateway.settings import GatewaySettings
from zikao_gateway.testing import LIBRARY_SUPERGRAPH


def production(**settings: Any) -> GatewaySettings:
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
