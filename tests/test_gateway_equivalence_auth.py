"""`@authenticated`, `@requiresScopes` and `@policy` as Hive Gateway enforces them (its
generic-auth plugin in granular mode, partial answers): a field the caller may not see is left
out of the plan, answered null without propagating, with one `UNAUTHORIZED_FIELD_OR_TYPE`
error at its path of response keys.

people owns `Candidate` (`ticketNumber` for any signed-in caller; `phone` for staff, or a
candidate whose token carries the `self` scope; `notes` for staff with the `audit` scope;
`region` by the `staff` policy, `district` by `district-staff` or `provincial`), its
`@authenticated` `CaseFile`, the interface `Person` (whose `contact` Candidate's
`@authenticated` makes `@authenticated` on the interface too; Staff's own is public) and a
mutation for signed-in callers; grades adds `Candidate.score` for staff.

Where Hive answers something broken, ours is asserted alone (each test says what Hive answers):
a list whose type is nullable (Hive's path and data gain an `"@"` key), a list whose items keep
no field the caller may see (Hive answers an object in place of the list), a fragment spread at
two paths (Hive drops one of the two fields and reports one error), a fragment that `@include`
leaves out (Hive answers and reports its fields anyway), a type condition (Hive nulls the key in
every item of the list, whatever its type).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Authenticated, Policy, RequiresScopes

from zikao_gateway.testing import SigningKey
from zikao_kit.graphql import FEDERATION_VERSION

SIGNED_IN = [Authenticated()]
UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"
MARKED: list[str] = []

# ---------- people ----------


@strawberry.federation.type(keys=["id"], directives=SIGNED_IN)
class CaseFile:
    id: strawberry.ID
    summary: str


@strawberry.interface
class Person:
    id: strawberry.ID
    name: str
    contact: str | None


@strawberry.federation.type(keys=["id"])
class Candidate(Person):
    contact: str | None = strawberry.federation.field(directives=SIGNED_IN)
    ticket_number: str = strawberry.federation.field(directives=SIGNED_IN)
    phone: str | None = strawberry.federation.field(
        directives=[RequiresScopes(scopes=[["staff"], ["candidate", "self"]])]
    )
    notes: str | None = strawberry.federation.field(
        directives=[RequiresScopes(scopes=[["staff", "audit"]])]
    )
    region: str | None = strawberry.federation.field(directives=[Policy(policies=[["staff"]])])
    district: str | None = strawberry.federation.field(
        directives=[Policy(policies=[["district-staff"], ["provincial"]])]
    )
    file: CaseFile | None = None


@strawberry.type
class Staff(Person):
    desk: str


def _candidate(number: int) -> Candidate:
    return Candidate(
        id=strawberry.ID(str(number)),
        name=f"Candidate {number}",
        contact=f"c{number}@example.test",
        ticket_number=f"0103000{number}",
        phone=f"1380000000{number}",
        notes=f"note {number}",
        region="0103",
        district="渝中区",
        file=CaseFile(id=strawberry.ID(f"f{number}"), summary=f"file {number}"),
    )


Found = Annotated[Candidate | CaseFile, strawberry.union("Found")]


@strawberry.type
class PeopleQuery:
    @strawberry.field
    def hello(self) -> str:
        return "你好"

    @strawberry.field(directives=SIGNED_IN)
    def me(self) -> str:
        return "me"

    @strawberry.field
    def candidates(self) -> list[Candidate]:
        return [_candidate(n) for n in (1, 2)]

    @strawberry.field
    def candidate(self, id: strawberry.ID) -> Candidate | None:
        return _candidate(int(id)) if id in ("1", "2") else None

    @strawberry.field
    def maybe_candidates(self) -> list[Candidate | None] | None:
        return [_candidate(1)]

    @strawberry.field
    def files(self) -> list[CaseFile]:
        return [CaseFile(id=strawberry.ID("f1"), summary="file 1")]

    @strawberry.field
    def people(self) -> list[Person]:
        staff = Staff(id=strawberry.ID("s1"), name="Staff 1", contact="desk 3", desk="3")
        return [_candidate(1), staff]

    @strawberry.field
    def found(self) -> list[Found]:
        return [_candidate(1), CaseFile(id=strawberry.ID("f9"), summary="file 9")]


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(directives=SIGNED_IN)
    def mark_seen(self, id: strawberry.ID) -> str:
        MARKED.append(str(id))
        return f"seen {id}"

    @strawberry.mutation
    def ping(self) -> str:
        return "pong"


# ---------- grades ----------


@strawberry.federation.type(keys=["id"], name="Candidate")
class GradedCandidate:
    id: strawberry.ID
    passed: bool
    score: int | None = strawberry.federation.field(directives=[RequiresScopes(scopes=[["staff"]])])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> GradedCandidate:
        return GradedCandidate(id=id, passed=id == "1", score=60 + int(id))


def schemas() -> dict[str, Schema]:
    return {
        "people": Schema(
            query=PeopleQuery,
            mutation=PeopleMutation,
            types=[Candidate, Staff, CaseFile],
            federation_version=FEDERATION_VERSION,
        ),
        "grades": Schema(
            query=None, types=[GradedCandidate], federation_version=FEDERATION_VERSION
        ),
    }


KEY = SigningKey()
CALLERS: dict[str, dict[str, Any] | None] = {
    "anonymous": None,
    "candidate": {"role": "candidate"},
    "candidate with the self scope": {"role": "candidate", "scope": "self"},
    "district staff": {"role": "staff", "region": "0103"},
    "provincial staff": {"role": "staff"},
    "admin": {"role": "admin"},
    "district staff with the audit scope": {"role": "staff", "region": "0103", "scope": "audit"},
    "auditor": {"role": "auditor"},
}


def headers(caller: str) -> dict[str, str]:
    claims = CALLERS[caller]
    return {} if claims is None else {"authorization": f"Bearer {KEY.token(**claims)}"}


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("auth"), auth=KEY) as running:
        yield running


QUERIES = {
    "a non-null root field beside a public one": "{ hello me }",
    "a non-null field in a list: null in each item, not propagated": (
        "{ candidates { id name ticketNumber } }"
    ),
    "scopes: one group or another, every scope of a group": "{ candidates { id phone notes } }",
    "policies": "{ candidates { id region district } }",
    "a type's directive on each of its fields": '{ candidate(id: "1") { id file { id summary } } }',
    "a type's directive leaves __typename": '{ candidate(id: "2") { file { __typename } } }',
    "an interface's field, as composition copied it": "{ people { id name contact } }",
    "an implementation's own field, not the interface's": (
        "{ people { id ... on Staff { contact desk } } }"
    ),
    "a field of another subgraph": "{ candidates { id passed score } }",
    "fragments and aliases": (
        "query Cards { candidates { ...Card first: ticketNumber } }"
        " fragment Card on Candidate { id n: name ticketNumber phone t: phone }"
    ),
    "an inline fragment without a type": '{ candidate(id: "1") { ... { ticketNumber name } } }',
    "a mutation field": 'mutation { markSeen(id: "7") ping }',
    "introspection": '{ __type(name: "Candidate") { name } }',
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
async def test_auth_directives_answer_as_hive_does(
    query: str, caller: str, gateways: Oracle
) -> None:
    await gateways.compare(query, headers=headers(caller))


@pytest.mark.parametrize("included", [True, False])
@pytest.mark.parametrize("caller", ["anonymous", "candidate"])
async def test_a_field_left_out_by_a_variable_is_not_checked(
    included: bool, caller: str, gateways: Oracle
) -> None:
    query = "query Q($with: Boolean!) { candidates { id ticketNumber @include(if: $with) } }"
    await gateways.compare(query, {"with": included}, headers(caller))


async def test_the_answers_themselves(gateways: Oracle) -> None:
    """What the comparisons above agree on, spelled out for two callers."""
    query = "{ candidates { id ticketNumber phone } me }"
    anonymous = await gateways.compare(query)
    assert anonymous["data"] == {
        "candidates": [
            {"id": "1", "ticketNumber": None, "phone": None},
            {"id": "2", "ticketNumber": None, "phone": None},
        ],
        "me": None,
    }
    assert sorted(
        (e["path"], e["message"], e["extensions"]["code"]) for e in anonymous["errors"]
    ) == [
        (["candidates", "phone"], "Unauthorized field or type", UNAUTHORIZED),
        (["candidates", "ticketNumber"], "Unauthorized field or type", UNAUTHORIZED),
        (["me"], "Unauthorized field or type", UNAUTHORIZED),
    ]
    candidate = await gateways.compare(query, headers=headers("candidate"))
    assert candidate["data"]["candidates"][0] == {
        "id": "1",
        "ticketNumber": "01030001",
        "phone": None,
    }
    assert [e["path"] for e in candidate["errors"]] == [["candidates", "phone"]]


async def test_no_subgraph_sees_a_denied_field(gateways: Oracle) -> None:
    gateways.subgraphs.requests.clear()
    await gateways.compare("{ candidates { id score } }", headers=headers("candidate"))
    assert {name for name, _ in gateways.subgraphs.requests} == {"people"}
    MARKED.clear()
    answer = await gateways.compare('mutation { markSeen(id: "7") ping }')
    assert answer["data"] == {"markSeen": None, "ping": "pong"}
    assert MARKED == []


async def test_a_plan_is_kept_per_document_and_what_the_caller_may_not_see(
    gateways: Oracle,
) -> None:
    """Callers who are denied the same selections share a plan; a document without guarded
    selections has one plan for everyone."""
    query = "{ candidates { id ticketNumber notes } }"
    for caller in CALLERS:
        await gateways.ask_ours(query, headers=headers(caller))
    plans = gateways.ours.plans
    kept = {denied: plans.get((query, None, (), denied)) for denied in [(0, 1), (1,), ()]}
    assert all(plan is not None for plan in kept.values())
    assert kept[(1,)] is plans.get((query, None, (), (1,)))
    public = "{ candidates { id name } }"
    for caller in CALLERS:
        await gateways.ask_ours(public, headers=headers(caller))
    assert plans.get((public, None, (), ())) is not None


async def test_a_nullable_list_has_no_position_in_the_path(gateways: Oracle) -> None:
    """Hive answers `{"maybeCandidates": [{"id": "1"}], "@": {"maybeCandidates":
    {"ticketNumber": null}}}` at the path `["@", "maybeCandidates", "ticketNumber"]`."""
    mine = await gateways.ask_ours("{ maybeCandidates { id ticketNumber } }")
    assert mine.data == {"maybeCandidates": [{"id": "1", "ticketNumber": None}]}
    assert [(e["path"], e["extensions"]["code"]) for e in mine.errors] == [
        (["maybeCandidates", "ticketNumber"], UNAUTHORIZED)
    ]


async def test_a_list_keeps_its_items_when_all_their_fields_are_denied(gateways: Oracle) -> None:
    """Hive leaves `files` out of its plan and answers `{"files": {"id": null, "summary":
    null}}`: an object where the schema has a list."""
    mine = await gateways.ask_ours("{ files { id summary } }")
    assert mine.data == {"files": [{"id": None, "summary": None}]}
    assert sorted(e["path"] for e in mine.errors) == [["files", "id"], ["files", "summary"]]
    answer = await gateways.ask_ours("{ files { id summary } }", headers=headers("candidate"))
    assert (answer.data, answer.errors) == ({"files": [{"id": "f1", "summary": "file 1"}]}, [])


async def test_a_fragment_spread_at_two_paths_is_denied_at_both(gateways: Oracle) -> None:
    """Hive reports the second path only, and leaves the first field out of its answer."""
    query = (
        '{ candidate(id: "1") { ...Ticket } other: candidate(id: "2") { ...Ticket } }'
        " fragment Ticket on Candidate { ticketNumber }"
    )
    mine = await gateways.ask_ours(query)
    assert mine.data == {"candidate": {"ticketNumber": None}, "other": {"ticketNumber": None}}
    assert sorted(e["path"] for e in mine.errors) == [
        ["candidate", "ticketNumber"],
        ["other", "ticketNumber"],
    ]


async def test_a_fragment_left_out_is_not_checked(gateways: Oracle) -> None:
    """Hive checks the fields of an inline fragment that `@include(if: false)` leaves out, and
    answers them null with an error."""
    query = '{ candidate(id: "1") { name ... @include(if: false) { ticketNumber } } }'
    mine = await gateways.ask_ours(query)
    assert (mine.data, mine.errors) == ({"candidate": {"name": "Candidate 1"}}, [])


async def test_a_type_condition_decides_which_items_get_the_null(gateways: Oracle) -> None:
    """Hive answers `contact: null` on the staff member too (and in a union, nulls a field of
    the same name in the other member's items)."""
    mine = await gateways.ask_ours("{ people { id ... on Candidate { contact } } }")
    assert mine.data == {"people": [{"id": "1", "contact": None}, {"id": "s1"}]}
    assert [e["path"] for e in mine.errors] == [["people", "contact"]]
    mine = await gateways.ask_ours(
        "{ found { ... on Candidate { id name } ... on CaseFile { id } } }"
    )
    assert mine.data == {"found": [{"id": "1", "name": "Candidate 1"}, {"id": None}]}
    assert [e["path"] for e in mine.errors] == [["found", "id"]]
