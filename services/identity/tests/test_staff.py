"""Staff accounts, audited reveal, photos, ticket re-issue, the audit log, service tokens."""

import base64
import io
import uuid
from typing import Any

import pytest
from PIL import Image
from redis.asyncio import Redis

from zikao_identity.crypto import Vault
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import (
    NEW_CAPTCHA,
    REFRESH,
    Gql,
    MakeCandidate,
    an_id_number,
    captcha_for,
)
from zikao_kit.auth import Principal, Role, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

ADMIN = Principal("admin-1", Role.ADMIN)
SHAPINGBA = Principal("staff-1", Role.STAFF, region_code="0106")
YUZHONG = Principal("staff-2", Role.STAFF, region_code="0103")
AUDITOR = Principal("auditor-1", Role.AUDITOR)
PROVINCIAL = Principal("staff-3", Role.STAFF)  # the provincial office: no region
SERVICE = Principal("service:documents", Role.SERVICE)

CREATE = """mutation($input: CreateStaffInput!) { createStaff(input: $input) {
  __typename ... on StaffCreated { staff { username role regionCode } }
  ... on InvalidInput { field } ... on Problem { code } } }"""
STAFF_LOG_IN = """mutation($u: String!, $p: String!, $c: CaptchaInput!) {
  staffLogIn(username: $u, password: $p, captcha: $c) {
  __typename ... on LoggedIn { accessToken refreshToken } ... on Problem { code } } }"""
REVEAL = """mutation($id: ID!, $reason: String!) {
  revealIdNumber(candidateId: $id, reason: $reason) {
  __typename ... on IdNumberRevealed { idNumber } ... on InvalidInput { field }
  ... on Problem { code } } }"""
UPLOAD = """mutation($id: ID!, $photo: String!) {
  uploadCandidatePhoto(candidateId: $id, contentBase64: $photo) {
  __typename ... on PhotoUploaded { mediaType width height candidate { hasPhoto } }
  ... on InvalidInput { field code } ... on Problem { code } } }"""
REISSUE = """mutation($id: ID!) { reissueTicket(candidateId: $id, reason: "遗失") {
  __typename ... on TicketReissued { candidate { ticketNumber ticketReissueCount } }
  ... on Problem { code } } }"""
AUDIT_TRAIL = """{ auditTrail { unavailable entries {
  service actor actorName actorRole action candidateId reason detail { key value } } } }"""
PHOTO = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { photo { mediaType contentBase64 width height } } } }"""
SERVICE_TOKEN = """mutation($id: String!, $secret: String!) {
  serviceToken(clientId: $id, clientSecret: $secret) {
  __typename ... on ServiceTokenIssued { accessToken } ... on Problem { code } } }"""


def _image(size: tuple[int, int], image_format: str = "JPEG") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format=image_format)
    return base64.b64encode(buffer.getvalue()).decode()


def _staff(
    username: str, role: str, region: str | None = None, password: str = "staff secret 2026"
) -> Any:
    return {
        "input": {
            "username": username,
            "name": "刘老师",
            "role": role,
            "regionCode": region,
            "password": password,
        }
    }


async def test_admin_creates_staff_who_log_in(gql: Gql, deps: IdentityDeps) -> None:
    created = (await gql(CREATE, _staff("Liu.Yz", "STAFF", "0103"), ADMIN))["createStaff"]
    assert created["staff"] == {"username": "liu.yz", "role": "STAFF", "regionCode": "0103"}
    assert (await gql(CREATE, _staff("liu.yz", "AUDITOR"), ADMIN))["createStaff"][
        "code"
    ] == "username_taken"
    assert (await gql(CREATE, _staff("zhou", "STAFF"), ADMIN))["createStaff"][
        "field"
    ] == "regionCode"
    assert (await gql(CREATE, _staff("zhou", "ADMIN", password="12345678"), ADMIN))["createStaff"][
        "field"
    ] == "password"
    assert (await gql(CREATE, _staff("zhou", "ADMIN"), YUZHONG))["createStaff"][
        "code"
    ] == "forbidden"
    captcha = captcha_for(await gql(NEW_CAPTCHA))
    session = await gql(STAFF_LOG_IN, {"u": "LIU.YZ", "p": "staff secret 2026", "c": captcha})
    token = session["staffLogIn"]["accessToken"]
    keys = StaticKeySource({deps.signer.kid: deps.signer.public_key})
    verifier = TokenVerifier(keys, issuer="zikao-identity", audience="zikao")
    principal = await verifier.verify(token)
    assert (principal.role, principal.region_code) == (Role.STAFF, "0103")
    renewed = (await gql(REFRESH, {"t": session["staffLogIn"]["refreshToken"]}))["refreshSession"]
    again = await verifier.verify(renewed["accessToken"])
    assert (again.subject, again.role, again.region_code) == (principal.subject, Role.STAFF, "0103")
    captcha = captcha_for(await gql(NEW_CAPTCHA))
    wrong = await gql(STAFF_LOG_IN, {"u": "liu.yz", "p": "not it at all", "c": captcha})
    assert wrong["staffLogIn"]["code"] == "invalid_credentials"


async def test_reveal_is_scoped_and_audited(gql: Gql, make_candidate: MakeCandidate) -> None:
    number = an_id_number(501)
    candidate = await make_candidate(number)
    variables = {"id": str(candidate.id), "reason": "核对报名信息"}
    assert (await gql(REVEAL, variables, YUZHONG))["revealIdNumber"]["code"] == "not_found"
    assert (await gql(REVEAL, variables, Principal(str(candidate.id), Role.CANDIDATE)))[
        "revealIdNumber"
    ]["code"] == "forbidden"
    assert (await gql(REVEAL, {**variables, "reason": " "}, SHAPINGBA))["revealIdNumber"][
        "field"
    ] == "reason"
    assert (await gql(REVEAL, variables, SHAPINGBA))["revealIdNumber"]["idNumber"] == number
    with pytest.raises(AssertionError, match="forbidden"):  # staff do not read the audit log
        await gql(AUDIT_TRAIL, principal=SHAPINGBA)
    log = (await gql(AUDIT_TRAIL, principal=AUDITOR))["auditTrail"]["entries"]
    assert log[0] == {
        "service": "identity",
        "actor": "staff-1",
        "actorName": "staff-1",  # no staff account has this id: shown as it is
        "actorRole": "staff",
        "action": "reveal_id_number",
        "candidateId": str(candidate.id),
        "reason": "核对报名信息",
        "detail": [],
    }
    assert number not in str(log)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("not base64!", "photo_unreadable"),
        (base64.b64encode(b"GIF89a not really").decode(), "photo_unreadable"),
        (_image((300, 400), "GIF"), "photo_format"),
        (_image((100, 120)), "photo_dimensions"),
        (_image((300, 4000), "PNG"), "photo_dimensions"),
        (base64.b64encode(b"\xff" * 1_100_000).decode(), "photo_too_large"),
    ],
)
async def test_bad_photos_are_refused(
    gql: Gql, make_candidate: MakeCandidate, content: str, code: str
) -> None:
    candidate = await make_candidate(an_id_number(503))
    refused = (await gql(UPLOAD, {"id": str(candidate.id), "photo": content}, SHAPINGBA))[
        "uploadCandidatePhoto"
    ]
    assert (refused["field"], refused["code"]) == ("contentBase64", code)


async def test_photo_upload_and_who_reads_it(gql: Gql, make_candidate: MakeCandidate) -> None:
    candidate = await make_candidate(an_id_number(505))
    photo = _image((358, 441))
    uploaded = (await gql(UPLOAD, {"id": str(candidate.id), "photo": photo}, SHAPINGBA))[
        "uploadCandidatePhoto"
    ]
    assert uploaded == {
        "__typename": "PhotoUploaded",
        "mediaType": "image/jpeg",
        "width": 358,
        "height": 441,
        "candidate": {"hasPhoto": True},
    }
    reps = {"r": [{"__typename": "Candidate", "id": str(candidate.id)}]}
    seen = (await gql(PHOTO, reps, SERVICE))["_entities"][0]["photo"]
    assert seen["contentBase64"] == photo


async def test_photos_follow_the_one_read_rule(gql: Gql, make_candidate: MakeCandidate) -> None:
    """The candidate, staff of the region and province-wide roles read a photo; staff of
    another region, other candidates and auditors get no record."""
    candidate = await make_candidate(an_id_number(507))
    photo = _image((300, 400))
    await gql(UPLOAD, {"id": str(candidate.id), "photo": photo}, SHAPINGBA)

    def reps() -> dict[str, Any]:
        return {"r": [{"__typename": "Candidate", "id": str(candidate.id)}]}

    readers = [Principal(str(candidate.id), Role.CANDIDATE), SHAPINGBA, PROVINCIAL, ADMIN]
    for reader in readers:
        seen = (await gql(PHOTO, reps(), reader))["_entities"][0]
        assert seen["photo"]["contentBase64"] == photo
    for outsider in (YUZHONG, Principal(str(uuid.uuid4()), Role.CANDIDATE), AUDITOR):
        assert (await gql(PHOTO, reps(), outsider))["_entities"] == [None]


async def test_reissue_keeps_the_number(gql: Gql, make_candidate: MakeCandidate) -> None:
    candidate = await make_candidate(an_id_number(509))
    for count in (1, 2):
        done = (await gql(REISSUE, {"id": str(candidate.id)}, SHAPINGBA))["reissueTicket"]
        assert done["candidate"] == {
            "ticketNumber": candidate.ticket_number,
            "ticketReissueCount": count,
        }
    assert (await gql(REISSUE, {"id": "not-a-uuid"}, SHAPINGBA))["reissueTicket"][
        "code"
    ] == "invalid_input"
    log = (await gql(AUDIT_TRAIL, principal=ADMIN))["auditTrail"]["entries"]
    assert [e["detail"] for e in log[:2]] == [
        [{"key": "reissue", "value": "2"}],
        [{"key": "reissue", "value": "1"}],
    ]


async def test_service_tokens_by_client_credentials(gql: Gql) -> None:
    ok = await gql(
        SERVICE_TOKEN, {"id": "documents", "secret": "dev-only-documents-service-secret"}
    )
    assert ok["serviceToken"]["__typename"] == "ServiceTokenIssued"
    bad = await gql(SERVICE_TOKEN, {"id": "documents", "secret": "guess"})
    assert bad["serviceToken"]["code"] == "invalid_client"


async def test_service_token_guesses_back_off_per_client(gql: Gql, deps: IdentityDeps) -> None:
    right = {"id": "documents", "secret": "dev-only-documents-service-secret"}
    for _ in range(2 * deps.settings.service_token_free_failures):  # right ones do not count
        assert (await gql(SERVICE_TOKEN, right))["serviceToken"]["__typename"] == (
            "ServiceTokenIssued"
        )
    for _ in range(deps.settings.service_token_free_failures):
        wrong = await gql(SERVICE_TOKEN, {"id": "documents", "secret": "a guess"})
        assert wrong["serviceToken"]["code"] == "invalid_client"
    locked = (await gql(SERVICE_TOKEN, right))["serviceToken"]
    assert locked == {"__typename": "RateLimited", "code": "rate_limited"}


SEARCH = """query($t: String!) { candidateByTicketNumber(ticketNumber: $t) { id } }"""


async def test_staff_search_keeps_to_the_district_the_number_names(
    gql: Gql,
    make_candidate: MakeCandidate,
    db: Sessionmaker,
    redis: Redis,
    settings: IdentitySettings,
    vault: Vault,
    deps: IdentityDeps,
) -> None:
    """Staff of another district get `forbidden` whether or not the number was issued."""
    candidate = await make_candidate(an_id_number(511))  # registered in 0106 沙坪坝区
    number = candidate.ticket_number
    for reader in (SHAPINGBA, PROVINCIAL, ADMIN, SERVICE):
        found = await gql(SEARCH, {"t": number}, reader)
        assert found["candidateByTicketNumber"] == {"id": str(candidate.id)}
    unissued = number[:7] + "99999"
    for asked in (number, unissued):
        context = make_context(db, redis, settings, YUZHONG, {"vault": vault, "deps": deps})
        refused = await schema.execute(SEARCH, {"t": asked}, context_value=context)
        assert refused.data == {"candidateByTicketNumber": None}
        assert [e.extensions["code"] for e in refused.errors or []] == ["forbidden"]
    assert (await gql(SEARCH, {"t": unissued}, SHAPINGBA))["candidateByTicketNumber"] is None
