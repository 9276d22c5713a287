"""Trusted documents: the operations of clients/candidate.graphql, each known by the sha256 of
its text, and the only documents that candidates and anonymous callers may send in production.

The contract file is split into one document per named operation: the operation's definition
and the fragments it spreads (directly or through other fragments, in the file's order), as
graphql-core's `print_ast` prints them (comments dropped, one canonical layout). Its id is
`sha256:` and the hex digest of exactly that text, UTF-8 encoded. `make trusted-documents`
writes the manifest (`"sha256:<hex>"` → text) that the frontends build with; a client sends
`{"documentId": "sha256:<hex>", "variables": …}` or the text itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "clients" / "candidate.graphql"
MANIFEST = ROOT / "clients" / "trusted-documents.json"
PREFIX = "sha256:"


def document_id(text: str) -> str:
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_operations(contract: str) -> dict[str, str]:
    """Each named operation of ``contract`` → its document's text (see the module's doc)."""
    document = parse(contract)
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    texts = {}
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode) and operation.name is not None:
            used = _fragments_used(operation, {f.name.value: f for f in fragments})
            definitions = (operation, *(f for f in fragments if f.name.value in used))
            texts[operation.name.value] = print_ast(DocumentNode(definitions=definitions))
    return texts


def manifest(contract: str) -> dict[str, str]:
    """Document id → text, one entry per operation of ``contract``, in its order."""
    return {document_id(text): text for text in split_operations(contract).values()}


@dataclass(frozen=True)
class TrustedDocuments:
    """The manifest as the gateway reads it: texts by id, and the set of texts."""

    by_id: Mapping[str, str]
    texts: frozenset[str]

    @classmethod
    def load(cls, path: Path = MANIFEST) -> TrustedDocuments:
        entries = json.loads(path.read_text(encoding="utf-8"))
        wrong = [key for key, text in entries.items() if document_id(text) != key]
        if wrong:
            raise ValueError(f"{path.name}: ids that are not the sha256 of their text: {wrong}")
        return cls(entries, frozenset(entries.values()))

    def trusts(self, query: str) -> bool:
        return query in self.texts


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _fragments_used(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    used: set[str] = set()
    waiting: list[DocumentNode | OperationDefinitionNode | FragmentDefinitionNode] = [operation]
    while waiting:
        spreads = _Spreads()
        visit(waiting.pop(), spreads)
        for name in spreads.names - used:
            used.add(name)
            if name in fragments:
                waiting.append(fragments[name])
    return used


def main(argv: list[str] | None = None) -> int:
    """`python -m zikao_gateway.trusted [--check]`: writes (or checks) the manifest."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--contract", type=Path, default=CONTRACT)
    parser.add_argument("--out", type=Path, default=MANIFEST)
    parser.add_argument("--check", action="store_true", help="fail if the manifest is stale")
    options = parser.parse_args(argv)
    text = json.dumps(
        manifest(options.contract.read_text(encoding="utf-8")), ensure_ascii=False, indent=2
    )
    if options.check:
        current = options.out.read_text(encoding="utf-8") if options.out.exists() else ""
        if current != text + "\n":
            sys.stderr.write(f"{options.out.name} is stale: run make trusted-documents\n")
            return 1
        return 0
    options.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
