"""How many field selections a document holds, its operations' fragments expanded, counted
without expanding them.

A fragment that spreads the previous one twice, forty times over, expands to 2^40 copies:
normalisation would build every one. Here each named fragment is sized once, from the sizes of
the fragments it spreads, so counting costs one walk of the document whatever the expansion.
`@skip`/`@include` are not decided: the count is the most that any values of the variables can
select, so one limit covers every plan of the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

MAX_SELECTIONS = 1000
"""The default limit on a document's size (`GATEWAY_MAX_SELECTIONS`): 59 times the largest
operation of clients/candidate.graphql (17), 4 times graphql-core's introspection query with
every option (232). Not more: a plan grows faster than its operation (1,000 aliased entity
fields, 2,000 selections, took 0.6 s to plan here; twice as many, 3 s)."""
UNBOUNDED = 2**63
"""The count of a fragment cycle (which the validator refuses later), and the most that any
count says: past it, counts stop growing."""


@dataclass(frozen=True)
class _Shape:
    """What one selection set holds before its spreads are expanded."""

    fields: int
    spreads: Counter[str]


def document_size(document: DocumentNode) -> int:
    """The larger of the field selections written in the document (every definition once, so
    that fragments no operation uses count too: the validator reads them all) and those of its
    largest operation with every fragment expanded."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    written = sum(_shape(d.selection_set).fields for d in (*operations, *fragments.values()))
    sizer = FragmentSizer(fragments)
    expanded = max((sizer.count(o.selection_set) for o in operations), default=0)
    return max(written, expanded)


class FragmentSizer:
    """Counts the fields a selection set expands to; each fragment's count is kept once made."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._shapes = {name: _shape(d.selection_set) for name, d in fragments.items()}
        self._sizes: dict[str, int] = {}

    def count(self, selection_set: SelectionSetNode) -> int:
        """Every field selection of the expansion, however often a spread repeats it."""
        shape = _shape(selection_set)
        for name in shape.spreads:
            self._size_fragment(name)
        return self._total(shape)

    def _size_fragment(self, root: str) -> None:
        """Sizes ``root`` and what it spreads, deepest first, with a stack rather than recursion
        (a fragment chain may be deeper than Python's recursion limit)."""
        stack = [root]
        open_: set[str] = set()
        while stack:
            name = stack[-1]
            if name in self._sizes or name not in self._shapes:
                stack.pop()
                open_.discard(name)
                continue
            open_.add(name)
            waiting = [n for n in self._shapes[name].spreads if self._unsized(n)]
            for cyclic in open_.intersection(waiting):
                self._sizes[cyclic] = UNBOUNDED  # it spreads itself: no end to its expansion
            waiting = [n for n in waiting if n not in self._sizes]
            if waiting:
                stack.extend(waiting)
                continue
            self._sizes[name] = self._total(self._shapes[name])

    def _unsized(self, name: str) -> bool:
        return name in self._shapes and name not in self._sizes

    def _total(self, shape: _Shape) -> int:
        # An unknown fragment counts nothing: the validator has refused the document already.
        spread = sum(times * self._sizes.get(name, 0) for name, times in shape.spreads.items())
        return min(shape.fields + spread, UNBOUNDED)


def _shape(selection_set: SelectionSetNode) -> _Shape:
    fields = 0
    spreads: Counter[str] = Counter()
    stack = [selection_set]
    while stack:
        for node in stack.pop().selections:
            if isinstance(node, FragmentSpreadNode):
                spreads[node.name.value] += 1
            elif isinstance(node, FieldNode | InlineFragmentNode):
                fields += isinstance(node, FieldNode)
                if node.selection_set is not None:
                    stack.append(node.selection_set)
    return _Shape(fields, spreads)
