import pytest

from zikao_identity.settings import IdentitySettings, audit_sources


def test_production_refuses_the_test_captcha_answer_and_development_secrets() -> None:
    with pytest.raises(ValueError, match="unsafe settings in production") as raised:
        IdentitySettings(env="production", captcha_test_answer="TEST")
    message = str(raised.value)
    for name in (
        "IDENTITY_CAPTCHA_TEST_ANSWER",
        "IDENTITY_SERVICE_CLIENTS",
        "IDENTITY_RESET_LINK_URL",
        "IDENTITY_DATA_KEYS",
    ):
        assert name in message


def test_development_accepts_the_test_answer() -> None:
    assert IdentitySettings(captcha_test_answer="TEST").captcha_test_answer == "TEST"


def test_blank_smtp_credentials_mean_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_SMTP_USERNAME", "")
    monkeypatch.setenv("IDENTITY_SMTP_PASSWORD", "")
    settings = IdentitySettings()
    assert settings.smtp_username is None
    assert settings.smtp_password is None


def test_production_refuses_the_development_audit_sources() -> None:
    with pytest.raises(ValueError, match="IDENTITY_AUDIT_SOURCES"):
        IdentitySettings(env="production")


@pytest.mark.parametrize(
    "value",
    ["records", "records=ftp://x", "=http://x", "records=http://a,records=http://b"],
)
def test_malformed_audit_sources_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="audit sources"):
        IdentitySettings(audit_sources=value)


def test_audit_sources_parse() -> None:
    assert audit_sources(" records=http://r:8002/internal/audit , documents=https://d/a ,") == {
        "records": "http://r:8002/internal/audit",
        "documents": "https://d/a",
    }
    assert audit_sources("") == {}
