"""The Python gateway and Hive Gateway over the same running subgraphs give the same answers.

`data` must be equal; `errors` must be equal as (path, extensions.code) pairs, in any order.
Codes: a subgraph's own code reaches the client unchanged through both gateways (and both add
`DOWNSTREAM_SERVICE_ERROR` where the subgraph gave none). A subgraph that is down is reported
in each gateway's words (ours `subgraph_unavailable`, Hive's masked `INTERNAL_SERVER_ERROR`):
there the test requires the same paths and the same data, and treats the two codes as one.
Fields that differ on every call (a new captcha, the time of a log-out) are compared by type.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract import SUPERGRAPH, Operation, client_operations
from e2e import ROOT, RunningSystem, graphql, register_candidate
from graphql import print_ast, validate

from zikao_devrun import System, free_port_numbers
from zikao_devrun.zikao import base_url, gateway_spec
from zikao_gateway.api_schema import derive_api_schema
from zikao_gateway.supergraph import load_supergraph

SCHEMA = derive_api_schema(load_supergraph(SUPERGRAPH).document)
SERVED = [op for op in client_operations() if not validate(SCHEMA, op.document)]
VOLATILE = {"NewCaptcha": {"id", "image", "expiresAt"}, "LogOut": {"at"}}
UNAVAILABLE = {"subgraph_unavailable", "INTERNAL_SERVER_ERROR"}
ID_NUMBERS = ("500103198501010012", "500103198502020028", "500103198503030033")
CAPTCHA = {"id": "no-such-captcha", "answer": "abcd"}


@dataclass(frozen=True)
class Gateways:
    ours: str
    hive: str


@dataclass(frozen=True)
class Candidates:
    reader: str
    writers: tuple[str, str]


def start(zikao: RunningSystem, work: Path, kinds: dict[str, str], urls: dict[str, str]) -> System:
    specs = []
    for (name, kind), port in zip(kinds.items(), free_port_numbers(len(kinds)), strict=True):
        ports = replace(zikao.ports, gateway=port)
        specs.append(gateway_spec(ports, kind, name=name, urls=urls))
    return System(specs, env={**os.environ, "ZIKAO_ENV": "test"}, cwd=ROOT, log_dir=work)


def url_of(system: System, name: str) -> str:
    spec = next(s for s in system.specs if s.name == name)
    assert spec.port is not None
    return f"{base_url(spec.port)}/graphql"


@pytest.fixture(scope="module")
def gateways(zikao: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateways]:
    """The system's gateway (ours) and Hive Gateway beside it, over the same subgraphs."""
    with start(zikao, tmp_path_factory.mktemp("hive"), {"hive": "hive"}, {}) as system:
        yield Gateways(zikao.url, url_of(system, "hive"))


@pytest.fixture(scope="module")
def documents_down(
    zikao: RunningSystem, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateways]:
    """Both gateways with the documents subgraph pointing at a port nobody listens on."""
    (dead,) = free_port_numbers(1)
    urls = {"documents": f"{base_url(dead)}/graphql"}
    kinds = {"ours-down": "zikao", "hive-down": "hive"}
    with start(zikao, tmp_path_factory.mktemp("down"), kinds, urls) as system:
        yield Gateways(url_of(system, "ours-down"), url_of(system, "hive-down"))


@pytest.fixture(scope="module")
async def candidates(zikao: RunningSystem) -> Candidates:
    ids = [await register_candidate(zikao.database_url, number) for number in ID_NUMBERS]
    return Candidates(zikao.token(ids[0]), (zikao.token(ids[1]), zikao.token(ids[2])))


def variables(name: str, side: int) -> dict[str, Any]:
    """Variables of each client operation; mutations change state, so each gateway acts for
    its own candidate with the same arguments."""
    reset = str(uuid.UUID(int=side + 1))
    known: dict[str, dict[str, Any]] = {
        "RegisterCandidate": {
            "input": {
                "name": "陈对照",
                "idNumber": ID_NUMBERS[0],
                "phone": "13600136001",
                "password": "Equal-answers-2026",
                "regionCode": "0103",
                "securityQuestion": "我的小学",
                "securityAnswer": "人和街小学",
                "captcha": CAPTCHA,
            }
        },
        "RecoverTicketNumber": {"name": "陈对照", "idNumber": ID_NUMBERS[0], "captcha": CAPTCHA},
        "LogIn": {"login": ID_NUMBERS[side + 1], "password": "wrong", "captcha": CAPTCHA},
        "RefreshSession": {"refreshToken": f"no-such-token-{side}"},
        "StartPasswordReset": {
            "ticketNumber": "000000000000",
            "idNumber": ID_NUMBERS[side + 1],
            "captcha": CAPTCHA,
        },
        "ResetPasswordWithAnswer": {"resetId": reset, "answer": "x", "newPassword": "N-pass-2026"},
        "SendPasswordResetEmail": {"resetId": reset},
        "ResetPasswordWithToken": {"token": f"bogus-{side}", "newPassword": "N-pass-2026"},
        "ChangePassword": {
            "oldPassword": "not the password",
            "newPassword": "Another-pass-2026",
            "confirmPassword": "Another-pass-2026",
        },
        "Majors": {"level": "BENKE"},
        "ChooseMajor": {"majorCode": "080901"},
        "RegisterForExams": {"sitting": "2027-01", "courseCodes": ["00015"]},
        "CancelExamRegistration": {"sitting": "2027-01", "courseCode": "00015"},
        "RequestScoreReview": {"sitting": "2027-01", "courseCode": "00015"},
        "ApplyForCourseCertificate": {"sitting": "2027-01", "courseCode": "00015"},
        "Document": {"id": str(uuid.UUID(int=7))},
    }
    return known.get(name, {"sitting": "2027-01"})


def comparable(body: dict[str, Any], volatile: set[str] = frozenset()) -> tuple[Any, list[Any]]:
    def code(error: dict[str, Any]) -> str:
        value = str((error.get("extensions") or {}).get("code"))
        return "unavailable" if value in UNAVAILABLE else value

    errors = sorted((tuple(e.get("path") or ()), code(e)) for e in body.get("errors") or ())
    return _mask(body.get("data"), volatile), errors


def _mask(value: Any, volatile: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: type(v).__name__ if k in volatile else _mask(v, volatile) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v, volatile) for v in value]
    return value


async def both(
    client: httpx.AsyncClient,
    pair: Gateways,
    query: str,
    variables_of: Any,
    tokens: tuple[str | None, str | None],
) -> tuple[httpx.Response, httpx.Response]:
    ours = await graphql(client, pair.ours, query, variables_of(0), tokens[0])
    hive = await graphql(client, pair.hive, query, variables_of(1), tokens[1])
    return ours, hive


def _order(operation: Operation) -> tuple[bool, bool]:
    return operation.name == "LogOut", operation.root_type == "Mutation"


@pytest.mark.parametrize("operation", sorted(SERVED, key=_order), ids=lambda o: o.name)
async def test_client_operations_answer_the_same(
    operation: Operation,
    gateways: Gateways,
    candidates: Candidates,
    client: httpx.AsyncClient,
) -> None:
    mutation = operation.root_type == "Mutation"
    tokens = candidates.writers if mutation else (candidates.reader, candidates.reader)
    ours, hive = await both(
        client,
        gateways,
        print_ast(operation.document),
        lambda side: variables(operation.name, side),
        tokens,
    )
    assert ours.status_code == hive.status_code
    volatile = VOLATILE.get(operation.name, set())
    assert comparable(ours.json(), volatile) == comparable(hive.json(), volatile)


CASES = {
    "across three subgraphs, lists, aliases": """query($s: String!) {
        who: me { n: name ticketNumber region { code name }
                  major { code } exams(sitting: $s) { course { code name } paid }
                  docs: documents { id kind } passedCourses { course { code } score } }
        s: sittings { code examSlots { id startsAt } } }""",
    "fragments, typename, skip and include": """
        fragment Person on Candidate { __typename name gender ...Studies }
        fragment Studies on Candidate { major { code } graduationAudit { eligible } }
        query($yes: Boolean = true, $no: Boolean = false) {
          me { ...Person maskedPhone @skip(if: $yes) documents @include(if: $yes) { id }
               scoreReviews @include(if: $no) { id } }
          __typename
        }""",
    "errors in one subgraph": '{ regions { code } document(id: "not-a-uuid") { id } }',
    "unknown field": "{ sittings { code nope } }",
    "introspection": '{ __type(name: "Candidate") { name fields { name } } }',
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "anonymous"])
async def test_crafted_operations_answer_the_same(
    query: str,
    signed_in: bool,
    gateways: Gateways,
    candidates: Candidates,
    client: httpx.AsyncClient,
) -> None:
    token = candidates.reader if signed_in else None
    ours, hive = await both(client, gateways, query, lambda _: {"s": "2027-01"}, (token, token))
    assert ours.status_code == hive.status_code
    assert comparable(ours.json()) == comparable(hive.json())


DOWN_CASES = {
    "entity fetch, non-null list bubbles to the root": "{ me { name documents { id } } }",
    "root field of the down subgraph": '{ sittings { code } document(id: "ID3") { id } }',
    "two root fields of it": '{ a: document(id: "ID4") { id } b: document(id: "ID5") { id } }',
    "other subgraphs only": "{ me { name major { code } } regions { code } }",
}


@pytest.mark.parametrize("query", DOWN_CASES.values(), ids=DOWN_CASES.keys())
async def test_a_subgraph_down_answers_the_same(
    query: str, documents_down: Gateways, candidates: Candidates, client: httpx.AsyncClient
) -> None:
    token = candidates.reader
    for number in (3, 4, 5):
        query = query.replace(f"ID{number}", str(uuid.UUID(int=number)))
    ours, hive = await both(client, documents_down, query, lambda _: {}, (token, token))
    assert ours.status_code == hive.status_code == 200
    assert comparable(ours.json()) == comparable(hive.json())
    if "documents" in query or "document(" in query:
        assert ours.json()["errors"][0]["extensions"]["code"] == "subgraph_unavailable"
