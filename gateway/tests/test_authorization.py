"""The auth directives read from a supergraph, the requirements they make, what a principal
holds of scopes and policies, and the guarded selections of a document."""

from __future__ import annotations

import pytest
from graphql import build_ast_schema, parse

from zikao_gateway.authorization import (
    ANONYMOUS,
    Access,
    Requirement,
    Rules,
    access_of,
)
from zikao_kit.auth import Principal, Role

SDL = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
{ query: Query }

directive @link(url: String, as: String, for: String) repeatable on SCHEMA
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE
directive @scopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE
directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION

type Query {
  hello: String
  me: String! @authenticated
  files: [File!]!
  people: [Person!]!
  scores: Int @scopes(scopes: [["staff"], ["admin", "audit"]])
  decoy: Int @requiresScopes(scopes: [["nobody"]])
}

type File @policy(policies: [["staff"]]) {
  id: ID!
  summary: String @scopes(scopes: [["audit"]])
}

interface Person { id: ID! contact: String @authenticated }
type Staff implements Person { id: ID! contact: String }
"""


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.read(parse(SDL))


def test_the_directives_are_read_by_the_names_the_supergraph_links(rules: Rules) -> None:
    assert rules.fields[("Query", "me")] == Requirement(authenticated=True)
    scores = (frozenset({"staff"}), frozenset({"admin", "audit"}))
    assert rules.fields[("Query", "scores")] == Requirement(scopes=(scores,))
    assert ("Query", "decoy") not in rules.fields  # `@requiresScopes` is not linked here
    assert rules.types == {"File": Requirement(policies=((frozenset({"staff"}),),))}
    assert rules.of("Query", "hello") is None
    assert rules.of("File", "summary") == Requirement(
        scopes=((frozenset({"audit"}),),), policies=((frozenset({"staff"}),),)
    )
    assert rules.of("Person", "contact") == Requirement(authenticated=True)
    assert rules.of("Staff", "contact") is None


STAFF = Access(True, frozenset({"staff"}), frozenset({"staff"}))
AUDITING_ADMIN = Access(True, frozenset({"admin", "audit"}))


@pytest.mark.parametrize(
    ("requirement", "allowed"),
    [
        (Requirement(authenticated=True), [STAFF, AUDITING_ADMIN, Access(True)]),
        (
            Requirement(scopes=((frozenset({"staff"}), frozenset({"admin", "audit"})),)),
            [STAFF, AUDITING_ADMIN],  # either group, each whole
        ),
        (Requirement(scopes=((frozenset({"admin", "staff"}),),)), []),
        (
            Requirement(scopes=((frozenset({"staff"}),), (frozenset({"audit"}),))),
            [],  # a type's and its field's: both
        ),
        (Requirement(policies=((frozenset({"staff"}),),)), [STAFF]),
        (Requirement(), [ANONYMOUS, STAFF, AUDITING_ADMIN, Access(True)]),
    ],
)
def test_a_requirement_allows_the_callers_that_meet_all_of_it(
    requirement: Requirement, allowed: list[Access]
) -> None:
    callers = [ANONYMOUS, STAFF, AUDITING_ADMIN, Access(True)]
    assert [c for c in callers if requirement.allows(c)] == allowed


def _principal(role: Role, region: str | None = None, scopes: str = "") -> Principal:
    return Principal("p", role, region_code=region, scopes=frozenset(scopes.split()))


@pytest.mark.parametrize(
    ("principal", "scopes", "policies"),
    [
        (_principal(Role.CANDIDATE), {"candidate"}, {"candidate"}),
        (_principal(Role.CANDIDATE, scopes="self"), {"candidate", "self"}, {"candidate"}),
        (_principal(Role.STAFF, "0103"), {"staff"}, {"staff", "district-staff"}),
        (_principal(Role.STAFF), {"staff"}, {"staff", "provincial"}),
        (_principal(Role.ADMIN), {"staff", "admin"}, {"staff", "provincial"}),
        (_principal(Role.AUDITOR), {"auditor"}, {"auditor"}),
        (_principal(Role.SERVICE), {"service"}, {"service"}),
    ],
)
def test_a_principal_holds_its_tokens_scopes_its_roles_and_the_policies_it_meets(
    principal: Principal, scopes: set[str], policies: set[str]
) -> None:
    assert access_of(principal) == Access(True, frozenset(scopes), frozenset(policies))


def test_anonymous_callers_hold_nothing() -> None:
    assert access_of(None) == ANONYMOUS == Access(False)


def test_the_guarded_selections_of_a_document(rules: Rules) -> None:
    schema = build_ast_schema(parse(SDL))
    document = parse(
        """
        query Q { hello me m2: me files { ...F } people { contact ... on Staff { contact } }
                  __schema { types { name } } }
        fragment F on File { id ... { summary } __typename }
        query R { scores }
        """
    )
    guards = rules.guards(schema, document)
    found = [(g.node.alias.value if g.node.alias else g.node.name.value) for g in guards.guards]
    assert found == ["me", "m2", "contact", "id", "summary", "scores"]
    assert guards.denied(ANONYMOUS) == (0, 1, 2, 3, 4, 5)
    assert guards.denied(STAFF) == (4,)
    assert guards.denied(Access(True, frozenset({"staff", "audit"}), frozenset({"staff"}))) == ()
    assert guards.nodes((4,)) == frozenset({id(guards.guards[4].node)})
    assert not rules.guards(schema, parse("{ hello files { __typename } }"))
