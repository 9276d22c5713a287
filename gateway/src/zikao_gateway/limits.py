"""The limits on a document, each with a safe default and a stable code, checked once per
document (the parsed document and its sizes are cached with it) before it is validated,
planned or sent anywhere.

| code | refused when |
| --- | --- |
| `too_many_tokens` | the text holds more tokens than `tokens` (graphql-core stops parsing there) |
| `operation_too_large` | more field selections than `selections`, fragments expanded |
| `operation_too_deep` | fields nest deeper than `depth`, fragments expanded |
| `too_many_aliases` | more aliased fields than `aliases`, fragments expanded |
| `too_many_root_fields` | an operation selects more root fields than `root_fields` |

A limit of 0 is no limit (development and benches only: production refuses it at start).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from graphql import DocumentNode, GraphQLSyntaxError, parse

from zikao_gateway.sizing import MAX_SELECTIONS, Measures

Json = dict[str, object]

MAX_DEPTH = 20
"""Four times the deepest operation of clients/candidate.graphql (5: `me.exams.seat.venue
.name`); graphql-core's introspection query nests 15 (its `TypeRef` fragment)."""
MAX_ALIASES = 30
"""clients/candidate.graphql uses none; a staff screen asking for a few variants of one field
stays well inside."""
MAX_ROOT_FIELDS = 10
"""Each operation of clients/candidate.graphql selects one root field, staff set-ups three."""
MAX_TOKENS = 1000
"""The largest operation of clients/candidate.graphql is 69 tokens, graphql-core's
introspection query with every option 191."""
TOKEN_LIMIT_MESSAGE = "Document contains more than"


@dataclass(frozen=True)
class Limits:
    selections: int = MAX_SELECTIONS
    depth: int = MAX_DEPTH
    aliases: int = MAX_ALIASES
    root_fields: int = MAX_ROOT_FIELDS
    tokens: int = MAX_TOKENS

    @property
    def unlimited(self) -> tuple[str, ...]:
        """The names of the limits switched off (0)."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) == 0)

    def refusal(self, measures: Measures) -> Json | None:
        """The error of the first limit ``measures`` exceed, or None."""
        checks = (
            (self.selections, measures.selections, "operation_too_large", "字段选择"),
            (self.depth, measures.depth, "operation_too_deep", "嵌套层数"),
            (self.aliases, measures.aliases, "too_many_aliases", "别名"),
            (self.root_fields, measures.root_fields, "too_many_root_fields", "顶层字段"),
        )
        for limit, value, code, what in checks:
            if limit and value > limit:
                return refusal(code, f"操作过大：展开片段后有 {value} 个{what}，上限为 {limit} 个")
        return None


def parse_limited(query: str, limits: Limits) -> DocumentNode | Json:
    """The parsed document, or the token limit's error (a syntax error raises as usual).
    Comments are limited alike: they are kept as tokens too."""
    most = limits.tokens or None
    try:
        return parse(query, max_lexical_tokens=most, max_comments=most)
    except GraphQLSyntaxError as error:
        if TOKEN_LIMIT_MESSAGE in error.message:
            message = f"操作过大：超过 {limits.tokens} 个词法单元"
            return refusal("too_many_tokens", message)
        raise


def refusal(code: str, message: str) -> Json:
    return {"message": message, "extensions": {"code": code}}
