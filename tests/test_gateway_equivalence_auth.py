"""`@authenticated`, `@requiresScopes` and `@policy` as Hive Gateway enforces them (its
generic-auth plugin in granular mode, partial answers), and as the GraphQL spec answers where
Hive's answer breaks it: a field the caller may not see is left out of the plan, and is a field
error wherever the answer reaches it, one `UNAUTHORIZED_FIELD_OR_TYPE` error at its path (list
positions included) and a null, which a non-null field propagates to its nearest nullable
parent ("Handling Field Errors").

people owns `Candidate` (`ticketNumber` for any signed-in caller; `phone` for staff, or a
candidate whose token carries the `self` scope; `notes` for staff with the `audit` scope;
`region` by the `staff` policy, `district` by `district-staff` or `provincial`), its
`@authenticated` `CaseFile`, the interface `Person` (whose `contact` Candidate's
`@authenticated` makes `@authenticated` on the interface too; Staff's own is public) and a
mutation for signed-in callers; grades adds `Candidate.score` for staff.

Hive agrees with the spec where a denied field is nullable and in no list: those answers are
compared with Hive's, for every caller. Elsewhere ours is asserted alone, each test saying what
Hive answers instead (and comparing the callers it agrees for): a denied non-null field (Hive
leaves its null in the non-null position, at the root, in an object or in each item of a list),
a denied field in a list (Hive reports one error per selection, at a path without list
positions), a mutation field after a denied non-null one (Hive runs it), a denied field of a
null object (Hive answers an object there), a list whose type is nullable (Hive's path and data
gain an `"@"` key), a list whose items keep no field the caller may see (Hive answers an object
in place of the list), a fragment spread at two paths (Hive drops one of the two fields and
reports one error), a fragment that `@include` leaves out (Hive answers and reports its fields
anyway), a type condition (Hive nulls the key in every item of the list, whatever its type).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Authenticated, Policy, RequiresScopes

from zikao_gateway.gateway import Outcome
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
    def person(self, id: strawberry.ID) -> Person | None:
        if id == "s1":
            return Staff(id=id, name="Staff 1", contact="desk 3", desk="3")
        return _candidate(int(id)) if id in ("1", "2") else None

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
    "scopes: one group or another, every scope of a group": (
        '{ candidate(id: "1") { id phone notes } }'
    ),
    "policies": '{ candidate(id: "2") { id region district } }',
    "a type's directive leaves __typename": '{ candidate(id: "2") { file { __typename } } }',
    "an interface's field, as composition copied it": '{ person(id: "s1") { id name contact } }',
    "an implementation's own field, not the interface's": (
        "{ people { id ... on Staff { contact desk } } }"
    ),
    "a field of another subgraph": '{ candidate(id: "1") { id passed score } }',
    "fragments and aliases": (
        'query Cards { candidate(id: "1") { ...Card first: phone } }'
        " fragment Card on Candidate { id n: name phone t: phone region }"
    ),
    "an inline fragment without a type": '{ candidate(id: "1") { ... { phone name } } }',
    "introspection": '{ __type(name: "Candidate") { name } }',
}
SIGNED_IN_CALLERS = [caller for caller, claims in CALLERS.items() if claims is not None]


def paths(answer: Outcome) -> list[tuple[Any, str]]:
    return [(e["path"], e["extensions"]["code"]) for e in answer.errors]


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
    query = 'query Q($with: Boolean!) { candidate(id: "1") { id phone @include(if: $with) } }'
    await gateways.compare(query, {"with": included}, headers(caller))


async def test_a_denied_non_null_root_field_nulls_the_answer(gateways: Oracle) -> None:
    """Hive answers `{"hello": "你好", "me": null}`: a null where the schema says `String!`."""
    mine = await gateways.ask_ours("{ hello me }")
    assert (mine.data, paths(mine)) == (None, [(["me"], UNAUTHORIZED)])
    for caller in SIGNED_IN_CALLERS:
        await gateways.compare("{ hello me }", headers=headers(caller))


async def test_a_denied_non_null_field_nulls_its_nullable_parent(gateways: Oracle) -> None:
    """Hive answers `{"candidate": {"name": "Candidate 1", "ticketNumber": null}}`, and
    `{"candidate": {"id": "1", "file": {"id": null, "summary": null}}}` with an error at each
    of `file`'s fields: nulls where the schema says `String!` and `ID!`."""
    inline = '{ candidate(id: "1") { ... { ticketNumber name } } }'
    mine = await gateways.ask_ours(inline)
    assert mine.data == {"candidate": None}
    assert paths(mine) == [(["candidate", "ticketNumber"], UNAUTHORIZED)]
    typed = '{ candidate(id: "1") { id file { id summary } } }'
    mine = await gateways.ask_ours(typed)
    assert mine.data == {"candidate": {"id": "1", "file": None}}
    # One error for the one null: `summary` is not reached once `id` has nulled `file`.
    assert paths(mine) == [(["candidate", "file", "id"], UNAUTHORIZED)]
    for caller in SIGNED_IN_CALLERS:
        await gateways.compare(inline, headers=headers(caller))
        await gateways.compare(typed, headers=headers(caller))


async def test_a_denied_non_null_field_in_a_list_item_nulls_up_to_the_root(
    gateways: Oracle,
) -> None:
    """`candidates` is `[Candidate!]!`: the first item's null nulls the list, and so the whole
    answer; the one error names that item. Hive answers every item with `"ticketNumber": null`
    and one error at `["candidates", "ticketNumber"]`."""
    query = "{ candidates { id name ticketNumber } }"
    mine = await gateways.ask_ours(query)
    assert (mine.data, paths(mine)) == (None, [(["candidates", 0, "ticketNumber"], UNAUTHORIZED)])
    for caller in SIGNED_IN_CALLERS:
        await gateways.compare(query, headers=headers(caller))


LISTS = {
    "scopes": ("{ candidates { id phone notes } }", "candidate", ["phone", "notes"]),
    "policies": ("{ candidates { id region district } }", "candidate", ["region", "district"]),
    "another subgraph's field": ("{ candidates { id passed score } }", "auditor", ["score"]),
    "an interface's field": ("{ people { id name contact } }", "anonymous", ["contact"]),
    "fragments and aliases": (
        "query Cards { candidates { ...Card first: ticketNumber } }"
        " fragment Card on Candidate { id n: name ticketNumber phone t: phone }",
        "candidate",
        ["phone", "t"],
    ),
}


@pytest.mark.parametrize(("query", "caller", "denied"), LISTS.values(), ids=LISTS.keys())
async def test_a_denied_field_in_a_list_is_an_error_in_each_item(
    query: str, caller: str, denied: list[str], gateways: Oracle
) -> None:
    """Each item's field is a field of its own: an error each, at the item's position. Hive
    answers the same data, but one error per selection at a path without positions
    (`["candidates", "phone"]`, `["candidates", "notes"]`), which names no value of the
    answer."""
    mine = await gateways.ask_ours(query, headers=headers(caller))
    theirs = await gateways.ask_hive(query, headers=headers(caller))
    assert mine.data == theirs["data"]
    (root,) = mine.data
    assert paths(mine) == [([root, item, key], UNAUTHORIZED) for item in (0, 1) for key in denied]


async def test_a_denied_non_null_mutation_field_stops_the_mutation(gateways: Oracle) -> None:
    """Its null nulls the answer, and the mutation fields after it do not run (graphql-js
    stops a serial execution there). Hive answers `{"markSeen": null, "ping": "pong"}`, a null
    where the schema says `String!`, and runs `ping`."""
    gateways.subgraphs.requests.clear()
    mine = await gateways.ask_ours('mutation { markSeen(id: "7") ping }')
    assert (mine.data, paths(mine)) == (None, [(["markSeen"], UNAUTHORIZED)])
    assert gateways.subgraphs.requests == []
    mine = await gateways.ask_ours('mutation { ping markSeen(id: "7") }')
    assert (mine.data, paths(mine)) == (None, [(["markSeen"], UNAUTHORIZED)])
    ((name, body),) = gateways.subgraphs.requests  # `ping`, run before `markSeen`
    assert (name, body["query"]) == ("people", "mutation { ping }")
    MARKED.clear()
    for caller in SIGNED_IN_CALLERS:
        await gateways.compare('mutation { markSeen(id: "7") ping }', headers=headers(caller))
    assert len(MARKED) == 2 * len(SIGNED_IN_CALLERS)


async def test_a_denied_field_of_a_null_object_is_not_reached(gateways: Oracle) -> None:
    """`candidate(id: "3")` is null, so none of its fields is executed, nor denied. Hive
    answers `{"candidate": {"ticketNumber": null}}` and an error at its path: an object where
    the subgraph answered null."""
    query = '{ candidate(id: "3") { ticketNumber } }'
    mine = await gateways.ask_ours(query)
    assert (mine.data, mine.errors) == ({"candidate": None}, [])
    for caller in SIGNED_IN_CALLERS:
        await gateways.compare(query, headers=headers(caller))


async def test_the_answers_themselves(gateways: Oracle) -> None:
    """Ours spelled out for two callers. Hive answers the anonymous caller
    `{"candidates": [{"id": "1", "ticketNumber": null, "phone": null}, {"id": "2", ...}],
    "me": null}` with errors at `["candidates", "ticketNumber"]`, `["candidates", "phone"]` and
    `["me"]`, and the candidate our data with one error at `["candidates", "phone"]`."""
    query = "{ candidates { id ticketNumber phone } me }"
    anonymous = await gateways.ask_ours(query)
    assert anonymous.data is None
    assert [(e["path"], e["message"], e["extensions"]["code"]) for e in anonymous.errors] == [
        (["candidates", 0, "ticketNumber"], "Unauthorized field or type", UNAUTHORIZED)
    ]
    candidate = await gateways.ask_ours(query, headers=headers("candidate"))
    assert candidate.data == {
        "candidates": [
            {"id": "1", "ticketNumber": "01030001", "phone": None},
            {"id": "2", "ticketNumber": "01030002", "phone": None},
        ],
        "me": "me",
    }
    assert paths(candidate) == [
        (["candidates", 0, "phone"], UNAUTHORIZED),
        (["candidates", 1, "phone"], UNAUTHORIZED),
    ]


async def test_no_subgraph_sees_a_denied_field(gateways: Oracle) -> None:
    gateways.subgraphs.requests.clear()
    await gateways.compare('{ candidate(id: "1") { id score } }', headers=headers("candidate"))
    assert {name for name, _ in gateways.subgraphs.requests} == {"people"}
    MARKED.clear()
    await gateways.ask_ours('mutation { markSeen(id: "7") }')
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


async def test_a_nullable_list_item_takes_the_null(gateways: Oracle) -> None:
    """Hive answers `{"maybeCandidates": [{"id": "1"}], "@": {"maybeCandidates":
    {"ticketNumber": null}}}` at the path `["@", "maybeCandidates", "ticketNumber"]`."""
    mine = await gateways.ask_ours("{ maybeCandidates { id ticketNumber } }")
    assert mine.data == {"maybeCandidates": [None]}
    assert paths(mine) == [(["maybeCandidates", 0, "ticketNumber"], UNAUTHORIZED)]


async def test_a_list_whose_items_keep_no_field_the_caller_may_see(gateways: Oracle) -> None:
    """`files` is `[CaseFile!]!` and `CaseFile.id` is `ID!`: the first item's null nulls the
    answer. Hive leaves `files` out of its plan and answers `{"files": {"id": null, "summary":
    null}}` with errors at `["files", "id"]` and `["files", "summary"]`: an object where the
    schema has a list, and nulls where it says `ID!` and `String!`."""
    mine = await gateways.ask_ours("{ files { id summary } }")
    assert (mine.data, paths(mine)) == (None, [(["files", 0, "id"], UNAUTHORIZED)])
    answer = await gateways.ask_ours("{ files { id summary } }", headers=headers("candidate"))
    assert (answer.data, answer.errors) == ({"files": [{"id": "f1", "summary": "file 1"}]}, [])


async def test_a_fragment_spread_at_two_paths_is_denied_at_both(gateways: Oracle) -> None:
    """Hive answers `{"other": {"ticketNumber": null}}` with one error at `["other",
    "ticketNumber"]`: the first field left out of its answer, and a null where the schema says
    `String!`."""
    query = (
        '{ candidate(id: "1") { ...Ticket } other: candidate(id: "2") { ...Ticket } }'
        " fragment Ticket on Candidate { ticketNumber }"
    )
    mine = await gateways.ask_ours(query)
    assert mine.data == {"candidate": None, "other": None}
    assert paths(mine) == [
        (["candidate", "ticketNumber"], UNAUTHORIZED),
        (["other", "ticketNumber"], UNAUTHORIZED),
    ]


async def test_a_fragment_left_out_is_not_checked(gateways: Oracle) -> None:
    """Hive checks the fields of an inline fragment that `@include(if: false)` leaves out, and
    answers them null with an error."""
    query = '{ candidate(id: "1") { name ... @include(if: false) { ticketNumber } } }'
    mine = await gateways.ask_ours(query)
    assert (mine.data, mine.errors) == ({"candidate": {"name": "Candidate 1"}}, [])


async def test_a_type_condition_decides_which_items_get_the_null(gateways: Oracle) -> None:
    """Hive answers `{"people": [{"id": "1", "contact": null}, {"id": "s1", "contact": null}]}`
    (a key the staff member's item did not select) with one error at `["people", "contact"]`;
    and `{"found": [{"id": null, "name": "Candidate 1"}, {"id": null}]}` with one error at
    `["found", "id"]`: the candidate's `id` nulled too, and nulls where the schema says `ID!`.
    Ours: the case file's `ID!` null nulls `found` (`[Found!]!`), and so the answer."""
    mine = await gateways.ask_ours("{ people { id ... on Candidate { contact } } }")
    assert mine.data == {"people": [{"id": "1", "contact": None}, {"id": "s1"}]}
    assert paths(mine) == [(["people", 0, "contact"], UNAUTHORIZED)]
    mine = await gateways.ask_ours(
        "{ found { ... on Candidate { id name } ... on CaseFile { id } } }"
    )
    assert (mine.data, paths(mine)) == (None, [(["found", 1, "id"], UNAUTHORIZED)])
