import pytest

from zikao_documents.settings import DocumentsSettings


def test_production_refuses_the_development_key_and_public_url() -> None:
    with pytest.raises(ValueError, match="unsafe settings in production") as raised:
        DocumentsSettings(env="production")
    for name in ("DOCUMENTS_LINK_KEY", "DOCUMENTS_PUBLIC_URL", "DOCUMENTS_SERVICE_CLIENT_SECRET"):
        assert name in str(raised.value)


def test_the_public_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_PUBLIC_URL", "https://files.zikao.example/")
    assert DocumentsSettings().download_base_url == "https://files.zikao.example"


def test_the_defaults_bring_a_killed_workers_document_back_well_within_a_minute() -> None:
    settings = DocumentsSettings()
    assert settings.rendering_lease_seconds + settings.sweep_every_seconds <= 30
    assert settings.sweep_pending_after_seconds + settings.sweep_every_seconds <= 30


def test_a_lease_must_outlast_a_job_and_the_sweep_period_divide_a_minute() -> None:
    with pytest.raises(ValueError, match="LEASE_SECONDS must exceed"):
        DocumentsSettings(rendering_lease_seconds=15, render_timeout_seconds=15)
    with pytest.raises(ValueError, match="must divide 60"):
        DocumentsSettings(sweep_every_seconds=7)
