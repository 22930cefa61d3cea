"""The whole W3C RDFC-1.0 test suite: one case per manifest entry, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REFERENCE

from mcbadge.errors import CanonicalizationError
from mcbadge.jsonld import canonicalize, issued_identifiers, parse_nquads

SUITE = REFERENCE / "vectors" / "rdf-canon"


def _entries() -> list[Any]:
    manifest = SUITE / "manifest.jsonld"
    if not manifest.is_file():
        return []
    entries: list[dict[str, Any]] = json.loads(manifest.read_text(encoding="utf-8"))["entries"]
    return [pytest.param(entry, id=entry["id"].lstrip("#")) for entry in entries]


def _read(relative: str) -> str:
    return (SUITE / relative).read_text(encoding="utf-8")


def test_suite_is_present() -> None:
    assert len(_entries()) > 60


@pytest.mark.parametrize("entry", _entries())
def test_rdfc10_manifest_entry(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    hash_algorithm = entry.get("hashAlgorithm", "SHA256")
    kind = entry["type"]
    if kind == "rdfc:RDFC10EvalTest":
        assert canonicalize(dataset, hash_algorithm=hash_algorithm) == _read(entry["result"])
    elif kind == "rdfc:RDFC10MapTest":
        expected = json.loads(_read(entry["result"]))
        assert issued_identifiers(dataset, hash_algorithm=hash_algorithm) == expected
    elif kind == "rdfc:RDFC10NegativeEvalTest":
        with pytest.raises(CanonicalizationError) as caught:
            canonicalize(dataset, hash_algorithm=hash_algorithm)
        assert caught.value.code == "canonicalization.budget_exceeded"
    else:  # pragma: no cover - a new test type must be handled, not skipped
        pytest.fail(f"unknown manifest test type {kind}")


def test_ob_implementation_guide_document_canon(reference: Path) -> None:
    from mcbadge.jsonld import canonize

    folder = reference / "vectors" / "ob3-impl-guide" / "obv3p0"
    document = json.loads((folder / "unsigned.json").read_text(encoding="utf-8"))
    assert canonize(document) == (folder / "document-canon.nq").read_text(encoding="utf-8")


def test_vc_di_eddsa_canonical_document(reference: Path) -> None:
    from mcbadge.jsonld import canonize

    folder = reference / "vectors" / "vc-di-eddsa"
    document = json.loads((folder / "unsigned.json").read_text(encoding="utf-8"))
    expected = (folder / "eddsa-rdfc-2022" / "canonDocDataInt.txt").read_text(encoding="utf-8")
    assert canonize(document) == expected
