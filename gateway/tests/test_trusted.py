"""Trusted documents: the manifest is the contract's operations, each under the sha256 of its
exact text, and stays in step with clients/candidate.graphql."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from contract import client_operations
from graphql import parse

from zikao_gateway.trusted import (
    CONTRACT,
    MANIFEST,
    TrustedDocuments,
    main,
    manifest,
    split_operations,
)


def test_the_manifest_is_in_step_with_the_contract() -> None:
    written = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert written == manifest(CONTRACT.read_text(encoding="utf-8")), (
        "clients/trusted-documents.json is stale: run make trusted-documents"
    )
    assert main(["--check"]) == 0


def test_one_entry_per_operation_hashed_over_its_exact_text() -> None:
    written = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert len(written) == len(client_operations())
    for key, text in written.items():
        assert key == "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        (operation,) = parse(text).definitions[:1]
        assert operation.name is not None  # type: ignore[attr-defined]


def test_an_operation_takes_the_fragments_it_uses_and_no_others() -> None:
    contract = """
    query A { me { ...Who } }
    query B { me { name } }
    fragment Who on Candidate { name ...Where }
    fragment Where on Candidate { region { code } }
    fragment Unused on Candidate { email }
    """
    texts = split_operations(contract)
    assert list(texts) == ["A", "B"]
    assert "fragment Who" in texts["A"]
    assert "fragment Where" in texts["A"]
    assert "Unused" not in texts["A"]
    assert "fragment" not in texts["B"]


def test_a_stale_manifest_fails_the_check(tmp_path: Path) -> None:
    contract = tmp_path / "contract.graphql"
    contract.write_text("query A { a }", encoding="utf-8")
    out = tmp_path / "trusted.json"
    assert main(["--contract", str(contract), "--out", str(out)]) == 0
    assert main(["--contract", str(contract), "--out", str(out), "--check"]) == 0
    contract.write_text("query A { a b }", encoding="utf-8")
    assert main(["--contract", str(contract), "--out", str(out), "--check"]) == 1


def test_an_entry_whose_id_is_not_its_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({"sha256:" + "0" * 64: "query A { a }"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not the sha256"):
        TrustedDocuments.load(path)
