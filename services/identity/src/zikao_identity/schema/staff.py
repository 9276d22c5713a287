# mypy: disallow-untyped-decorators=False
"""Staff, admins, auditors and internal services: log-in, accounts, audited work on records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_identity import models
from zikao_identity.schema.accounts import LoggedIn, LogInResult
from zikao_identity.schema.candidate import Candidate
from zikao_identity.schema.common import (
    CaptchaInput,
    Problems,
    answer,
    check_captcha,
    deps,
)
from zikao_identity.service import clients, login, photos, staff
from zikao_kit.auth import Role
from zikao_kit.context import Context
from zikao_kit.errors import InvalidInputError, NotFoundError

STAFF_WORK = staff.STAFF_WORK


@strawberry.enum
class StaffRole(Enum):
    STAFF = "staff"
    ADMIN = "admin"
    AUDITOR = "auditor"


@strawberry.input
class CreateStaffInput:
    username: str
    name: str
    role: StaffRole
    password: str
    region_code: str | None = strawberry.field(default=None, description="required for STAFF")


@strawberry.type
class StaffMember:
    id: strawberry.ID
    username: str
    name: str
    role: StaffRole
    region_code: str | None

    @classmethod
    def from_model(cls, account: models.StaffAccount) -> StaffMember:
        return cls(
            id=strawberry.ID(str(account.id)),
            username=account.username,
            name=account.name,
            role=StaffRole(account.role),
            region_code=account.region_code,
        )


@strawberry.type
class StaffCreated:
    staff: StaffMember


@strawberry.type
class ServiceTokenIssued:
    access_token: str
    expires_at: datetime


@strawberry.type
class IdNumberRevealed:
    candidate_id: strawberry.ID
    id_number: str


@strawberry.type
class PhotoUploaded:
    candidate: Candidate
    media_type: str
    width: int
    height: int


@strawberry.type
class TicketReissued:
    candidate: Candidate


ServiceTokenResult = Annotated[
    ServiceTokenIssued | Problems, strawberry.union("ServiceTokenResult")
]
CreateStaffResult = Annotated[StaffCreated | Problems, strawberry.union("CreateStaffResult")]
RevealIdNumberResult = Annotated[
    IdNumberRevealed | Problems, strawberry.union("RevealIdNumberResult")
]
UploadPhotoResult = Annotated[PhotoUploaded | Problems, strawberry.union("UploadPhotoResult")]
ReissueTicketResult = Annotated[TicketReissued | Problems, strawberry.union("ReissueTicketResult")]


def _candidate_id(raw: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise InvalidInputError("candidateId", "考生编号格式不正确") from None


async def _entity(info: Info[Context, None], candidate_id: uuid.UUID) -> Candidate:
    found = await Candidate.resolve_reference(info, strawberry.ID(str(candidate_id)))
    if found is None:
        raise NotFoundError("考生不存在或不在您的管辖范围")
    return found


async def _staff_log_in(
    info: Info[Context, None], username: str, password: str, captcha: CaptchaInput
) -> LoggedIn:
    await check_captcha(info, captcha)
    async with info.context.db.begin() as session:
        issued = await login.log_in_staff(
            session,
            deps(info),
            username=username,
            password=password,
            client=info.context.client_address(),
        )
    return LoggedIn.of(issued)


async def _service_token(
    info: Info[Context, None], client_id: str, client_secret: str
) -> ServiceTokenIssued:
    issued = await clients.issue_service_token(
        deps(info), client_id, client_secret, client=info.context.client_address()
    )
    return ServiceTokenIssued(
        access_token=issued.token, expires_at=datetime.fromtimestamp(issued.expires_at, UTC)
    )


async def _create_staff(info: Info[Context, None], data: CreateStaffInput) -> StaffCreated:
    actor = info.context.require_principal(Role.ADMIN)
    new = staff.NewStaff(
        username=data.username,
        name=data.name,
        role=Role(data.role.value),
        region_code=data.region_code,
        password=data.password,
    )
    async with info.context.db.begin() as session:
        account = await staff.create_staff(session, deps(info).blocklist, actor, new)
    return StaffCreated(staff=StaffMember.from_model(account))


async def _reveal(
    info: Info[Context, None], raw_id: strawberry.ID, reason: str
) -> IdNumberRevealed:
    actor = info.context.require_principal(*STAFF_WORK)
    candidate_id = _candidate_id(raw_id)
    async with info.context.db.begin() as session:
        number = await staff.reveal_id_number(session, deps(info), actor, candidate_id, reason)
    return IdNumberRevealed(candidate_id=strawberry.ID(str(candidate_id)), id_number=number)


async def _upload(info: Info[Context, None], raw_id: strawberry.ID, content: str) -> PhotoUploaded:
    actor = info.context.require_principal(*STAFF_WORK)
    candidate_id = _candidate_id(raw_id)
    async with info.context.db.begin() as session:
        photo = await photos.upload_photo(
            session, deps(info).settings, actor, candidate_id, content
        )
    return PhotoUploaded(
        candidate=await _entity(info, candidate_id),
        media_type=photo.media_type,
        width=photo.width,
        height=photo.height,
    )


async def _reissue(
    info: Info[Context, None], raw_id: strawberry.ID, reason: str | None
) -> TicketReissued:
    actor = info.context.require_principal(*STAFF_WORK)
    candidate_id = _candidate_id(raw_id)
    async with info.context.db.begin() as session:
        await staff.reissue_ticket(session, actor, candidate_id, reason)
    return TicketReissued(candidate=await _entity(info, candidate_id))


@strawberry.type
class StaffMutation:
    @strawberry.mutation(description="Staff, admins and auditors log in with their username.")
    async def staff_log_in(
        self, info: Info[Context, None], username: str, password: str, captcha: CaptchaInput
    ) -> LogInResult:
        return await answer(_staff_log_in(info, username, password, captcha))

    @strawberry.mutation(description="Internal services: a service token by client credentials.")
    async def service_token(
        self, info: Info[Context, None], client_id: str, client_secret: str
    ) -> ServiceTokenResult:
        return await answer(_service_token(info, client_id, client_secret))

    @strawberry.mutation(description="Admins create staff, admin and auditor accounts.")
    async def create_staff(
        self, info: Info[Context, None], input: CreateStaffInput
    ) -> CreateStaffResult:
        return await answer(_create_staff(info, input))

    @strawberry.mutation(description="Staff see a full ID number; audited with the reason.")
    async def reveal_id_number(
        self, info: Info[Context, None], candidate_id: strawberry.ID, reason: str
    ) -> RevealIdNumberResult:
        return await answer(_reveal(info, candidate_id, reason))

    @strawberry.mutation(description="Staff upload a candidate's photo (JPEG or PNG, base64).")
    async def upload_candidate_photo(
        self, info: Info[Context, None], candidate_id: strawberry.ID, content_base64: str
    ) -> UploadPhotoResult:
        return await answer(_upload(info, candidate_id, content_base64))

    @strawberry.mutation(description="准考证补办: re-issue a lost ticket; the number stays.")
    async def reissue_ticket(
        self, info: Info[Context, None], candidate_id: strawberry.ID, reason: str | None = None
    ) -> ReissueTicketResult:
        return await answer(_reissue(info, candidate_id, reason))
