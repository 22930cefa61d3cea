"""``python -m bench --quick signing`` smoke test: every row the signing bench promises is
printed (formats x credentials, raw ceilings, the DI split); no timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_signing_bench_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.__main__ import main
    finally:
        sys.path.remove(str(ROOT))
    assert main(["--quick", "signing"]) == 0
    out = capsys.readouterr().out
    assert "(quick)" in out
    assert "load average" in out
    lines = [line.split() for line in out.splitlines() if line.startswith("signing")]
    header = next(line for line in out.splitlines() if line.startswith("bench"))
    assert "credential" in header.split()
    text = [" ".join(line) for line in lines]

    def count(*words: str) -> int:
        return sum(all(f" {w} " in f" {row} " for w in words) for row in text)

    for fmt in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020"):
        for name in ("sign", "verify"):
            assert count(name, fmt, "realistic") == 1
            assert count(name, fmt, "spec complete") == 1
    for alg in ("EdDSA", "ES256", "RS256"):
        for name in ("sign", "verify"):
            assert count(name, "jwt", alg, "realistic") == 1
    assert count("sign", "jwt EdDSA", "spec complete") == 1
    for alg in ("Ed25519", "P-256"):
        assert count("raw sign", alg) == 1
        assert count("raw verify", alg) == 1
    for part in ("JSON-LD to RDF", "RDFC-1.0", "expansion+RDFC-1.0", "SHA-256 hashing"):
        assert count(f"DI split: {part}", "realistic") == 1
        assert count(f"DI split: {part}", "spec complete") == 1
