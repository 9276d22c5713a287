"""The people and things the attacks aim at, set up once per target through the contract's
operations (a candidate registers and logs in; an admin opens a sitting), except a rendered
document, which is requested and drawn in this process on the storage the services read."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.faults.setup import timetable
from zikao_documents import service as documents
from zikao_documents.models import DocumentKind
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import ticket_content
from zikao_documents.worker import WorkerDeps, render_document
from zikao_identity.testing import an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import create_engine, create_sessionmaker, utc_now

from .target import Target

YUZHONG, WANZHOU = "0103", "0101"  # 渝中区, 万州区
PASSWORD = "abuse suite secret 7"
NAME = "赵受害"
REGISTER = """mutation RegisterCandidate($input: RegisterCandidateInput!) {
  registerCandidate(input: $input) { __typename
    ... on CandidateRegistered { ticketNumber } ... on Problem { code message } } }"""
LOG_IN = """mutation LogIn($login: String!, $password: String!, $captcha: CaptchaInput!) {
  logIn(login: $login, password: $password, captcha: $captcha) { __typename
    ... on LoggedIn { accessToken } ... on Problem { code message } } }"""
ME = "query Me { me { id ticketNumber } }"
STAFF_SETUP = """mutation Setup($s: SittingInput!, $code: String!, $e: [TimetableEntryInput!]!,
                                  $v: VenueInput!, $w: VenueInput!) {
  saveSitting(input: $s) { __typename ... on Problem { code message } }
  setTimetable(sitting: $code, entries: $e) { __typename ... on Problem { code message } }
  yuzhong: addVenue(input: $v) { __typename ... on VenueSaved { venue { id } } }
  wanzhou: addVenue(input: $w) { __typename ... on VenueSaved { venue { id } } }
}"""
SIGN_UP = """mutation RegisterForExams($sitting: String!, $courseCodes: [String!]!) {
  registerForExams(sitting: $sitting, courseCodes: $courseCodes) { __typename
    ... on Problem { code message } } }"""
CHOOSE = """mutation ChooseMajor { chooseMajor(majorCode: "050101") { __typename } }"""
FEES = "query MyExams($sitting: String!) { me { exams(sitting: $sitting) { feeYuan paid } } }"
COURSES = ("03708", "00037")


class SetupError(Exception):
    """The system would not set up a victim: the suite cannot run, whatever it attacks."""


@dataclass(frozen=True)
class Candidate:
    id: str
    token: str
    ticket_number: str
    id_number: str
    region: str


@dataclass(frozen=True)
class Sitting:
    code: str
    venues: dict[str, str]  # region → venue id


def _data(body: dict[str, Any], what: str) -> dict[str, Any]:
    if body.get("errors") or not body.get("data"):
        raise SetupError(f"{what}: {str(body.get('errors'))[:200]}")
    found: dict[str, Any] = body["data"]
    return found


def a_fresh_id_number(region: str = YUZHONG) -> str:
    born = f"{random.randint(1970, 2003)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    return an_id_number(random.randrange(1000), born=born, region=f"50{region}")


def registration(id_number: str, region: str, captcha: dict[str, str]) -> dict[str, Any]:
    return {
        "name": NAME,
        "idNumber": id_number,
        "phone": f"13{random.randrange(10**9):09d}",
        "password": PASSWORD,
        "regionCode": region,
        "securityQuestion": "我的小学",
        "securityAnswer": "人和街小学",
        "captcha": captcha,
    }


async def register(
    target: Target, region: str = YUZHONG, born_in: str | None = None
) -> tuple[str, str]:
    """A new candidate of `region` registered through the gateway, their ID number issued in
    `born_in` (the same district unless said): (their ticket number, ID number)."""
    number = a_fresh_id_number(born_in or region)
    form = registration(number, region, await target.captcha())
    body = (await target.post(REGISTER, {"input": form})).json()
    done = _data(body, "registerCandidate")["registerCandidate"]
    if done["__typename"] != "CandidateRegistered":
        raise SetupError(f"registerCandidate: {done}")
    return done["ticketNumber"], number


async def candidate(
    target: Target, key: str, region: str = YUZHONG, born_in: str | None = None
) -> Candidate:
    """The candidate named `key` of this target (registered and logged in on first use)."""
    async with target.lock:
        if key not in target.built:
            ticket, number = await register(target, region, born_in)
            login = {"login": ticket, "password": PASSWORD, "captcha": await target.captcha()}
            logged = _data((await target.post(LOG_IN, login)).json(), "logIn")["logIn"]
            if logged["__typename"] != "LoggedIn":
                raise SetupError(f"logIn: {logged}")
            token = logged["accessToken"]
            me = _data((await target.post(ME, token=token)).json(), "me")["me"]
            target.built[key] = Candidate(me["id"], token, ticket, number, region)
    found: Candidate = target.built[key]
    return found


def _venue(name: str, region: str) -> dict[str, Any]:
    return {
        "name": name,
        "address": f"{name}路1号",
        "regionCode": region,
        "rooms": 1,
        "seats": 30,
    }


async def sitting(target: Target) -> Sitting:
    """A sitting open for sign-up with a venue in 渝中区 and one in 万州区 (set up once)."""
    async with target.lock:
        if "sitting" not in target.built:
            target.built["sitting"] = await _open_sitting(target)
    found: Sitting = target.built["sitting"]
    return found


async def _open_sitting(target: Target) -> Sitting:
    code = f"20{random.randint(50, 89)}-{random.choice(('04', '10'))}"
    now = utc_now()
    morning = now + timedelta(days=40)
    entries = timetable(COURSES, morning)
    form = {
        "code": code,
        "name": f"{code[:4]}年{int(code[5:])}月",
        "registrationOpensAt": (now - timedelta(days=1)).isoformat(),
        "registrationClosesAt": (now + timedelta(days=10)).isoformat(),
        "ticketPrintingOpensAt": (morning - timedelta(days=7)).isoformat(),
    }
    variables = {
        "s": form,
        "code": code,
        "e": entries,
        "v": _venue("渝中考点", YUZHONG),
        "w": _venue("万州考点", WANZHOU),
    }
    admin = target.token("admin-abuse", Role.ADMIN)
    done = _data((await target.post(STAFF_SETUP, variables, token=admin)).json(), "setup")
    venues = {}
    for region, key in ((YUZHONG, "yuzhong"), (WANZHOU, "wanzhou")):
        if done[key]["__typename"] != "VenueSaved":
            raise SetupError(f"addVenue: {done}")
        venues[region] = done[key]["venue"]["id"]
    return Sitting(code, venues)


async def signed_up(target: Target, who: Candidate) -> tuple[Sitting, int]:
    """`who` signed up for the sitting's courses, unpaid (once): the sitting, the fees' sum."""
    held = await sitting(target)
    async with target.lock:
        key = f"signed-up:{who.id}"
        if key not in target.built:
            target.built[key] = await _sign_up(target, who, held)
    fees: int = target.built[key]
    return held, fees


async def _sign_up(target: Target, who: Candidate, held: Sitting) -> int:
    chosen = _data((await target.post(CHOOSE, token=who.token)).json(), "chooseMajor")
    if chosen["chooseMajor"]["__typename"] != "MajorChosen":
        raise SetupError(f"chooseMajor: {chosen}")
    variables = {"sitting": held.code, "courseCodes": list(COURSES)}
    done = _data((await target.post(SIGN_UP, variables, token=who.token)).json(), "sign-up")
    if done["registerForExams"]["__typename"] != "ExamsRegistered":
        raise SetupError(f"registerForExams: {done}")
    exams = _data(
        (await target.post(FEES, {"sitting": held.code}, token=who.token)).json(), "exams"
    )["me"]["exams"]
    return sum(int(e["feeYuan"]) for e in exams)


async def document(target: Target, who: Candidate) -> str:
    """A rendered admission ticket of `who` (requested with their token's rights); its id."""
    key = f"document:{who.id}"
    async with target.lock:
        if key not in target.built:
            target.built[key] = await _render_ticket(target, who)
    found: str = target.built[key]
    return found


async def _render_ticket(target: Target, who: Candidate) -> str:
    storage = LocalStorage(target.storage_dir)
    settings = DocumentsSettings(database_url=target.database_url, storage_dir=storage.root)
    engine = create_engine(target.database_url, schema="documents", pool_size=1)
    db = create_sessionmaker(engine)
    by = Principal(subject=who.id, role=Role.CANDIDATE, region_code=who.region)
    try:
        async with db.begin() as session:
            request = await documents.request_document(
                session,
                by=by,
                candidate_id=uuid.UUID(who.id),
                kind=DocumentKind.ADMISSION_TICKET,
                sitting="2040-10",
                content=ticket_content(name=NAME),
            )
        deps = WorkerDeps(settings, db, storage)
        outcome = await render_document({"deps": deps}, str(request.id))
        if outcome not in ("ready", "skipped"):  # skipped: the worker drew it first
            raise SetupError(f"render: {outcome}")
        return str(request.id)
    finally:
        await engine.dispose()
