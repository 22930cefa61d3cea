"""bench/js_reference.py without node: it skips with a reason (never installs), its fixed keys
are fixed, its tampering changes signed content, and bench/js pins exact versions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def js_reference() -> Any:
    sys.path.insert(0, str(ROOT))
    try:
        from bench import js_reference
    finally:
        sys.path.remove(str(ROOT))
    return js_reference


def _no_subprocess(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"the bench must not run anything when it skips: {args}")


def test_skips_without_node(js_reference: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(js_reference.shutil, "which", lambda name: None)
    monkeypatch.setattr(subprocess, "run", _no_subprocess)
    assert js_reference.run(quick=True) == [{"name": "skipped", "reason": "node is not on PATH"}]


def test_skips_without_node_modules(
    js_reference: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(js_reference.shutil, "which", lambda name: "/usr/bin/node")
    monkeypatch.setattr(js_reference, "JS_DIR", tmp_path)
    monkeypatch.setattr(subprocess, "run", _no_subprocess)
    rows = js_reference.run(quick=True)
    assert len(rows) == 1
    assert rows[0]["name"] == "skipped"
    assert "node_modules is missing" in rows[0]["reason"]
    assert "make bench-js" in rows[0]["reason"]
    assert not (tmp_path / "node_modules").exists()
    # a node_modules without the stack is not enough either
    (tmp_path / "node_modules" / "jose").mkdir(parents=True)
    assert "has no @digitalbazaar/vc" in js_reference.run(quick=True)[0]["reason"]


def test_fixed_keys_are_fixed_and_sign(js_reference: Any) -> None:
    from mcbadge.did import did_for_key

    first, second = js_reference.fixed_keys(), js_reference.fixed_keys()
    for kind in ("ed25519", "p256"):
        assert first[kind].key_type == kind
        assert did_for_key(first[kind]) == did_for_key(second[kind])
        assert first[kind].secret_multibase() == second[kind].secret_multibase()
    assert did_for_key(first["ed25519"]).startswith("did:key:z6Mk")
    assert did_for_key(first["p256"]).startswith("did:key:zDna")


def test_tampered_copies_fail_mcbadge_and_leave_the_original(js_reference: Any) -> None:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import sign, verify_proof

    key = js_reference.fixed_keys()["ed25519"]
    sys.path.insert(0, str(ROOT))
    try:
        from bench._fixtures import realistic_credential
    finally:
        sys.path.remove(str(ROOT))
    credential = realistic_credential(key)
    for fmt in ("eddsa-rdfc-2022", "jwt"):
        signed = sign(credential, key, format=fmt)
        target = signed.jwt if fmt == "jwt" else signed.document
        before = json.dumps(target, sort_keys=True)
        tampered = js_reference.tamper(target)
        assert json.dumps(target, sort_keys=True) == before
        assert tampered != target
        assert verify_proof(target, OfflineResolver()).verified
        result = verify_proof(tampered, OfflineResolver())
        assert not result.verified
        assert result.code == "signature.invalid"
        if fmt == "jwt":
            assert tampered.split(".")[2] == target.split(".")[2]


def test_bench_js_pins_exact_versions_and_has_a_lock_file() -> None:
    package = json.loads((ROOT / "bench/js/package.json").read_text("utf-8"))
    lock = json.loads((ROOT / "bench/js/package-lock.json").read_text("utf-8"))
    dependencies = package["dependencies"]
    assert dependencies["@digitalbazaar/vc"].startswith("7.")
    for name, version in dependencies.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert lock["packages"][""]["dependencies"] == dependencies
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    assert "bench/js/node_modules/" in ignored
