from typing import Any

from redis.asyncio import Redis

from zikao_identity.crypto import Vault
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import MakeCandidate, an_id_number
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import UnauthenticatedError
from zikao_kit.testing import make_context

ME = """{ me { id ticketNumber name maskedIdNumber maskedPhone gender hasPhoto
  region { code name } } }"""
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { ticketNumber region { name } } } }"""


async def _run(
    query: str,
    db: Sessionmaker,
    redis: Redis,
    settings: IdentitySettings,
    vault: Vault,
    principal: Principal | None = None,
    variables: dict[str, Any] | None = None,
    auth_error: UnauthenticatedError | None = None,
) -> Any:
    deps = IdentityDeps.create(
        settings, redis, vault, TokenSigner.load(None, issuer="i", audience="a")
    )
    context = make_context(db, redis, settings, principal, {"vault": vault, "deps": deps})
    context.auth_error = auth_error
    return await schema.execute(query, variable_values=variables, context_value=context)


async def test_me_answers_the_signed_in_candidate_masked(
    make_candidate: MakeCandidate,
    db: Sessionmaker,
    redis: Redis,
    settings: IdentitySettings,
    vault: Vault,
) -> None:
    candidate = await make_candidate(an_id_number(11, born="19991231"), name="赵六")
    principal = Principal(subject=str(candidate.id), role=Role.CANDIDATE)
    result = await _run(ME, db, redis, settings, vault, principal)
    assert result.errors is None
    me = result.data["me"]
    assert me["ticketNumber"] == candidate.ticket_number
    assert me["maskedIdNumber"] == "5001**********" + an_id_number(11, born="19991231")[-4:]
    assert me["region"] == {"code": "0106", "name": "沙坪坝区"}
    assert me["gender"] == "MALE"
    assert me["hasPhoto"] is False


async def test_me_without_a_valid_token_is_unauthenticated(
    db: Sessionmaker, redis: Redis, settings: IdentitySettings, vault: Vault
) -> None:
    for error in (None, UnauthenticatedError("登录已过期，请重新登录")):
        result = await _run(ME, db, redis, settings, vault, auth_error=error)
        assert result.data is None
        assert result.errors[0].extensions["code"] == "unauthenticated"


async def test_entities_only_for_those_allowed(
    make_candidate: MakeCandidate,
    db: Sessionmaker,
    redis: Redis,
    settings: IdentitySettings,
    vault: Vault,
) -> None:
    one = await make_candidate(an_id_number(13))
    two = await make_candidate(an_id_number(15), region_code="0103")

    def reps() -> dict[str, Any]:  # strawberry consumes the representations it is given
        return {"r": [{"__typename": "Candidate", "id": str(c.id)} for c in (one, two)]}

    as_one = Principal(subject=str(one.id), role=Role.CANDIDATE)
    result = await _run(ENTITIES, db, redis, settings, vault, as_one, reps())
    assert result.data["_entities"] == [
        {"ticketNumber": one.ticket_number, "region": {"name": "沙坪坝区"}},
        None,
    ]
    staff = Principal(subject="s", role=Role.STAFF, region_code="0103")
    result = await _run(ENTITIES, db, redis, settings, vault, staff, reps())
    assert result.data["_entities"][0] is None
    assert result.data["_entities"][1]["ticketNumber"] == two.ticket_number


async def test_regions_are_loaded_from_the_data_file(
    db: Sessionmaker, redis: Redis, settings: IdentitySettings, vault: Vault
) -> None:
    result = await _run("{ regions { code name city } }", db, redis, settings, vault)
    regions = result.data["regions"]
    assert len(regions) == 38
    assert {"code": "0103", "name": "渝中区", "city": "重庆市"} in regions
