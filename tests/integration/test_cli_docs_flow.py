"""The example flow in docs/cli.md runs as written, through the installed ``mcbadge`` command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOW = re.compile(r"^```sh cli-flow\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def flow_script() -> str:
    blocks = FLOW.findall((ROOT / "docs" / "cli.md").read_text("utf-8"))
    assert len(blocks) >= 4, "docs/cli.md lost its example flow"
    return "\n".join(blocks)


def test_docs_cli_flow_runs(tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    bindir = str(Path(sys.executable).parent)  # the venv's mcbadge and python come first
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", flow_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = completed.stdout
    assert completed.returncode == 0, out + completed.stderr
    assert out.startswith("did:key:z6Mk")
    assert "ada.json: INDETERMINATE" in out
    assert "signed.json: VERIFIED" in out
    assert "signed.jwt: VERIFIED" in out
    assert "(recipient.mismatch)" in out
    assert ": revoked" in out

    ada = json.loads((tmp_path / "ada.json").read_text())
    (result,) = ada["credentialSubject"]["result"]  # --level Proficient, named by the rubric
    assert result["achievedLevel"].endswith("k5-data-analysis#proficient")
    assert json.loads((tmp_path / "ada-unbaked.json").read_text()) == ada
    revoked = json.loads((tmp_path / "status" / "revocations.json").read_text())
    assert [entry["id"] for entry in revoked["revokedCredential"]] == [ada["id"]]
    manifest = json.loads((tmp_path / "issued" / "manifest.json").read_text())
    assert manifest["summary"]["issued"] == 12
    assert len(list((tmp_path / "issued").glob("*.svg"))) == 12
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verified"] is True
