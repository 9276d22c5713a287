import pytest

from zikao_identity.password_policy import check_password, common_passwords
from zikao_kit.errors import InvalidInputError


def test_the_shipped_list_holds_ten_thousand_passwords() -> None:
    listed = common_passwords()
    assert len(listed) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= listed


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short", "password_too_short"),
        ("x" * 129, "password_too_long"),
        ("PassWord1", "password_too_common"),
        ("iloveyou", "password_too_common"),
        ("my500103199001011232pw", "password_contains_personal_data"),
        ("tel13800138000!", "password_contains_personal_data"),
        ("x010326100001x", "password_contains_personal_data"),
    ],
)
def test_refusals_name_the_field_and_never_quote_the_password(password: str, code: str) -> None:
    personal = ("500103199001011232", "13800138000", "010326100001")
    with pytest.raises(InvalidInputError) as raised:
        check_password(password, field="newPassword", personal=personal)
    assert (raised.value.field, raised.value.code) == ("newPassword", code)
    assert password not in raised.value.message


@pytest.mark.parametrize(
    "password", ["correct horse battery", "aaaaaaaa1", "密码是一句很长的中文话", "x" * 128]
)
def test_no_composition_rules(password: str) -> None:
    check_password(password, personal=("500103199001011232", None))


def test_personal_data_compares_without_case() -> None:
    with pytest.raises(InvalidInputError):
        check_password("abc11010519491231002xyz", personal=("11010519491231002X",))
