"""Shared fixtures: where the reference data lives, and a guard that no test touches the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The spec examples, vectors and schemas the tests read, vendored byte-exact with their
# provenance and SHA-256 (tests/reference/PROVENANCE.md): a clone alone runs the suite.
REFERENCE = REPO_ROOT / "tests" / "reference"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"reference data not found at {REFERENCE} (it is part of the repository)")
    return REFERENCE
