"""Every string argument of identity's mutations, fed hostile text (10,000 characters, direction
marks, full-width forms, zero-width characters, emoji, anything else but NUL and lone
surrogates, which kit's guard refuses before GraphQL): the answer is a success or a typed
problem, never an error; a refused request changes no row; what an accepted one keeps is
visible, bounded text (phones and e-mail addresses in ASCII)."""

import base64
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_identity import idnumber, models, service, text
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.service import sessions
from zikao_identity.testing import MakeCandidate, an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

ANY_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
MARKS = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202e\u2066\u2069\u061c"
WIDE = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
EMOJI = ("😀", "👨‍👩‍👧", "🇨🇳", "🀄", "❤️", "🏳️‍🌈")
TABLES = (
    models.Candidate,
    models.CandidatePhoto,
    models.StaffAccount,
    models.RefreshToken,
    models.PasswordResetMail,
    models.AuditEntry,
)
PROBLEM = "__typename ... on Problem { code }"
FRESH = itertools.count(1)


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def hostile(base: str) -> st.SearchStrategy[str]:
    """`base` spoilt: any text, 10,000 characters, marks, full-width, emoji."""
    marked = st.builds(
        lambda at, mark: base[:at] + mark + base[at:],
        st.integers(0, len(base)),
        st.text(st.sampled_from(MARKS), min_size=1, max_size=3),
    )
    return st.one_of(
        st.text(ANY_TEXT, max_size=30),
        st.builds(lambda s: (s * 10_000)[:10_000], st.text(ANY_TEXT, min_size=1, max_size=3)),
        st.just((base or "x") * (10_000 // max(len(base), 1))),
        marked,
        st.just(_wide(base)),
        st.lists(st.sampled_from((*WIDE, *MARKS, *EMOJI)), min_size=1, max_size=20).map("".join),
        st.builds(lambda e: base + e, st.sampled_from(EMOJI)),
    )


@dataclass(frozen=True)
class Operation:
    field: str
    document: str
    variables: Callable[[dict[str, str]], dict[str, Any]]
    arguments: tuple[str, ...]
    principal: str | None = None


def _flat(*names: str) -> Callable[[dict[str, str]], dict[str, Any]]:
    return lambda values: {name: values[name] for name in names}


def _register(v: dict[str, str]) -> dict[str, Any]:
    fields = ("name", "idNumber", "phone", "password", "regionCode", "securityQuestion")
    data: dict[str, Any] = {name: v[name] for name in (*fields, "securityAnswer", "email")}
    return {"input": {**data, "captcha": {"id": v["captcha.id"], "answer": v["captcha.answer"]}}}


def _with_captcha(*names: str) -> Callable[[dict[str, str]], dict[str, Any]]:
    def build(v: dict[str, str]) -> dict[str, Any]:
        captcha = {"id": v["captcha.id"], "answer": v["captcha.answer"]}
        return {**{name: v[name] for name in names}, "captcha": captcha}

    return build


def _create_staff(v: dict[str, str]) -> dict[str, Any]:
    fields = ("username", "name", "password", "regionCode")
    return {"input": {**{name: v[name] for name in fields}, "role": "STAFF"}}


CAPTCHA = ("captcha.id", "captcha.answer")
S = "String!"
OPERATIONS = {
    op.field: op
    for op in (
        Operation(
            "registerCandidate",
            f"mutation($input: RegisterCandidateInput!) {{ registerCandidate(input: $input) {{ {PROBLEM} }} }}",  # noqa: E501
            _register,
            ("name", "idNumber", "phone", "password", "regionCode", "securityQuestion")
            + ("securityAnswer", "email", *CAPTCHA),
        ),
        Operation(
            "logIn",
            f"mutation($login: {S}, $password: {S}, $captcha: CaptchaInput!) {{"
            f" logIn(login: $login, password: $password, captcha: $captcha) {{ {PROBLEM} }} }}",
            _with_captcha("login", "password"),
            ("login", "password", *CAPTCHA),
        ),
        Operation(
            "refreshSession",
            f"mutation($refreshToken: {S}) {{ refreshSession(refreshToken: $refreshToken)"
            f" {{ {PROBLEM} }} }}",
            _flat("refreshToken"),
            ("refreshToken",),
        ),
        Operation(
            "changePassword",
            f"mutation($oldPassword: {S}, $newPassword: {S}, $confirmPassword: {S}) {{"
            " changePassword(oldPassword: $oldPassword, newPassword: $newPassword,"
            f" confirmPassword: $confirmPassword) {{ {PROBLEM} }} }}",
            _flat("oldPassword", "newPassword", "confirmPassword"),
            ("oldPassword", "newPassword", "confirmPassword"),
            "candidate",
        ),
        Operation(
            "recoverTicketNumber",
            f"mutation($name: {S}, $idNumber: {S}, $captcha: CaptchaInput!) {{"
            " recoverTicketNumber(name: $name, idNumber: $idNumber, captcha: $captcha)"
            f" {{ {PROBLEM} }} }}",
            _with_captcha("name", "idNumber"),
            ("name", "idNumber", *CAPTCHA),
        ),
        Operation(
            "startPasswordReset",
            f"mutation($ticketNumber: {S}, $idNumber: {S}, $captcha: CaptchaInput!) {{"
            " startPasswordReset(ticketNumber: $ticketNumber, idNumber: $idNumber,"
            f" captcha: $captcha) {{ {PROBLEM} }} }}",
            _with_captcha("ticketNumber", "idNumber"),
            ("ticketNumber", "idNumber", *CAPTCHA),
        ),
        Operation(
            "resetPasswordWithAnswer",
            f"mutation($resetId: ID!, $answer: {S}, $newPassword: {S}) {{"
            " resetPasswordWithAnswer(resetId: $resetId, answer: $answer,"
            f" newPassword: $newPassword) {{ {PROBLEM} }} }}",
            _flat("resetId", "answer", "newPassword"),
            ("resetId", "answer", "newPassword"),
        ),
        Operation(
            "sendPasswordResetEmail",
            f"mutation($resetId: ID!) {{ sendPasswordResetEmail(resetId: $resetId) {{ {PROBLEM} }} }}",  # noqa: E501
            _flat("resetId"),
            ("resetId",),
        ),
        Operation(
            "resetPasswordWithToken",
            f"mutation($token: {S}, $newPassword: {S}) {{ resetPasswordWithToken(token: $token,"
            f" newPassword: $newPassword) {{ {PROBLEM} }} }}",
            _flat("token", "newPassword"),
            ("token", "newPassword"),
        ),
        Operation(
            "staffLogIn",
            f"mutation($username: {S}, $password: {S}, $captcha: CaptchaInput!) {{"
            " staffLogIn(username: $username, password: $password, captcha: $captcha)"
            f" {{ {PROBLEM} }} }}",
            _with_captcha("username", "password"),
            ("username", "password", *CAPTCHA),
        ),
        Operation(
            "serviceToken",
            f"mutation($clientId: {S}, $clientSecret: {S}) {{ serviceToken(clientId: $clientId,"
            f" clientSecret: $clientSecret) {{ {PROBLEM} }} }}",
            _flat("clientId", "clientSecret"),
            ("clientId", "clientSecret"),
        ),
        Operation(
            "createStaff",
            f"mutation($input: CreateStaffInput!) {{ createStaff(input: $input) {{ {PROBLEM} }} }}",
            _create_staff,
            ("username", "name", "password", "regionCode"),
            "admin",
        ),
        Operation(
            "revealIdNumber",
            f"mutation($candidateId: ID!, $reason: {S}) {{ revealIdNumber(candidateId:"
            f" $candidateId, reason: $reason) {{ {PROBLEM} }} }}",
            _flat("candidateId", "reason"),
            ("candidateId", "reason"),
            "staff",
        ),
        Operation(
            "uploadCandidatePhoto",
            f"mutation($candidateId: ID!, $contentBase64: {S}) {{ uploadCandidatePhoto("
            f"candidateId: $candidateId, contentBase64: $contentBase64) {{ {PROBLEM} }} }}",
            _flat("candidateId", "contentBase64"),
            ("candidateId", "contentBase64"),
            "staff",
        ),
        Operation(
            "reissueTicket",
            f"mutation($candidateId: ID!, $reason: String) {{ reissueTicket(candidateId:"
            f" $candidateId, reason: $reason) {{ {PROBLEM} }} }}",
            _flat("candidateId", "reason"),
            ("candidateId", "reason"),
            "staff",
        ),
        Operation(
            "cancelMergedCandidate",
            f"mutation($candidateId: ID!, $keptId: ID!, $reason: {S}) {{ cancelMergedCandidate("
            f"candidateId: $candidateId, keptId: $keptId, reason: $reason) {{ {PROBLEM} }} }}",
            _flat("candidateId", "keptId", "reason"),
            ("candidateId", "keptId", "reason"),
            "admin",
        ),
    )
}


@pytest.fixture
async def world(
    make_candidate: MakeCandidate, db: Sessionmaker, deps: IdentityDeps
) -> dict[str, str]:
    """Right values for every argument: the baseline each example spoils."""
    number = an_id_number(701)
    candidate = await make_candidate(number, email="wang.wu@example.com")
    async with db.begin() as session:
        issued = await sessions.open_session(
            session,
            deps.signer,
            sessions.Grant(str(candidate.id), Role.CANDIDATE),
            access_minutes=5,
            refresh_days=1,
        )
    kept = await make_candidate(an_id_number(702))
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (90, 120, 150)).save(buffer, format="JPEG")
    return {
        "name": "王五",
        "idNumber": an_id_number(703),
        "phone": "13712345678",
        "password": "correct horse battery",
        "regionCode": "0106",
        "securityQuestion": "我的出生地",
        "securityAnswer": "沙坪坝",
        "email": "wang.wu@example.com",
        "login": candidate.ticket_number,
        "refreshToken": issued.refresh_token,
        "oldPassword": "correct horse battery",
        "newPassword": "a brand new secret",
        "confirmPassword": "a brand new secret",
        "ticketNumber": candidate.ticket_number,
        "resetId": await deps.resets.start(candidate.id),
        "answer": "沙坪坝",
        "token": "no such token",
        "username": "zhou.hostile",
        "clientId": "documents",
        "clientSecret": "dev-only-documents-service-secret",
        "candidateId": str(candidate.id),
        "candidate": str(candidate.id),
        "keptId": str(kept.id),
        "reason": "核对报名信息",
        "contentBase64": base64.b64encode(buffer.getvalue()).decode(),
    }


async def _rows(db: Sessionmaker) -> list[int]:
    async with db() as session:
        return [
            int((await session.execute(select(func.count()).select_from(t))).scalar_one())
            for t in TABLES
        ]


def _principal(kind: str | None, world: dict[str, str]) -> Principal | None:
    principals = {
        "candidate": Principal(world["candidate"], Role.CANDIDATE),
        "admin": Principal("admin-1", Role.ADMIN),
        "staff": Principal("staff-1", Role.STAFF, region_code="0106"),
    }
    return principals.get(kind) if kind else None


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_hostile_text_gets_a_typed_answer_and_changes_nothing_when_refused(
    name: str,
    data: st.DataObject,
    world: dict[str, str],
    db: Sessionmaker,
    redis: Redis,
    deps: IdentityDeps,
) -> None:
    operation = OPERATIONS[name]
    values = dict(world)
    fresh = next(FRESH)  # so that accepted registrations and accounts keep coming
    values |= {"idNumber": an_id_number(fresh, born="19851010"), "username": f"zhou{fresh}"}
    values["captcha.id"] = (await deps.captchas.issue()).id
    values["captcha.answer"] = "TEST"
    spoilt = data.draw(st.sets(st.sampled_from(operation.arguments), min_size=1, max_size=2))
    for argument in sorted(spoilt):
        values[argument] = data.draw(hostile(values[argument]), label=argument)
    principal = _principal(operation.principal, world)
    context = make_context(db, redis, deps.settings, principal, {"vault": deps.vault, "deps": deps})
    before = await _rows(db)
    result = await schema.execute(
        operation.document, operation.variables(values), context_value=context
    )
    assert result.errors is None, result.errors
    answer = result.data[operation.field]
    if "code" in answer:
        assert await _rows(db) == before, answer
    else:
        await _kept_text_is_clean(db, deps)


async def _kept_text_is_clean(db: Sessionmaker, deps: IdentityDeps) -> None:
    async with db() as session:
        candidates = (await session.execute(select(models.Candidate))).scalars().all()
        staff = (await session.execute(select(models.StaffAccount))).scalars().all()
        audit = (await session.execute(select(models.AuditEntry))).scalars().all()
    shown = [c.name for c in candidates] + [c.security_question for c in candidates]
    shown += [s.name for s in staff] + [e.reason or "" for e in audit]
    assert [t for t in shown if text.has_hidden(t) or len(t) > 200] == []
    for candidate in candidates:
        number, phone = service.personal_data(deps.vault, candidate)
        assert phone.isascii()
        assert idnumber.has_id_shape(number)
        assert (candidate.email or "").isascii()


def test_every_string_argument_of_every_mutation_is_fed() -> None:
    mutation = schema._schema.mutation_type
    assert mutation is not None
    fed = {(op.field, argument) for op in OPERATIONS.values() for argument in op.arguments}
    expected = set()
    for field, definition in mutation.fields.items():
        for argument, spec in definition.args.items():
            expected |= {(field, path) for path in _string_paths(argument, spec.type)}
    assert expected <= fed, expected - fed


def _string_paths(name: str, kind: Any) -> set[str]:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    if isinstance(kind, GraphQLScalarType):
        return {name} if kind.name in ("String", "ID") else set()
    if isinstance(kind, GraphQLInputObjectType):
        paths = set()
        for inner, field in kind.fields.items():
            prefix = "" if name == "input" else f"{name}."
            paths |= _string_paths(f"{prefix}{inner}", field.type)
        return paths
    return set()
