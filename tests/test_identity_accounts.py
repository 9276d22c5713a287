"""Identity end to end, through the gateway, with the contract's own operations: registration,
log-in, Me, password change, sessions, recovery, the e-mailed reset link (real worker and
SMTP sink), staff work; and none of the secrets used in any process's log."""

from __future__ import annotations

import asyncio
import base64
import email
import io
import json
import re
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract import client_operations
from e2e import RunningSystem, graphql
from graphql import print_ast
from PIL import Image

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role

OPERATIONS = {op.name: print_ast(op.document) for op in client_operations()}
ANSWER = "解放碑小学"
EMAIL = "zhao.e2e@example.com"
USED_SECRETS: set[str] = {ANSWER, EMAIL}  # every secret these tests send: none may reach a log


def fresh_id_number() -> str:
    """A valid ID number no other test session uses (they share nothing but the servers)."""
    born = date(1970, 1, 1) + timedelta(days=secrets.randbelow(12_000))
    number = an_id_number(secrets.randbelow(1000), born=f"{born:%Y%m%d}", region="500103")
    USED_SECRETS.add(number)
    return number


def fresh_phone() -> str:
    phone = f"13{secrets.randbelow(10**9):09d}"
    USED_SECRETS.add(phone)
    return phone


async def call(
    client: httpx.AsyncClient,
    zikao: RunningSystem,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Any:
    response = await graphql(client, zikao.url, OPERATIONS.get(query, query), variables, token)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def captcha(client: httpx.AsyncClient, zikao: RunningSystem) -> dict[str, str]:
    issued = (await call(client, zikao, "NewCaptcha"))["newCaptcha"]
    return {"id": issued["id"], "answer": "TEST"}


async def register(
    client: httpx.AsyncClient, zikao: RunningSystem, password: str, **extra: Any
) -> tuple[dict[str, Any], str]:
    number = fresh_id_number()
    USED_SECRETS.add(password)
    data = {
        "name": "赵端到端",
        "idNumber": number,
        "phone": fresh_phone(),
        "password": password,
        "regionCode": "0103",
        "securityQuestion": "我的小学",
        "securityAnswer": ANSWER,
        "captcha": await captcha(client, zikao),
        **extra,
    }
    done = (await call(client, zikao, "RegisterCandidate", {"input": data}))["registerCandidate"]
    assert done["__typename"] == "CandidateRegistered", done
    return done, number


async def log_in(
    client: httpx.AsyncClient, zikao: RunningSystem, login: str, password: str
) -> dict[str, Any]:
    variables = {"login": login, "password": password, "captcha": await captcha(client, zikao)}
    session: dict[str, Any] = (await call(client, zikao, "LogIn", variables))["logIn"]
    if session["__typename"] == "LoggedIn":
        USED_SECRETS.update((session["accessToken"], session["refreshToken"]))
    return session


async def test_register_log_in_me_change_password_log_in_again(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    registered, number = await register(client, zikao, "first secret of mine")
    ticket = registered["ticketNumber"]
    assert registered["candidate"]["maskedIdNumber"] == f"{number[:4]}{'*' * 10}{number[-4:]}"
    assert registered["candidate"]["region"] == {"code": "0103", "name": "渝中区"}

    session = await log_in(client, zikao, number, "first secret of mine")
    assert session["__typename"] == "LoggedIn"
    me = (await call(client, zikao, "Me", token=session["accessToken"]))["me"]
    assert me["ticketNumber"] == ticket
    assert me["maskedIdNumber"] == registered["candidate"]["maskedIdNumber"]
    assert me["hasPhoto"] is False

    USED_SECRETS.add("second secret of mine")
    changes = {
        "oldPassword": "first secret of mine",
        "newPassword": "second secret of mine",
        "confirmPassword": "second secret of mine",
    }
    changed = await call(client, zikao, "ChangePassword", changes, session["accessToken"])
    assert changed["changePassword"]["__typename"] == "PasswordChanged"
    refused = await call(client, zikao, "RefreshSession", {"refreshToken": session["refreshToken"]})
    assert refused["refreshSession"]["__typename"] == "Unauthenticated"
    old = await log_in(client, zikao, ticket, "first secret of mine")
    assert (old["__typename"], old["code"]) == ("Unauthenticated", "invalid_credentials")
    again = await log_in(client, zikao, ticket, "second secret of mine")
    assert again["__typename"] == "LoggedIn"

    renewed = await call(client, zikao, "RefreshSession", {"refreshToken": again["refreshToken"]})
    renewed = renewed["refreshSession"]
    assert renewed["__typename"] == "LoggedIn"
    USED_SECRETS.update((renewed["accessToken"], renewed["refreshToken"]))
    out = await call(client, zikao, "LogOut", token=renewed["accessToken"])
    assert out["logOut"]["__typename"] == "LoggedOut"
    ended = await call(client, zikao, "RefreshSession", {"refreshToken": renewed["refreshToken"]})
    assert ended["refreshSession"]["__typename"] == "Unauthenticated"


async def test_bad_input_is_a_typed_problem_naming_the_field(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    issued = (await call(client, zikao, "NewCaptcha"))["newCaptcha"]
    png = base64.b64decode(issued["image"].removeprefix("data:image/png;base64,"))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
    number = fresh_id_number()
    base = {
        "name": "钱端到端",
        "idNumber": number,
        "phone": fresh_phone(),
        "password": "a fine secret here",
        "regionCode": "0103",
        "securityQuestion": "问",
        "securityAnswer": "答",
    }
    cases = [
        ({"captcha": {"id": issued["id"], "answer": "WRONG"}}, "captcha"),
        ({"idNumber": number[:-1] + ("0" if number[-1] != "0" else "1")}, "idNumber"),
        ({"phone": "12345"}, "phone"),
        ({"password": "password1"}, "password"),
        ({"regionCode": "9999"}, "regionCode"),
    ]
    for change, field in cases:
        data = {"captcha": await captcha(client, zikao), **base, **change}
        answer = await call(client, zikao, "RegisterCandidate", {"input": data})
        problem = answer["registerCandidate"]
        assert (problem["__typename"], problem["field"]) == ("InvalidInput", field)
    data = {**base, "captcha": await captcha(client, zikao)}
    done = await call(client, zikao, "RegisterCandidate", {"input": data})
    assert done["registerCandidate"]["__typename"] == "CandidateRegistered"  # nothing was written


async def test_recover_the_ticket_number_and_reset_the_password_by_email(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    registered, number = await register(client, zikao, "forgotten secret one", email=EMAIL)
    ticket = registered["ticketNumber"]
    recovered = await call(
        client,
        zikao,
        "RecoverTicketNumber",
        {"name": "赵端到端", "idNumber": number, "captcha": await captcha(client, zikao)},
    )
    assert recovered["recoverTicketNumber"]["ticketNumber"] == ticket
    variables = {
        "ticketNumber": ticket,
        "idNumber": number,
        "captcha": await captcha(client, zikao),
    }
    started = (await call(client, zikao, "StartPasswordReset", variables))["startPasswordReset"]
    assert (started["securityQuestion"], started["maskedEmail"]) == ("我的小学", "z***@example.com")
    USED_SECRETS.add(started["resetId"])
    sent = await call(client, zikao, "SendPasswordResetEmail", {"resetId": started["resetId"]})
    assert sent["sendPasswordResetEmail"]["maskedEmail"] == "z***@example.com"

    token = await reset_token_from_mail(zikao, EMAIL)
    USED_SECRETS.update((token, "new secret by mail"))
    reset = await call(
        client,
        zikao,
        "ResetPasswordWithToken",
        {"token": token, "newPassword": "new secret by mail"},
    )
    assert reset["resetPasswordWithToken"]["__typename"] == "PasswordChanged"
    assert (await log_in(client, zikao, ticket, "new secret by mail"))["__typename"] == "LoggedIn"


async def reset_token_from_mail(zikao: RunningSystem, address: str) -> str:
    """Waits for the identity worker's mail in the SMTP sink's folder; its link's token."""
    folder = mail_folder(zikao)
    for _ in range(100):
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] == address:
                payload = message.get_payload(decode=True)
                assert isinstance(payload, bytes)
                found = re.search(r"#token=([A-Za-z0-9_-]+)", payload.decode())
                assert found is not None
                return found.group(1)
        await asyncio.sleep(0.1)
    raise AssertionError("no reset mail arrived within 10 s")


def mail_folder(zikao: RunningSystem) -> Path:
    for line in zikao.log("mailsink").splitlines():
        if line.startswith("{") and "mail sink listening" in line:
            return Path(json.loads(line)["folder"])
    raise AssertionError("the mail sink never said where it writes")


async def test_staff_work_on_a_candidate_of_their_region(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    registered, number = await register(client, zikao, "staff test candidate pw")
    ticket = registered["ticketNumber"]
    staff = zikao.token("e2e-staff", Role.STAFF, "0103")
    found = await call(
        client, zikao, "query($t: String!) { candidateByTicketNumber(ticketNumber: $t) { id } }",
        {"t": ticket}, staff,
    )  # fmt: skip
    candidate_id = found["candidateByTicketNumber"]["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (358, 441), (230, 230, 250)).save(buffer, format="JPEG")
    upload = """mutation($id: ID!, $c: String!) { uploadCandidatePhoto(candidateId: $id,
      contentBase64: $c) { __typename ... on PhotoUploaded { candidate { hasPhoto } } } }"""
    photo = base64.b64encode(buffer.getvalue()).decode()
    uploaded = await call(client, zikao, upload, {"id": candidate_id, "c": photo}, staff)
    assert uploaded["uploadCandidatePhoto"]["candidate"] == {"hasPhoto": True}
    reveal = """mutation($id: ID!) { revealIdNumber(candidateId: $id, reason: "现场核验") {
      __typename ... on IdNumberRevealed { idNumber } ... on Problem { code } } }"""
    other = zikao.token("e2e-other", Role.STAFF, "0106")
    refused = await call(client, zikao, reveal, {"id": candidate_id}, other)
    assert refused["revealIdNumber"]["code"] == "not_found"
    revealed = await call(client, zikao, reveal, {"id": candidate_id}, staff)
    assert revealed["revealIdNumber"]["idNumber"] == number
    audit = await call(
        client, zikao, "{ auditLog(limit: 20) { actor action candidateId reason } }",
        token=zikao.token("e2e-auditor", Role.AUDITOR),
    )  # fmt: skip
    assert {
        "actor": "e2e-staff",
        "action": "reveal_id_number",
        "candidateId": candidate_id,
        "reason": "现场核验",
    } in audit["auditLog"]

    service = """mutation { serviceToken(clientId: "documents",
      clientSecret: "dev-only-documents-service-secret") {
      __typename ... on ServiceTokenIssued { accessToken } } }"""
    service_token = (await call(client, zikao, service))["serviceToken"]["accessToken"]
    USED_SECRETS.add(service_token)
    read = await call(
        client, zikao,
        "query($t: String!) { candidateByTicketNumber(ticketNumber: $t) { photo { mediaType } } }",
        {"t": ticket}, service_token,
    )  # fmt: skip
    assert read["candidateByTicketNumber"]["photo"] == {"mediaType": "image/jpeg"}


@pytest.mark.parametrize(
    "process",
    ["identity", "records", "documents", "worker", "identity-worker", "mailsink", "gateway"],
)
def test_no_secret_in_any_log(zikao: RunningSystem, process: str) -> None:
    """Runs after the tests above (file order): nothing they sent shows up in a log."""
    assert len(USED_SECRETS) > 10, "the tests above must run first (they record their secrets)"
    text = zikao.log(process)
    leaked = [s for s in USED_SECRETS if s in text]
    assert leaked == []
