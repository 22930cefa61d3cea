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


# -- copy-pasted top to bottom, twice ---------------------------------------------------------

BLOCK = re.compile(r"^```(python|sh)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
# The pages a provider copy-pastes from: every runnable block, in order, in an empty directory.
PASTED = ("README.md", "docs/issuing.md")


def pasted_blocks(markdown: str) -> list[tuple[str, int, str]]:
    """(language, line of its first code line, code) of each runnable ```python and ```sh
    block, in document order."""
    blocks = []
    for match in BLOCK.finditer(markdown):
        if "no-run" in match.group(2).split():
            continue
        line = markdown.count("\n", 0, match.start()) + 2
        blocks.append((match.group(1), line, match.group(3)))
    return blocks


def test_pasted_blocks_keeps_the_order_and_skips_no_run() -> None:
    text = "```sh no-run\nmake\n```\n```python\na = 1\n```\n```sh\necho\n```\n```text\nx\n```\n"
    assert pasted_blocks(text) == [("python", 5, "a = 1\n"), ("sh", 8, "echo\n")]


@pytest.mark.parametrize("page", PASTED)
def test_docs_copy_pasted_twice_in_an_empty_directory(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #16 finding 10: python blocks into Python, sh blocks into a shell, top to
    bottom, in an empty directory (no examples/), twice in a row: no error, and one registry
    (the per-user default, redirected here, is never touched unless the page uses it)."""
    import os
    import subprocess
    import sys

    blocks = pasted_blocks((ROOT / page).read_text("utf-8"))
    assert blocks, f"{page} lost its examples"
    work = tmp_path / "work"
    work.mkdir()
    user_data = tmp_path / "user-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(user_data))
    monkeypatch.chdir(work)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    for run in (1, 2):
        namespace: dict[str, object] = {"__name__": f"pasted_{Path(page).stem}_{run}"}
        for language, line, code in blocks:
            where = f"{page}:{line} (run {run})"
            if language == "python":
                exec(compile(code, where, "exec"), namespace)
                continue
            shell = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", code],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert shell.returncode == 0, f"{where}\n{shell.stdout}\n{shell.stderr}"
        for value in namespace.values():  # let the next run open the registry afresh
            registry = getattr(value, "registry", None)
            if hasattr(registry, "close"):
                registry.close()
    registries = sorted(
        path.relative_to(tmp_path)
        for path in tmp_path.rglob("*")
        if path.suffix in (".db", ".sqlite", ".sqlite3")
    )
    assert len(registries) == 1, registries


def test_licensure_page_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/licensure.md, every python and sh block in order (trust lists, stack rules,
    micro-endorsements, filing the report), from a folder with the repository's examples/ (the
    page runs from the repository root): no error, and the filed reports exist."""
    import os
    import subprocess
    import sys

    blocks = pasted_blocks((ROOT / "docs" / "licensure.md").read_text("utf-8"))
    assert sum(1 for language, _, _ in blocks if language == "sh") >= 5
    for name in ("examples", "schemas"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.chdir(tmp_path)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    namespace: dict[str, object] = {"__name__": "pasted_licensure"}
    for language, line, code in blocks:
        where = f"docs/licensure.md:{line}"
        if language == "python":
            exec(compile(code, where, "exec"), namespace)
            continue
        shell = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert shell.returncode == 0, f"{where}\n{shell.stdout}\n{shell.stderr}"
    assert "MET" in (tmp_path / "report.html").read_text("utf-8")
    assert (tmp_path / "report.csv").read_text("utf-8").startswith("requirement,met,code")
