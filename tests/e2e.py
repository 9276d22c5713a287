"""Helpers of the end-to-end tests: the running system and how to talk to it."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from contract import client_operations
from graphql import print_ast

from zikao_devrun import Ports, System
from zikao_identity import service as identity_service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import an_id_number
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker, utc_now

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = {o.name: print_ast(o.document) for o in client_operations()}
PASSWORD = "records end to end 7"
STAFF_SETUP = """mutation Setup($s: SittingInput!, $code: String!, $e: [TimetableEntryInput!]!,
                                  $v: VenueInput!) {
  saveSitting(input: $s) { __typename ... on Problem { code message } }
  setTimetable(sitting: $code, entries: $e) { __typename ... on Problem { code message } }
  addVenue(input: $v) { __typename ... on Problem { code message } }
}"""


def run_bench(module: str, *arguments: str, timeout: float) -> tuple[list[str], int, str]:
    """`python -m module arguments` from the repository (a bench that starts a system of its
    own): its output's lines, its exit code and the end of its standard error."""
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.stdout.splitlines(), done.returncode, done.stderr[-3000:]


@dataclass
class RunningSystem:
    system: System
    ports: Ports
    url: str
    signer: TokenSigner
    database_url: str

    def token(self, subject: str, role: Role = Role.CANDIDATE, region: str | None = None) -> str:
        """An access token signed with identity's own key, as log-in would issue it."""
        return self.signer.issue(subject=subject, role=role, minutes=5, region_code=region).token

    def log(self, name: str) -> str:
        path = self.system.log_path(name)
        return path.read_text(encoding="utf-8") if path and path.exists() else ""


async def graphql(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {"accept": "application/graphql-response+json, application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if request_id:
        headers["x-request-id"] = request_id
    return await client.post(
        url, json={"query": query, "variables": variables or {}}, headers=headers
    )


async def register_candidate(database_url: str, id_number: str, region: str = "0103") -> str:
    """A committed candidate record (registration through the API is identity's next issue)."""
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    engine = create_engine(database_url, schema="identity", pool_size=1)
    data = identity_service.NewCandidate(
        name="陈端到端",
        id_number=id_number,
        phone="13600136000",
        email=None,
        password="end to end secret",
        region_code=region,
        security_question="我的小学",
        security_answer="人和街小学",
    )
    try:
        async with create_sessionmaker(engine).begin() as session:
            candidate = await identity_service.create_candidate(
                session, vault, data, today=date.today()
            )
        return str(candidate.id)
    finally:
        await engine.dispose()


async def ask(
    client: httpx.AsyncClient,
    zikao: RunningSystem,
    query: str,
    token: str | None,
    **variables: Any,
) -> dict[str, Any]:
    """The data of `query` through the gateway (an error answer fails the test)."""
    body = (await graphql(client, zikao.url, query, variables, token)).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def a_logged_in_candidate(
    client: httpx.AsyncClient, zikao: RunningSystem, name: str = "钱报考"
) -> tuple[str, str]:
    """A candidate of 渝中区 registered and logged in through identity with the contract's
    operations: (their id, the access token log-in issued, which carries their district)."""

    async def captcha() -> dict[str, str]:
        issued = await ask(client, zikao, OPERATIONS["NewCaptcha"], None)
        return {"id": issued["newCaptcha"]["id"], "answer": "TEST"}

    number = an_id_number(
        random.randint(1, 999), born=f"{random.randint(1970, 2000)}0101", region="500103"
    )
    registration = {
        "name": name,
        "idNumber": number,
        "phone": f"13{random.randrange(10**9):09d}",
        "password": PASSWORD,
        "regionCode": "0103",
        "securityQuestion": "我的小学",
        "securityAnswer": "人和街小学",
        "captcha": await captcha(),
    }
    done = await ask(client, zikao, OPERATIONS["RegisterCandidate"], None, input=registration)
    ticket = done["registerCandidate"]["ticketNumber"]
    session = await ask(
        client, zikao, OPERATIONS["LogIn"], None, login=ticket, password=PASSWORD,
        captcha=await captcha(),
    )  # fmt: skip
    token: str = session["logIn"]["accessToken"]
    me = await ask(client, zikao, "{ me { id } }", token)
    return me["me"]["id"], token


async def an_open_sitting(
    client: httpx.AsyncClient,
    zikao: RunningSystem,
    code: str,
    venue: dict[str, Any],
    *,
    courses: tuple[tuple[str, int], ...] = (("03708", 0), ("00037", 5)),
    exams_in_days: int = 40,
    printing_opens: datetime | None = None,
) -> None:
    """A sitting open for sign-up since yesterday (for ten more days) whose exams fall
    `exams_in_days` on, each course at its hour after the first slot's start, 150 minutes
    long; ticket printing from a week before the exams unless `printing_opens` says; and
    `venue` (name, address, region, rooms) added, as an admin sets them up."""
    now = utc_now()
    morning = now + timedelta(days=exams_in_days)
    slot = timedelta(minutes=150)
    entries = []
    for course, hours in courses:
        start = morning + timedelta(hours=hours)
        entries.append(
            {
                "courseCode": course,
                "startsAt": start.isoformat(),
                "endsAt": (start + slot).isoformat(),
            }
        )
    opens = printing_opens or morning - timedelta(days=7)
    sitting = {
        "code": code,
        "name": f"{code[:4]}年{int(code[5:])}月",
        "registrationOpensAt": (now - timedelta(days=1)).isoformat(),
        "registrationClosesAt": (now + timedelta(days=10)).isoformat(),
        "ticketPrintingOpensAt": opens.isoformat(),
    }
    admin = zikao.token("admin-e2e", Role.ADMIN)
    data = await ask(client, zikao, STAFF_SETUP, admin, s=sitting, code=code, e=entries, v=venue)
    assert [v["__typename"] for v in data.values()] == [
        "SittingSaved",
        "TimetableSet",
        "VenueSaved",
    ], data
