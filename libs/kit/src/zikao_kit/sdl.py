"""`python -m zikao_kit.sdl module:schema OUT`: writes a subgraph's SDL for composition."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import strawberry


def subgraph_sdl(target: str) -> str:
    """The SDL (as `_service { sdl }` answers it) of the schema named `module:attribute`."""
    module_name, _, attribute = target.partition(":")
    schema = getattr(importlib.import_module(module_name), attribute or "schema")
    if not isinstance(schema, strawberry.federation.Schema):
        raise TypeError(f"{target} is not a federation schema")
    return schema.as_str() + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m zikao_kit.sdl module:schema OUT\n")
        return 2
    Path(argv[1]).write_text(subgraph_sdl(argv[0]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
