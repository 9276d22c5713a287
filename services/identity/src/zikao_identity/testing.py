"""Builders of identity's data for tests (imported by name: test folders are not packages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.requests import Request

from zikao_identity import idnumber, models, service

TODAY = date(2026, 11, 25)
MakeCandidate = Callable[..., Awaitable[models.Candidate]]
Gql = Callable[..., Awaitable[Any]]


def http_request(peer: str, forwarded: str | None = None) -> Request:
    """A request from `peer` (with `X-Forwarded-For: forwarded`), for a resolver context."""
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": headers}
    return Request({**scope, "query_string": b"", "client": (peer, 50123)})


def an_id_number(sequence: int, born: str = "19900101", region: str = "500106") -> str:
    """A valid ID number (right check character) for tests."""
    first17 = f"{region}{born}{sequence:03d}"
    return first17 + idnumber.check_char(first17)


def new_candidate(id_number: str, **overrides: str | None) -> service.NewCandidate:
    fields: dict[str, str | None] = {
        "name": "王五",
        "id_number": id_number,
        "phone": "13712345678",
        "email": None,
        "password": "correct horse battery",
        "region_code": "0106",
        "security_question": "我的出生地",
        "security_answer": "沙坪坝",
    }
    fields.update(overrides)
    return service.NewCandidate(**fields)  # type: ignore[arg-type]


REGISTER = """mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) {
  __typename
  ... on CandidateRegistered { ticketNumber candidate { id name maskedIdNumber region { code } } }
  ... on InvalidInput { code message field }
  ... on Problem { code message } } }"""
LOG_IN = """mutation($login: String!, $password: String!, $captcha: CaptchaInput!) {
  logIn(login: $login, password: $password, captcha: $captcha) {
  __typename
  ... on LoggedIn { accessToken refreshToken expiresAt }
  ... on RateLimited { retryAfterSeconds }
  ... on InvalidInput { field }
  ... on Problem { code message } } }"""
NEW_CAPTCHA = "mutation { newCaptcha { id image expiresAt } }"


def registration(
    id_number: str, captcha_id: str, answer: str, **overrides: str | None
) -> dict[str, object]:
    """The `input` of RegisterCandidate for tests."""
    fields: dict[str, object] = {
        "name": "王五",
        "idNumber": id_number,
        "phone": "13712345678",
        "email": None,
        "password": "correct horse battery",
        "regionCode": "0106",
        "securityQuestion": "我的出生地",
        "securityAnswer": "沙坪坝",
        "captcha": {"id": captcha_id, "answer": answer},
    }
    fields.update(overrides)
    return fields


REFRESH = """mutation($t: String!) { refreshSession(refreshToken: $t) {
  __typename ... on LoggedIn { accessToken refreshToken } ... on Problem { code message } } }"""
LOG_OUT = "mutation { logOut { __typename ... on LoggedOut { at } ... on Problem { code } } }"
CHANGE_PASSWORD = """mutation($old: String!, $new: String!, $confirm: String!) {
  changePassword(oldPassword: $old, newPassword: $new, confirmPassword: $confirm) {
  __typename ... on PasswordChanged { changedAt }
  ... on InvalidInput { field } ... on Problem { code message } } }"""
RECOVER = """mutation($name: String!, $id: String!, $captcha: CaptchaInput!) {
  recoverTicketNumber(name: $name, idNumber: $id, captcha: $captcha) {
  __typename ... on TicketNumberRecovered { ticketNumber }
  ... on RateLimited { retryAfterSeconds } ... on Problem { code message } } }"""
START_RESET = """mutation($ticket: String!, $id: String!, $captcha: CaptchaInput!) {
  startPasswordReset(ticketNumber: $ticket, idNumber: $id, captcha: $captcha) {
  __typename ... on PasswordResetStarted { resetId securityQuestion maskedEmail }
  ... on RateLimited { retryAfterSeconds } ... on Problem { code message } } }"""
RESET_WITH_ANSWER = """mutation($reset: ID!, $answer: String!, $new: String!) {
  resetPasswordWithAnswer(resetId: $reset, answer: $answer, newPassword: $new) {
  __typename ... on PasswordChanged { changedAt }
  ... on InvalidInput { field } ... on Problem { code message } } }"""
SEND_RESET_EMAIL = """mutation($reset: ID!) { sendPasswordResetEmail(resetId: $reset) {
  __typename ... on PasswordResetEmailSent { maskedEmail } ... on Problem { code message } } }"""
RESET_WITH_TOKEN = """mutation($token: String!, $new: String!) {
  resetPasswordWithToken(token: $token, newPassword: $new) {
  __typename ... on PasswordChanged { changedAt }
  ... on InvalidInput { field } ... on Problem { code message } } }"""


def captcha_for(data: dict[str, Any]) -> dict[str, str]:
    """The CaptchaInput of a NewCaptcha answer, answered with the tests' answer."""
    return {"id": data["newCaptcha"]["id"], "answer": "TEST"}
