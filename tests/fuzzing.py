"""Strategies of the fuzzing tests (test_fuzz.py): variables for an operation from its variable
definitions, the domain's well-formed values by variable name, whole mutations from the API
schema, and what counts as a refusal or an unexpected error in an answer."""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contract import SUPERGRAPH
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    print_ast,
    type_from_ast,
)
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes

from zikao_gateway.api_schema import derive_api_schema
from zikao_gateway.supergraph import load_supergraph
from zikao_identity import idnumber
from zikao_kit.auth import Role

API_SCHEMA = derive_api_schema(load_supergraph(SUPERGRAPH).document)
PROBLEMS = frozenset(
    name
    for name, kind in API_SCHEMA.type_map.items()
    if any(i.name == "Problem" for i in getattr(kind, "interfaces", ()))
)
UNEXPECTED = frozenset({"internal", "INTERNAL_SERVER_ERROR"})

# Any text: every plane of Unicode, NUL and controls; lone surrogates go through JSON escaped.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet="\x00\t\n\r\u202e\u200b\ufeff\U0001f600中文", max_size=20),
    st.tuples(st.text(min_size=1, max_size=8), st.integers(2_000, 20_000)).map(
        lambda piece: piece[0] * piece[1]  # huge
    ),
    st.sampled_from(["", " ", "null", "' OR 1=1 --", "${jndi:x}", "../../etc/passwd", "%00"]),
)
DIGITS = st.text(alphabet=string.digits, min_size=1, max_size=20)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Mostly valid resident ID numbers (right check character), some nearly."""
    region = draw(st.sampled_from(["500103", "500106", "110101", "440305", "999999"]))
    born = draw(st.dates(datetime(1940, 1, 1).date(), datetime(2012, 12, 31).date()))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    valid = first17 + idnumber.check_char(first17)
    return draw(
        st.sampled_from(
            [valid, valid.lower(), valid[:-1] + "0", f" {valid} ", valid[:17], valid + "1"]
        )
    )


TICKETS = st.one_of(
    st.text(alphabet=string.digits, min_size=12, max_size=12),
    st.text(alphabet=string.digits + "０１２３", min_size=11, max_size=13),
)
SITTINGS = st.builds(
    lambda year, month: f"{year}-{month}",
    st.integers(1999, 2100),
    st.sampled_from(["04", "10", "01", "13", "4"]),
)
COURSES = st.one_of(
    st.sampled_from(["03708", "00037", "03706", "00015", "99999"]),
    st.text(alphabet=string.digits, min_size=4, max_size=6),
)
REGIONS = st.sampled_from(["0103", "0106", "0109", "9999", "01", ""])
NAMES = st.one_of(
    st.sampled_from(["张三", "陈端到端", "欧阳娜娜", "买买提·艾力", "王" * 60]),
    st.text(alphabet="张王李赵陈刘·", min_size=1, max_size=8),
)
PHONES = st.text(alphabet=string.digits, min_size=10, max_size=12)
DOMAIN = {
    "idnumber": id_numbers(),
    "ticketnumber": TICKETS,
    "login": st.one_of(TICKETS, id_numbers()),
    "sitting": SITTINGS,
    "coursecode": COURSES,
    "regioncode": REGIONS,
    "name": NAMES,
    "phone": PHONES,
    "password": st.text(min_size=6, max_size=40),
    "answer": st.sampled_from(["TEST", "test", "", "人和街小学"]),
    "code": st.one_of(
        COURSES, SITTINGS, REGIONS, st.text(alphabet="ABCDEF0123456789", max_size=16)
    ),
}


def domain(name: str) -> st.SearchStrategy[Any] | None:
    return DOMAIN.get(name.lower().replace("_", ""))


def value_for(name: str, kind: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Anything of `kind`, mostly well-formed where `name` is one of the domain's, sometimes
    null or of another type altogether."""
    right = _value(name, kind, depth)
    wrong = st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))
    return st.one_of(right, right, right, wrong)


def _value(name: str, kind: Any, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLNonNull):
        return _value(name, kind.of_type, depth)
    if isinstance(kind, GraphQLList):
        return st.lists(_value(name, kind.of_type, depth + 1), max_size=4 if depth < 3 else 0)
    if isinstance(kind, GraphQLEnumType):
        return st.one_of(st.sampled_from(sorted(kind.values)), ANY_TEXT)
    if isinstance(kind, GraphQLInputObjectType):
        if depth > 3:
            return st.just({})
        required = {
            field: _value(field, spec.type, depth + 1)
            for field, spec in kind.fields.items()
            if isinstance(spec.type, GraphQLNonNull)
        }
        optional = {
            field: st.one_of(st.none(), _value(field, spec.type, depth + 1))
            for field, spec in kind.fields.items()
            if not isinstance(spec.type, GraphQLNonNull)
        }
        return st.fixed_dictionaries(required, optional=optional)
    assert isinstance(kind, GraphQLScalarType), kind
    known = domain(name)
    if kind.name in ("String", "ID"):
        any_text = ANY_TEXT if kind.name == "String" else st.one_of(ANY_TEXT, st.uuids().map(str))
        return any_text if known is None else st.one_of(known, known, any_text)
    if kind.name == "Int":
        return st.one_of(st.integers(-5, 200), st.integers(-(2**40), 2**40), ANY_TEXT)
    if kind.name == "Boolean":
        return st.one_of(st.booleans(), ANY_TEXT)
    if kind.name == "Date":
        return st.one_of(st.dates().map(str), ANY_TEXT)
    if kind.name == "DateTime":
        moments = st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
        soon = st.integers(-400, 400).map(
            lambda days: (datetime.now(UTC) + timedelta(days=days)).isoformat()
        )
        return st.one_of(soon, moments, ANY_TEXT)
    return ANY_TEXT


def variables_for(operation: OperationDefinitionNode) -> st.SearchStrategy[dict[str, Any]]:
    """The operation's variables: each required one always there (of any value), the others
    sometimes left out."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        kind = type_from_ast(API_SCHEMA, definition.type)
        assert kind is not None, name
        strategy = value_for(name, kind)  # type: ignore[arg-type]
        (required if isinstance(kind, GraphQLNonNull) else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def callers(zikao: Any) -> dict[str, str | None]:
    """Tokens by caller: anonymous, a candidate (nobody's record), district staff, an admin."""
    return {
        "anonymous": None,
        "candidate": zikao.token(str(uuid.UUID(int=0xF022)), Role.CANDIDATE, region="0103"),
        "staff": zikao.token("fuzz-staff-0103", Role.STAFF, region="0103"),
        "admin": zikao.token("fuzz-admin", Role.ADMIN),
    }


def _with_typenames(document: DocumentNode) -> str:
    """The generated mutation with `__typename` on each root field of an object or union type
    (to tell a typed problem from a success)."""
    typename = FieldNode(name=NameNode(value="__typename"))
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            fields = []
            for field in definition.selection_set.selections:
                if isinstance(field, FieldNode) and field.selection_set is not None:
                    selections = (*field.selection_set.selections, typename)
                    field = FieldNode(
                        alias=field.alias,
                        name=field.name,
                        arguments=field.arguments,
                        directives=field.directives,
                        selection_set=SelectionSetNode(selections=selections),
                    )
                fields.append(field)
            definition = OperationDefinitionNode(
                operation=definition.operation,
                name=definition.name,
                variable_definitions=definition.variable_definitions,
                directives=definition.directives,
                selection_set=SelectionSetNode(selections=tuple(fields)),
            )
        definitions.append(definition)
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def staff_mutations() -> st.SearchStrategy[str]:
    """Any mutation of the API schema, its arguments inline (dates and times well-formed)."""
    scalars = {
        "Date": st.dates().map(lambda d: nodes.String(str(d))),
        "DateTime": st.datetimes(timezones=st.just(UTC)).map(
            lambda moment: nodes.String(moment.isoformat())
        ),
    }
    return mutations(API_SCHEMA, custom_scalars=scalars, print_ast=_with_typenames)


def unexpected_errors(body: dict[str, Any]) -> list[Any]:
    """The errors of an answer without a code, or with one that means a bug."""
    return [
        error
        for error in body.get("errors") or ()
        if not isinstance(error, dict)
        or not isinstance(error.get("extensions"), dict)
        or error["extensions"].get("code") in UNEXPECTED
        or not error["extensions"].get("code")
    ]


def is_refusal(body: dict[str, Any]) -> bool:
    """Whether nothing of the operation was done: no data, or each root field null or a typed
    problem."""
    data = body.get("data")
    if not isinstance(data, dict):
        return True
    return all(
        value is None or (isinstance(value, dict) and value.get("__typename") in PROBLEMS)
        for value in data.values()
    )
