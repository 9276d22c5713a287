import pytest

from zikao_identity.settings import IdentitySettings


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
