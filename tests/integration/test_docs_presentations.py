"""docs/presentations.md, copy-pasted: its python blocks into Python and its sh blocks into a
shell, top to bottom, in an empty directory (the walkthrough's commands really run: challenge,
present, verify, and the replay refused)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_docs_examples import ROOT, pasted_blocks


def test_presentations_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = pasted_blocks((ROOT / "docs" / "presentations.md").read_text("utf-8"))
    assert [language for language, _, _ in blocks].count("sh") == 4
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.chdir(tmp_path)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    namespace: dict[str, object] = {"__name__": "pasted_presentations"}
    outputs = []
    for language, line, code in blocks:
        where = f"docs/presentations.md:{line}"
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
        outputs.append(shell.stdout)
    assert outputs[2].startswith("presentation.json: VERIFIED (presentation of 3 credential(s))")
    assert (
        outputs[2].rstrip().endswith("Verdict: VERIFIED: the presentation and all 3 credential(s)")
    )
    assert not (tmp_path / "user-data").exists()  # every command used the office's own registry
