# mypy: disallow-untyped-decorators=False
"""`Candidate` (the entity), `me`, `regions`, and staff's look-up by ticket number."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from zikao_identity import models, service
from zikao_identity.crypto import Vault
from zikao_identity.repository import PhotoRepository, RegionRepository
from zikao_identity.service.staff import find_by_ticket_number
from zikao_kit.access import ensure_may_read_candidate
from zikao_kit.auth import Principal, Role
from zikao_kit.context import Context
from zikao_kit.errors import ForbiddenError, NotFoundError

SEARCHERS = (Role.STAFF, Role.ADMIN, Role.SERVICE)


@strawberry.enum(description="From the 17th digit of the ID number.")
class Gender(Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"


@strawberry.type(description="A district or county office where candidates register.")
class Region:
    code: str = strawberry.field(description="4 digits: city code + district code")
    name: str
    city: str

    @classmethod
    def from_model(cls, region: models.Region) -> Region:
        return cls(code=region.code, name=region.name, city=region.city)


@strawberry.type(description="A candidate's photo, for staff and internal services.")
class CandidatePhoto:
    media_type: str = strawberry.field(description="image/jpeg or image/png")
    content_base64: str
    width: int
    height: int

    @classmethod
    def from_model(cls, photo: models.CandidatePhoto) -> CandidatePhoto:
        content = base64.b64encode(photo.content).decode()
        return cls(
            media_type=photo.media_type,
            content_base64=content,
            width=photo.width,
            height=photo.height,
        )


@strawberry.federation.type(keys=["id"], description="A candidate (考生).")
class Candidate:
    id: strawberry.ID
    ticket_number: str = strawberry.field(description="准考证号, 12 digits")
    name: str
    masked_id_number: str = strawberry.field(description="e.g. 5001**********1234")
    masked_phone: str
    email: str | None
    gender: Gender
    has_photo: bool
    ticket_reissue_count: int = strawberry.field(description="准考证补办: times re-issued")
    ticket_reissued_at: datetime | None
    region_code: strawberry.Private[str]
    merged_into_id: strawberry.ID | None = strawberry.field(
        default=None, description="成绩合并: this record was merged into that candidate"
    )
    cancelled_at: datetime | None = strawberry.field(
        default=None, description="when the record was cancelled (merged into another)"
    )

    @strawberry.field
    async def region(self, info: Info[Context, None]) -> Region:
        loader = info.context.loader("regions", _load_regions(info.context))
        region: Region | None = await loader.load(self.region_code)
        if region is None:
            raise NotFoundError("报名区县不存在")
        return region

    @strawberry.field(
        description="For those who may read the candidate's data: the candidate, staff of the"
        " region, provincial staff, admins and internal services."
    )
    async def photo(self, info: Info[Context, None]) -> CandidatePhoto | None:
        principal = info.context.require_principal()
        ensure_may_read_candidate(principal, str(self.id), self.region_code)
        loader = info.context.loader("photos", _load_photos(info.context))
        photo: CandidatePhoto | None = await loader.load(uuid.UUID(str(self.id)))
        return photo

    @classmethod
    async def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID
    ) -> Candidate | None:
        principal = info.context.require_principal()
        loader = info.context.loader("candidates", _load_candidates(info.context, principal))
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            return None  # no candidate has such an id
        candidate: Candidate | None = await loader.load(key)
        return candidate

    @classmethod
    def from_view(cls, view: service.CandidateView) -> Candidate:
        return cls(
            id=strawberry.ID(str(view.id)),
            ticket_number=view.ticket_number,
            name=view.name,
            masked_id_number=view.masked_id_number,
            masked_phone=view.masked_phone,
            email=view.email,
            gender=Gender(view.gender.value),
            has_photo=view.has_photo,
            ticket_reissue_count=view.ticket_reissue_count,
            ticket_reissued_at=view.ticket_reissued_at,
            region_code=view.region_code,
            merged_into_id=strawberry.ID(str(view.merged_into)) if view.merged_into else None,
            cancelled_at=view.cancelled_at,
        )


def _vault(context: Context) -> Vault:
    vault: Vault = context.extras["vault"]
    return vault


def _load_candidates(
    context: Context, principal: Principal
) -> Callable[[Sequence[uuid.UUID]], Awaitable[list[Candidate | None]]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[Candidate | None]:
        async with context.db() as session:
            views = await service.candidate_views(session, _vault(context), principal, ids)
        return [Candidate.from_view(views[i]) if i in views else None for i in ids]

    return load


def _load_photos(
    context: Context,
) -> Callable[[Sequence[uuid.UUID]], Awaitable[list[CandidatePhoto | None]]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[CandidatePhoto | None]:
        async with context.db() as session:
            found = await PhotoRepository(session).get_many(ids)
        return [CandidatePhoto.from_model(found[i]) if i in found else None for i in ids]

    return load


def _load_regions(context: Context) -> Callable[[Sequence[str]], Awaitable[list[Region | None]]]:
    async def load(codes: Sequence[str]) -> list[Region | None]:
        async with context.db() as session:
            found = await RegionRepository(session).get_many(codes)
        return [Region.from_model(found[c]) if c in found else None for c in codes]

    return load


@strawberry.type
class CandidateQuery:
    # Records answers the same field for its own fields (shareable).
    @strawberry.federation.field(shareable=True, description="The signed-in candidate.")
    async def me(self, info: Info[Context, None]) -> Candidate:
        principal = info.context.require_principal()
        candidate = await Candidate.resolve_reference(
            info, strawberry.ID(str(principal.candidate_id))
        )
        if candidate is None:
            raise NotFoundError("考生信息不存在")
        return candidate

    @strawberry.field(
        description="The districts and counties a candidate registers in. Nullable so that a "
        "page asking for it beside other services' fields still gets those while identity "
        "cannot answer."
    )
    async def regions(self, info: Info[Context, None]) -> list[Region] | None:
        async with info.context.db() as session:
            return [Region.from_model(r) for r in await RegionRepository(session).all()]

    @strawberry.field(
        description="Staff search by ticket number: null when none; forbidden for another district."
    )
    async def candidate_by_ticket_number(
        self, info: Info[Context, None], ticket_number: str
    ) -> Candidate | None:
        principal = info.context.require_principal(*SEARCHERS)
        async with info.context.db() as session:
            found = await find_by_ticket_number(session, principal, ticket_number)
        if found is None:
            return None
        candidate = await Candidate.resolve_reference(info, strawberry.ID(str(found)))
        if candidate is None:  # the one read rule refused the record itself
            raise ForbiddenError()
        return candidate
