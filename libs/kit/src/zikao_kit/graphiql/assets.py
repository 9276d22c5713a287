"""`python -m zikao_kit.graphiql [NODE_MODULES]`: copies GraphiQL, React and ReactDOM from the
npm packages (`npm ci` installs them) into the served `static/vendor/`; run by `make install`,
so a checkout, a CI machine and a wheel built after it all have them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from zikao_kit.graphiql import ASSETS, VENDOR_DIR


class AssetsMissingError(FileNotFoundError):
    """An npm package the page needs is not installed."""


def install_assets(node_modules: Path, vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Copies every file of `ASSETS` whose content changed; returns the files written."""
    missing = [source for source in ASSETS.values() if not (node_modules / source).is_file()]
    if missing:
        raise AssetsMissingError(
            f"not in {node_modules}: {', '.join(missing)} (run `npm ci` first)"
        )
    vendor_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, source in ASSETS.items():
        target = vendor_dir / name
        content = (node_modules / source).read_bytes()
        if not target.is_file() or target.read_bytes() != content:
            tmp = target.with_suffix(target.suffix + ".part")
            tmp.write_bytes(content)
            tmp.replace(target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m zikao_kit.graphiql")
    parser.add_argument("node_modules", nargs="?", type=Path, default=Path("node_modules"))
    args = parser.parse_args(argv)
    try:
        written = install_assets(args.node_modules)
    except AssetsMissingError as error:
        sys.exit(f"graphiql: {error}")
    for path in written:
        sys.stdout.write(f"{path}\n")  # the copied file, for the install's log
