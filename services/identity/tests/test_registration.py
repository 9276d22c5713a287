"""RegisterCandidate and NewCaptcha through identity's schema."""

import logging
from typing import Any

import pytest

from zikao_identity.testing import NEW_CAPTCHA, REGISTER, Gql, an_id_number, registration
from zikao_kit.auth import Principal, Role

ME = "{ me { ticketNumber name maskedIdNumber maskedPhone email gender hasPhoto } }"


async def _register(gql: Gql, id_number: str, answer: str = "TEST", **overrides: Any) -> Any:
    captcha = (await gql(NEW_CAPTCHA))["newCaptcha"]
    data = await gql(
        REGISTER, {"input": registration(id_number, captcha["id"], answer, **overrides)}
    )
    return data["registerCandidate"]


async def test_registration_gives_a_ticket_number_and_masked_data(gql: Gql) -> None:
    number = an_id_number(201, born="20000229")
    registered = await _register(gql, number, email="wang@example.com")
    assert registered["__typename"] == "CandidateRegistered"
    ticket = registered["ticketNumber"]
    assert len(ticket) == 12
    assert ticket.startswith("0106")
    assert registered["candidate"]["maskedIdNumber"] == number[:4] + "*" * 10 + number[-4:]
    me = Principal(registered["candidate"]["id"], Role.CANDIDATE)
    mine = (await gql(ME, principal=me))["me"]
    assert mine["maskedPhone"] == "137****5678"
    assert mine["email"] == "wang@example.com"


async def test_the_same_id_number_twice_points_to_recovery(gql: Gql) -> None:
    number = an_id_number(203)
    await _register(gql, number)
    again = await _register(gql, number.lower(), phone="13900000000")
    assert again["__typename"] == "Conflict"
    assert again["code"] == "id_number_registered"
    assert "找回准考证号" in again["message"]


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("name", {"name": "  "}),
        ("idNumber", {"idNumber": "500106199001012039"}),
        ("phone", {"phone": "+8613712345678"}),
        ("email", {"email": "not-an-address"}),
        ("password", {"password": "short"}),
        ("password", {"password": "password123"}),
        ("password", {"password": "pw13712345678"}),
        ("regionCode", {"regionCode": "9999"}),
        ("regionCode", {"regionCode": "abc"}),
        ("securityQuestion", {"securityQuestion": ""}),
        ("securityAnswer", {"securityAnswer": "   "}),
        ("captcha", {}),
    ],
)
async def test_each_bad_field_is_named_and_nothing_is_written(
    gql: Gql, field: str, overrides: dict[str, str]
) -> None:
    number = an_id_number(205)
    answer = "WRONG" if field == "captcha" else "TEST"
    refused = await _register(gql, number, answer, **overrides)
    assert refused["__typename"] == "InvalidInput"
    assert refused["field"] == field
    assert (await _register(gql, number))["__typename"] == "CandidateRegistered"


async def test_a_password_containing_the_ticket_number_is_refused(gql: Gql) -> None:
    first = await _register(gql, an_id_number(207))
    following = int(first["ticketNumber"]) + 1
    refused = await _register(gql, an_id_number(209), password=f"x{following:012d}x")
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "password")
    assert (await _register(gql, an_id_number(209)))["ticketNumber"] == f"{following:012d}"


async def test_no_personal_data_in_the_logs(gql: Gql, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = an_id_number(211)
    await _register(gql, number, password="a secret for the logs")
    await _register(gql, number, password="another secret here")
    text = caplog.text
    for secret in (number, "13712345678", "a secret for the logs", "沙坪坝"):
        assert secret not in text
