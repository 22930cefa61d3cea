"""Every ```python block in README.md and docs/*.md runs (```python no-run blocks are skipped).

A file's blocks run in order in one namespace, with the working directory a fresh temporary
directory holding a link to the repository's examples/ as ./examples.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """(line number of its first code line, code) of each runnable ```python block, in order."""
    blocks = []
    for match in FENCE.finditer(markdown):
        if "no-run" in match.group(1).split():
            continue
        line = markdown.count("\n", 0, match.start()) + 2
        blocks.append((line, match.group(2)))
    return blocks


def _documents() -> list[Path]:
    found = [ROOT / "README.md"] if (ROOT / "README.md").is_file() else []
    return found + sorted((ROOT / "docs").glob("*.md"))


def test_runner_finds_blocks_and_honours_no_run() -> None:
    text = "x\n```python\na = 1\n```\n```python no-run\nraise SystemExit\n```\n```py\n```\n"
    assert python_blocks(text) == [(3, "a = 1\n")]


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.name)
def test_docs_python_blocks_run(
    document: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks(document.read_text("utf-8"))
    if not blocks:
        pytest.skip(f"{document.name} has no python blocks")
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{document.stem}"}
    for line, code in blocks:
        compiled = compile(code, f"{document.relative_to(ROOT)}:{line}", "exec")
        exec(compiled, namespace)
