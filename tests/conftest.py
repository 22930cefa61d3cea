"""Shared fixtures: where the reference data lives, and a guard that no test touches the network."""

from __future__ import annotations

import json
import os
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


def _mutation_order(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    if path.endswith("_exact.py"):
        return 0
    for rank, folder in enumerate(("tests/unit/", "tests/adversarial/", "tests/property/"), 1):
        if path.startswith(folder):
            return rank
    return 4


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutmut (it sets ``MUTANT_UNDER_TEST``), run the exact unit tests first, then the
    other unit tests, adversarial, property and integration tests. mutmut runs a mutant's
    tests with ``-x`` in no particular order: the same tests run, but a kill comes from the
    quick, targeted ones instead of after minutes of slower ones. Plain runs keep their order."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        items.sort(key=_mutation_order)
