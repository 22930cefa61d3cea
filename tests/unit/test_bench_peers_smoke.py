"""``bench/peers.py`` smoke test: quick mode gives the mcbadge rows (issue, full verify and the
two ceilings for VC-JWT EdDSA and ES256) and, with no peer venv, one ``skipped`` row saying how
to make it; with the peers installed, their rows and interop verdicts. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import peers
finally:
    sys.path.remove(str(ROOT))

MCBADGE_ROWS = [
    (job, f"jwt {alg}")
    for alg in ("EdDSA", "ES256")
    for job in ("issue", "verify", "verify_proof (ceiling)", "raw signature (ceiling)")
] + [
    (job, fmt)
    for fmt in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
    for job in ("verify", "verify_proof (ceiling)", "raw signature (ceiling)")
]


def test_without_the_peer_venv_it_skips_them_and_still_measures_mcbadge(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(peers, "VENV", tmp_path / "no-such-venv")
    rows = peers.run(quick=True)
    assert rows[0]["name"] == "skipped"
    assert "make bench-peers" in rows[0]["reason"]
    ours = [r for r in rows if r.get("stack") == "mcbadge"]
    assert [(r["name"], r["format"]) for r in ours] == MCBADGE_ROWS
    for row in ours:
        assert row["per_second"] > 0
        assert row["rounds"] == 1
        assert "vs best peer" not in row
    # the Data Integrity rows are mcbadge's alone: no peer is compared there
    verifying = [r for r in ours if r["name"] == "verify"]
    assert all(r["of ceiling"] > 0 for r in verifying)
    assert len(rows) == 1 + len(MCBADGE_ROWS)


@pytest.mark.skipif(peers.unavailable() is not None, reason="the peer venv is not installed")
def test_with_the_peers_installed_every_verdict_is_the_expected_one() -> None:
    rows = peers.run(quick=True)
    stacks = {r["stack"].split()[0] for r in rows if r["name"] in ("issue", "verify")}
    assert stacks == {"mcbadge", "openbadgeslib", "didkit"}
    interop = [r for r in rows if r["name"] == "interop"]
    assert len(interop) == 8
    assert all(r["ok"] == "yes" for r in interop)
    assert all(
        "vs best peer" in r
        for r in rows
        if r.get("stack") == "mcbadge"
        and r["name"] in ("issue", "verify")
        and r["format"].startswith("jwt")
    )
