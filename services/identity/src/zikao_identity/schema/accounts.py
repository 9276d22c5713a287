# mypy: disallow-untyped-decorators=False
"""Candidates' accounts: captcha, registration, log-in, sessions, password change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_identity import service
from zikao_identity.schema.candidate import Candidate
from zikao_identity.schema.common import (
    CaptchaInput,
    Problems,
    answer,
    check_captcha,
    deps,
    today,
)
from zikao_identity.service import login, recovery, sessions
from zikao_kit.context import Context
from zikao_kit.db import database_unavailable, utc_now


@strawberry.type(description="An image captcha for one form; it can be answered once.")
class Captcha:
    id: strawberry.ID
    image: str = strawberry.field(description="data: URL of a PNG")
    expires_at: datetime


@strawberry.input
class RegisterCandidateInput:
    name: str
    id_number: str
    phone: str = strawberry.field(description="mainland mobile number, 11 digits")
    password: str
    region_code: str = strawberry.field(description="4 digits: city + district")
    security_question: str
    security_answer: str
    captcha: CaptchaInput
    email: str | None = None


@strawberry.type
class CandidateRegistered:
    ticket_number: str
    candidate: Candidate


@strawberry.type
class LoggedIn:
    access_token: str
    refresh_token: str = strawberry.field(description="single use: refreshing replaces it")
    expires_at: datetime = strawberry.field(description="when the access token expires")

    @classmethod
    def of(cls, issued: sessions.IssuedSession) -> LoggedIn:
        return cls(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued.expires_at,
        )


@strawberry.type
class LoggedOut:
    at: datetime


@strawberry.type
class PasswordChanged:
    changed_at: datetime


RegisterCandidateResult = Annotated[
    CandidateRegistered | Problems, strawberry.union("RegisterCandidateResult")
]
LogInResult = Annotated[LoggedIn | Problems, strawberry.union("LogInResult")]
LogOutResult = Annotated[LoggedOut | Problems, strawberry.union("LogOutResult")]
PasswordChangeResult = Annotated[
    PasswordChanged | Problems, strawberry.union("PasswordChangeResult")
]


def _new_candidate(data: RegisterCandidateInput) -> service.NewCandidate:
    return service.NewCandidate(
        name=data.name,
        id_number=data.id_number,
        phone=data.phone,
        email=data.email,
        password=data.password,
        region_code=data.region_code,
        security_question=data.security_question,
        security_answer=data.security_answer,
    )


async def _register(info: Info[Context, None], data: RegisterCandidateInput) -> CandidateRegistered:
    found = deps(info)
    # The fields first, so that a typo does not use the captcha up nor count as an attempt.
    new = service.validate_new_candidate(_new_candidate(data), today(), found.blocklist)
    await check_captcha(info, data.captcha)
    client = info.context.client_address()
    await service.count_registration(found, new.id_number, client)
    try:
        async with info.context.db.begin() as session:
            candidate = await service.create_candidate(
                session, found.vault, new, today=today(), blocklist=found.blocklist
            )
    except Exception as error:
        if database_unavailable(error):
            await service.refund_registration(found, new.id_number, client)
        raise
    view = service.view_of(found.vault, candidate, has_photo=False)
    return CandidateRegistered(
        ticket_number=candidate.ticket_number, candidate=Candidate.from_view(view)
    )


async def _log_in(
    info: Info[Context, None], login_name: str, password: str, captcha: CaptchaInput
) -> LoggedIn:
    await check_captcha(info, captcha)
    async with info.context.db.begin() as session:
        issued = await login.log_in_candidate(
            session,
            deps(info),
            login=login_name,
            password=password,
            client=info.context.client_address(),
        )
    return LoggedIn.of(issued)


async def _refresh(info: Info[Context, None], refresh_token: str) -> LoggedIn:
    settings = deps(info).settings
    async with info.context.db.begin() as session:
        row = await sessions.rotate(session, refresh_token)
        if row is not None:
            grant = await sessions.current_grant(session, row)
            issued = await sessions.open_session(
                session,
                deps(info).signer,
                grant,
                access_minutes=settings.access_token_minutes,
                refresh_days=settings.refresh_token_days,
                family_id=row.family_id,
            )
    if row is None:  # a used token came back: its family is revoked now (committed above)
        raise sessions.SessionEndedError()
    return LoggedIn.of(issued)


async def _log_out(info: Info[Context, None]) -> LoggedOut:
    principal = info.context.require_principal()
    async with info.context.db.begin() as session:
        await sessions.end_sessions(session, principal.subject)
    return LoggedOut(at=utc_now())


async def _change_password(
    info: Info[Context, None], old_password: str, new_password: str, confirm_password: str
) -> PasswordChanged:
    candidate_id = info.context.require_principal().candidate_id
    async with info.context.db.begin() as session:
        changed_at = await recovery.change_password(
            session,
            deps(info),
            candidate_id=candidate_id,
            old_password=old_password,
            new_password=new_password,
            confirm_password=confirm_password,
        )
    return PasswordChanged(changed_at=changed_at)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="A new image captcha for a form.")
    async def new_captcha(self, info: Info[Context, None]) -> Captcha:
        issued = await deps(info).captchas.issue()
        return Captcha(
            id=strawberry.ID(issued.id), image=issued.image, expires_at=issued.expires_at
        )

    @strawberry.mutation(description="First registration: a new ticket number (准考证号).")
    async def register_candidate(
        self, info: Info[Context, None], input: RegisterCandidateInput
    ) -> RegisterCandidateResult:
        return await answer(_register(info, input))

    @strawberry.mutation(description="Log in with the ticket number or the ID number.")
    async def log_in(
        self, info: Info[Context, None], login: str, password: str, captcha: CaptchaInput
    ) -> LogInResult:
        return await answer(_log_in(info, login, password, captcha))

    @strawberry.mutation(description="A new session for a refresh token (which is used up).")
    async def refresh_session(self, info: Info[Context, None], refresh_token: str) -> LogInResult:
        return await answer(_refresh(info, refresh_token))

    @strawberry.mutation(description="Ends every session of the signed-in user.")
    async def log_out(self, info: Info[Context, None]) -> LogOutResult:
        return await answer(_log_out(info))

    @strawberry.mutation(description="Personal centre: old password, new, confirmation.")
    async def change_password(
        self,
        info: Info[Context, None],
        old_password: str,
        new_password: str,
        confirm_password: str,
    ) -> PasswordChangeResult:
        return await answer(_change_password(info, old_password, new_password, confirm_password))
