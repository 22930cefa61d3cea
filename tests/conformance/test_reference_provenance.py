"""The vendored reference data (tests/reference) is byte-exact: every file has its SHA-256
in PROVENANCE.md and nothing else is there, so an accidental edit or a stray file fails."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_ROW = re.compile(r"^\| `(?P<path>[^`]+)` \| .* \| `(?P<sha>[0-9a-f]{64})` \|")


def _listed(reference: Path) -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in (reference / "PROVENANCE.md").read_text("utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows[match["path"]] = match["sha"]
    return rows


def test_every_vendored_file_matches_its_recorded_sha256(reference: Path) -> None:
    listed = _listed(reference)
    assert len(listed) > 500
    mismatched = [
        path
        for path, sha in listed.items()
        if hashlib.sha256((reference / path).read_bytes()).hexdigest() != sha
    ]
    assert mismatched == []


def test_no_file_is_vendored_without_provenance(reference: Path) -> None:
    listed = set(_listed(reference))
    present = {
        path.relative_to(reference).as_posix()
        for path in reference.rglob("*")
        if path.is_file() and path.name != "PROVENANCE.md"
    }
    assert present - listed == set()
