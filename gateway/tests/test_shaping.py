"""Null propagation as GraphQL (graphql-js, Hive Gateway) does it, over subgraphs that break their
own schema: a null or missing value for a non-null field is one error at that field's path, and
the null goes up to the nearest nullable parent. Each operation takes a field from a second
subgraph, so that it is planned and shaped, not forwarded to one subgraph as written."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, OperationDefinitionNode, build_schema, parse

from zikao_gateway.operation import normalize
from zikao_gateway.shaping import Shaper
from zikao_gateway.testing import Ask, InProcessSubgraphs


def set_field(name: str, value: Any, where: str = "book", item: int | None = None) -> Any:
    """Tampers with ``data[where]`` (one object, or the ``item``-th of a list)."""

    def tamper(answer: dict[str, Any]) -> None:
        found = answer["data"][where]
        target = found if item is None else found[item]
        if value is _MISSING:
            del target[name]
        else:
            target[name] = value

    return tamper


_MISSING = object()


def null_error(field: str, path: list[str | int]) -> dict[str, Any]:
    message = f"Cannot return null for non-nullable field {field}."
    return {"message": message, "path": path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


async def test_a_null_for_a_non_null_field_is_an_error_at_its_path(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["catalog"] = set_field("title", None)
    outcome = await ask('{ book(isbn: "978-0001") { title year rating } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.title", ["book", "title"])]


async def test_a_missing_value_is_a_null(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    subgraphs.tamper["catalog"] = set_field("year", _MISSING)
    outcome = await ask('{ book(isbn: "978-0001") { title year rating } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.year", ["book", "year"])]


async def test_the_null_goes_up_through_non_null_lists_to_the_root(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["catalog"] = set_field("title", None, "books", item=1)
    outcome = await ask("{ books(first: 3) { title rating } }")
    assert outcome.data is None
    assert outcome.errors == [null_error("Book.title", ["books", 1, "title"])]


async def test_a_null_in_an_entity_answer(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    def tamper(answer: dict[str, Any]) -> None:
        for entities in answer["data"].values():
            for entity in entities:
                entity["stock"] = None

    subgraphs.tamper["inventory"] = tamper
    outcome = await ask('{ book(isbn: "978-0002") { title stock } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.stock", ["book", "stock"])]


async def test_a_null_the_subgraph_explained_adds_no_error(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    nulled = set_field("title", None)

    def tamper(answer: dict[str, Any]) -> None:
        nulled(answer)
        answer["errors"] = [{"message": "title lost", "path": ["book", "title"]}]

    subgraphs.tamper["catalog"] = tamper
    outcome = await ask('{ book(isbn: "978-0001") { title rating } }')
    assert outcome.data == {"book": None}
    assert [(e["path"], e["extensions"]["code"]) for e in outcome.errors] == [
        (["book", "title"], "DOWNSTREAM_SERVICE_ERROR")
    ]


async def test_a_nulled_response_has_no_errors_of_the_root_fields_after_it(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.down.add("inventory")
    # Book 13's rating is an error of the reviews subgraph; `lowStock` nulls the response first.
    outcome = await ask("{ lowStock { isbn } books(first: 14) { rating } }")
    assert outcome.data is None
    assert [(e["path"], e["extensions"]["code"]) for e in outcome.errors] == [
        (["lowStock"], "subgraph_unavailable")
    ]
    before = await ask("{ books(first: 14) { rating } lowStock { isbn } }")
    assert [e["path"] for e in before.errors] == [["books", 12, "rating"], ["lowStock"]]


async def test_an_object_with_a_null_key_is_not_asked_for(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["inventory"] = set_field("isbn", None, "lowStock", item=0)
    outcome = await ask("{ lowStock { isbn title } }")
    assert outcome.data is None
    assert outcome.errors == [null_error("Book.isbn", ["lowStock", 0, "isbn"])]
    (catalog,) = [body for name, body in subgraphs.requests if name == "catalog"]
    assert None not in [r["isbn"] for r in catalog["variables"]["representations0"]]  # type: ignore[index]


# A field the caller may not see (`authorization`): a field error wherever it is reached.
DENIALS_SCHEMA = build_schema(
    """
    type Query { hello: String me: String! exam: Exam exams: [Exam!] sittings: [Exam]! }
    type Exam { code: String! room: String }
    """
)
EXAMS = [{"code": "00015", "room": "A1"}, {"code": "00018", "room": "B2"}]


def shape_denied(query: str, denied: set[str], data: dict[str, Any]) -> tuple[Any, list[Any]]:
    """``query``'s answer over ``data`` where the fields named in ``denied`` are denied, and
    its errors as (message, path, code)."""
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    nodes: set[int] = set()
    stack = list(operation.selection_set.selections)
    while stack:
        node = stack.pop()
        assert isinstance(node, FieldNode)
        if node.name.value in denied:
            nodes.add(id(node))
        stack.extend(node.selection_set.selections if node.selection_set else ())
    shaper = Shaper(DENIALS_SCHEMA, lambda _, path: {"path": path}, denials=True)
    selections = normalize(operation.selection_set, {}, {}, nodes)
    assert DENIALS_SCHEMA.query_type is not None
    shaped = shaper.shape_root(DENIALS_SCHEMA.query_type, selections, data)
    errors = shaper.response_errors([])
    return shaped, [(e["message"], e["path"], e["extensions"]["code"]) for e in errors]


def unauthorized(path: list[str | int]) -> tuple[str, list[str | int], str]:
    return ("Unauthorized field or type", path, "UNAUTHORIZED_FIELD_OR_TYPE")


def test_a_denied_non_null_field_nulls_its_nullable_parent() -> None:
    data = {"hello": "你好", "exam": {"room": "A1"}}
    assert shape_denied("{ hello exam { code room } }", {"code"}, data) == (
        {"hello": "你好", "exam": None},
        [unauthorized(["exam", "code"])],
    )


def test_a_denied_non_null_field_in_a_non_null_item_nulls_the_list() -> None:
    """The first item's null reaches the (nullable) list: one error, at that item."""
    data = {"hello": "你好", "exams": [{"room": "A1"}, {"room": "B2"}]}
    assert shape_denied("{ exams { code room } hello }", {"code"}, data) == (
        {"exams": None, "hello": "你好"},
        [unauthorized(["exams", 0, "code"])],
    )


def test_a_denied_non_null_field_in_a_nullable_item_nulls_each_item() -> None:
    data = {"sittings": [{"room": "A1"}, None, {"room": "B2"}]}
    assert shape_denied("{ sittings { code room } }", {"code"}, data) == (
        {"sittings": [None, None, None]},
        [unauthorized(["sittings", 0, "code"]), unauthorized(["sittings", 2, "code"])],
    )


def test_a_denied_non_null_root_field_nulls_the_answer() -> None:
    """The root fields after it are not reached: their errors go too."""
    assert shape_denied("{ hello me }", {"me"}, {"hello": "你好"}) == (
        None,
        [unauthorized(["me"])],
    )
    data = {"exams": [{"room": "A1"}]}
    assert shape_denied("{ me exams { code room } }", {"me", "code"}, data) == (
        None,
        [unauthorized(["me"])],
    )


def test_a_denied_nullable_field_is_an_error_in_each_item() -> None:
    data = {"exams": [{"code": e["code"]} for e in EXAMS]}
    assert shape_denied("{ exams { code room } }", {"room"}, data) == (
        {"exams": [{"code": "00015", "room": None}, {"code": "00018", "room": None}]},
        [unauthorized(["exams", 0, "room"]), unauthorized(["exams", 1, "room"])],
    )


def test_a_denied_field_under_a_null_is_not_reached() -> None:
    assert shape_denied(
        "{ exam { code } exams { code } }", {"code"}, {"exam": None, "exams": []}
    ) == (
        {"exam": None, "exams": []},
        [],
    )
