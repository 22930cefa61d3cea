"""`make demo`'s script runs green, offline, in a fresh directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "e2e_demo.py"


@pytest.mark.timeout(240)  # the whole demo, two HTTPS servers and mcbadge serve, on a busy box
def test_demo_issues_verifies_revokes_exactly_one(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(DEMO)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONWARNINGS": "error::ResourceWarning"},
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "OK" in out.splitlines()[-2]
    assert "Traceback" not in completed.stderr
    output = tmp_path / "demo-output"
    manifest = json.loads((output / "badges" / "manifest.json").read_text())
    assert manifest, "the demo issued nothing"
    assert all((output / "badges" / entry["baked"]).is_file() for entry in manifest)
    assert (output / "site" / ".well-known" / "did.json").is_file()
    revocations = json.loads((output / "site" / "status" / "revocations.json").read_text())
    assert [item["id"] for item in revocations["revokedCredential"]] == [
        manifest[0]["credential_id"]
    ]
    after_revoke = out.split("== 8.")[1].split("== 9.")[0]
    assert after_revoke.count("status:status.revoked") == 1
    assert after_revoke.count("VERIFIED") == len(manifest) - 1
    cli = out.split("== 9.")[1]
    assert "--resolve provider.test:" in cli
    assert "--ca-bundle" in cli
    assert f"{manifest[0]['baked']}: NOT VERIFIED" in cli
    assert f"{manifest[-1]['baked']}: VERIFIED" in cli
    assert "(status.revoked)" in cli
    assert "exit code 1 " in cli
    presented = out.split("== 10.")[1].split("== 11.")[0]
    assert "presentation.json: VERIFIED (presentation of" in presented
    assert "replayed: challenge.reused" in presented
    office = out.split("== 11.")[1]
    assert "NOT MET" in office.split("== 12.")[0]  # the teacher with "Not yet" in one
    assert "k5-cs-micro-endorsement.json: VERIFIED" in office.split("== 12.")[1]
    assert "re-evaluated from the endorsement and its constituents: MET" in office
    for teacher, verdict in (("priya.raman", "MET"), ("luis.ortega", "NOT MET")):
        report = output / f"evaluation-{teacher}.html"
        assert f"the office's report: {report.relative_to(tmp_path)}" in office
        page = report.read_text(encoding="utf-8")
        assert f"<strong>{verdict}</strong>. " in page
        assert f"{teacher}@" in page
    failing = (output / "evaluation-luis.ortega.html").read_text(encoding="utf-8")
    assert "k5-data-analysis.json" in failing
    assert "(<code>rule.level_too_low</code>)" in failing
    _check_service_part(out, output)


def _check_service_part(out: str, output: Path) -> None:
    """Steps 13-18: mcbadge serve on loopback, issue / verify / revoke over HTTP, the hosted
    status list, SIGTERM."""
    started = out.split("== 13.")[1].split("== 14.")[0]
    service = (output / "service").resolve()
    assert "$ mcbadge serve --host 127.0.0.1 --port " in started
    assert f"  | mcbadge serve: registry sqlite:///{service / 'registry.sqlite3'}" in started
    assert "  | issuer did:key:z6Mk" in started
    assert "  | listening on http://127.0.0.1:" in started
    token_line = "$ mcbadge serve-token create --client 'demo badge platform' --issuer did:key:"
    assert token_line in started
    assert "  | mcbadge serve-token create: token id " in started
    assert "mcb_" not in started  # the token itself is never shown
    issued = json.loads((service / "issued.json").read_text())
    assert len(issued) == 2
    priya, luis = issued  # the order they were issued in
    issuing = out.split("== 14.")[1].split("== 15.")[0]
    assert issuing.count("POST /credentials/issue -> 201 Created: urn:uuid:") == 2
    for email, credential in issued.items():
        assert f"{credential['id']} for {email}" in issuing
        assert credential["issuer"]["id"].startswith("did:key:z6Mk")
        proofs = credential["proof"]
        proof = proofs[0] if isinstance(proofs, list) else proofs
        assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    verifying = out.split("== 15.")[1].split("== 16.")[0]
    assert verifying.count(": VERIFIED") == 2
    revoking = out.split("== 16.")[1].split("== 17.")[0]
    assert luis in revoking
    assert "POST /credentials/status -> 200: demo-k5-algorithms-programming revoked=True" in (
        revoking
    )
    hosted = out.split("== 17.")[1].split("== 18.")[0]
    for email, state in ((priya, "active"), (luis, "REVOKED")):
        index = issued[email]["credentialStatus"]["statusListIndex"]
        bit = 1 if state == "REVOKED" else 0
        assert f"bit {index} is {bit}: {email}'s credential is {state}" in hosted
    assert f"POST /credentials/verify {priya}: VERIFIED" in hosted
    assert f"POST /credentials/verify {luis}: FAILED status.revoked" in hosted
    stopped = out.split("== 18.")[1]
    assert "  | stopped: requests in flight finished, registry closed" in stopped
    assert "mcbadge serve exit code 0 (0: stopped cleanly)" in stopped


def test_make_demo_runs_the_end_to_end_demo() -> None:
    makefile = (DEMO.parents[1] / "Makefile").read_text()
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "examples/e2e_demo.py" in recipe


def test_unsigned_catalog_example_prints_a_valid_credential_per_roster_row(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(DEMO.parent / "demo.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    from mcbadge.schema import validate

    decoder, text, documents = json.JSONDecoder(), completed.stdout, []
    position = 0
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    roster_rows = (DEMO.parent / "roster.csv").read_text().strip().splitlines()[1:]
    assert len(documents) == len(roster_rows) == 12
    for document in documents:
        assert "OpenBadgeCredential" in document["type"]
        assert "proof" not in document
        validate(document)
