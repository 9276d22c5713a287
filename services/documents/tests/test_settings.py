import pytest

from zikao_documents.settings import DocumentsSettings


def test_production_refuses_the_development_key_and_public_url() -> None:
    with pytest.raises(ValueError, match="unsafe settings in production") as raised:
        DocumentsSettings(env="production")
    for name in ("DOCUMENTS_LINK_KEY", "DOCUMENTS_PUBLIC_URL"):
        assert name in str(raised.value)


def test_the_public_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_PUBLIC_URL", "https://files.zikao.example/")
    assert DocumentsSettings().download_base_url == "https://files.zikao.example"
