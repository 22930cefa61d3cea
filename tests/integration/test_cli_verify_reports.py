"""``mcbadge verify FOLDER`` with saved documents, every report format and the tally.

The credentials are the project's own example batch (examples/roster.csv over
examples/catalog: rubric levels, evidence with narratives, CSTA/ISTE alignments), issued by a
did:web provider with revocation lists, so a did:web credential is checked offline only with
the ``did.json`` and the status lists handed in with ``--did-document`` / ``--status-list``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mcbadge.cli import main
from mcbadge.issuer import SigningKey

REPO = Path(__file__).resolve().parents[2]
DID = "did:web:pd.mountainstate.example.edu"
STATUS_URL = "https://pd.mountainstate.example.edu/status/"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example batch, issued once: credentials, did.json, published status lists."""
    root = tmp_path_factory.mktemp("provider")
    key = root / "key.json"
    SigningKey.generate().save(key)
    issuer = ["--issuer", str(REPO / "examples" / "issuer.json"), "--did", DID]
    common = [*issuer, "--key", str(key), "--db", f"sqlite:///{root}/r.db"]
    batch = root / "batch"
    assert (
        main(
            [
                "issue-batch",
                "--roster",
                str(REPO / "examples" / "roster.csv"),
                "--catalog",
                str(REPO / "examples" / "catalog"),
                "--out",
                str(batch),
                "--status-url",
                STATUS_URL,
                *common,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "keys",
                "did",
                str(key),
                "--web",
                DID.removeprefix("did:web:"),
                "--out",
                str(root / "did.json"),
            ]
        )
        == 0
    )
    site = root / "site"
    assert main(["status", "publish", "--out", str(site), "--status-url", STATUS_URL, *common]) == 0
    return {"root": root, "batch": batch, "site": site, "did": root / "did.json", "key": key}


def _saved(provider: dict[str, Path]) -> list[str]:
    lists = sorted(p for p in provider["site"].glob("revocation-*.json"))
    assert lists, "status publish wrote no revocation list"
    args = ["--did-document", str(provider["did"])]
    for path in lists:
        args += ["--status-list", str(path)]
    return args


def _folder(provider: dict[str, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "handed-in"
    shutil.copytree(provider["batch"], folder / "fall-2026")
    (folder / "README.txt").write_text("twelve credentials from the fall cohort\n")
    return folder


def test_a_folder_verifies_offline_with_saved_documents_and_ends_with_a_tally(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(provider, tmp_path)
    code, out, _ = _run(["verify", str(folder), "--offline", *_saved(provider)], capsys)
    assert code == 0, out
    assert out.count(": VERIFIED\n") == 12
    assert f"{folder / 'README.txt'}: SKIPPED (not a credential file: the name ends in .txt)" in out
    manifest = folder / "fall-2026" / "manifest.json"
    assert f"{manifest}: SKIPPED (not a credential: a JSON object with no credential" in out
    assert out.rstrip().endswith(
        "14 files: 12 verified, 0 not verified, 0 indeterminate, 2 skipped"
    )
    # what an officer reads: level by name, type, id, evidence with narrative, alignments
    assert "  Level:       Proficient" in out
    assert "  Level:       Exemplary" in out
    assert "    type:      MicroCredential" in out
    assert "https://portfolio.example.org/praman/bus-times" in out
    assert "| Fourth graders charted bus arrival times two ways" in out
    assert "CSTA K-12 Computer Science Standards (2017) 1A-DA-06" in out
    assert "  Status:      active (not revoked or suspended)" in out


def test_without_the_saved_documents_a_did_web_credential_is_indeterminate_offline(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(provider, tmp_path)
    code, out, _ = _run(
        [
            "verify",
            str(folder),
            "--offline",
        ],
        capsys,
    )
    assert code == 2
    assert "the did:web document is not available offline" in out
    assert out.rstrip().endswith(
        "14 files: 0 verified, 0 not verified, 12 indeterminate, 2 skipped"
    )


def test_a_did_document_for_another_did_is_never_used(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = json.loads(provider["did"].read_text())
    text = json.dumps(other).replace(DID, "did:web:other.example")
    (tmp_path / "did.json").write_text(text)
    credential = provider["batch"] / "2026-fall-003.json"
    statuses = _saved(provider)[2:]
    code, out, err = _run(
        [
            "verify",
            str(credential),
            "--offline",
            "--did-document",
            str(tmp_path / "did.json"),
            *statuses,
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 2
    record = json.loads(out)
    assert record["verified"] is False
    assert record["indeterminate"] is True
    assert "key_resolution" in record["failed_checks"]
    assert "describes did:web:other.example, which issued none of the credentials" in err


def test_a_revoked_credential_is_caught_offline_from_the_saved_list(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # revoke in a copy of the registry, so the other tests keep their lists
    root = tmp_path / "p"
    shutil.copytree(provider["root"], root)
    credential = json.loads((root / "batch" / "2026-fall-003.json").read_text())
    db = ["--db", f"sqlite:///{root}/r.db"]
    assert main(["revoke", credential["id"], "--reason", "portfolio withdrawn", *db]) == 0
    issuer = ["--issuer", str(REPO / "examples" / "issuer.json"), "--did", DID]
    publish = ["status", "publish", "--out", str(root / "site"), "--status-url", STATUS_URL]
    assert main([*publish, *issuer, "--key", str(root / "key.json"), *db]) == 0
    capsys.readouterr()
    saved = ["--did-document", str(root / "did.json")]
    for path in sorted((root / "site").glob("revocation-*.json")):
        saved += ["--status-list", str(path)]
    code, out, _ = _run(
        ["verify", str(root / "batch" / "2026-fall-003.json"), "--offline", *saved],
        capsys,
    )
    assert code == 1
    assert "NOT VERIFIED" in out
    assert "  Status:      REVOKED" in out
    assert "the credential has been revoked" in out


def test_a_tampered_saved_status_list_is_not_trusted(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = sorted(provider["site"].glob("revocation-*.json"))
    document: dict[str, Any] = json.loads(lists[0].read_text())
    document["validUntil"] = "2099-01-01T00:00:00Z"  # outside the proof: breaks the signature
    (tmp_path / "list.json").write_text(json.dumps(document))
    code, out, _ = _run(
        [
            "verify",
            str(provider["batch"] / "2026-fall-001.json"),
            "--offline",
            "--did-document",
            str(provider["did"]),
            "--status-list",
            str(tmp_path / "list.json"),
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 2
    record = json.loads(out)
    status_list = next(c for c in record["checks"] if c["id"] == "status_list")
    assert status_list["code"] == "status_list.unverified"
    assert "the status list credential does not verify" in status_list["message"]


def test_a_saved_status_list_for_another_url_is_not_used(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = sorted(provider["site"].glob("revocation-*.json"))
    document = json.loads(lists[0].read_text())
    document["id"] = "https://elsewhere.example/status/1"
    (tmp_path / "list.json").write_text(json.dumps(document))
    code, out, _ = _run(
        [
            "verify",
            str(provider["batch"] / "2026-fall-001.json"),
            "--offline",
            "--did-document",
            str(provider["did"]),
            "--status-list",
            str(tmp_path / "list.json"),
        ],
        capsys,
    )
    assert code == 2
    assert "INDETERMINATE" in out
    assert f"offline mode: {STATUS_URL}" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--did-document", "{credential}"], "describes 'urn:uuid:"),
        (["--status-list", "{did}"], "is not a status list: it states no URL as its id"),
        (["--did-document", "{did}", "--did-document", "{did}"], "both describe did:web:"),
        (["--format", "xml"], "--format must be one of text, json, html, csv"),
    ],
)
def test_bad_saved_documents_and_formats_are_usage_errors(
    provider: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    credential = provider["batch"] / "2026-fall-001.json"
    names = {"{credential}": str(credential), "{did}": str(provider["did"])}
    args = [names.get(arg, arg) for arg in extra]
    code, out, err = _run(["verify", str(credential), "--offline", *args], capsys)
    assert code == 64, (out, err)
    assert message in err
    assert "Traceback" not in err


def test_a_folder_without_credentials_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    code, _, err = _run(["verify", str(tmp_path), "--offline"], capsys)
    assert code == 64
    assert "no credential files found in" in err


def test_json_lines_name_skipped_files_and_the_new_summary_fields(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(provider, tmp_path)
    code, out, _ = _run(
        [
            "verify",
            str(folder),
            "--offline",
            "--recipient",
            "priya.raman@randolph.k12.example.us",
            *_saved(provider),
            "--format",
            "json",
        ],
        capsys,
    )
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 14
    assert {"file": str(folder / "README.txt"), "skipped": records[0]["skipped"]} == records[0]
    priya = next(r for r in records if r.get("file", "").endswith("2026-fall-003.json"))
    summary = priya["summary"]
    assert priya["verified"] is True
    assert summary["achieved_levels"] == ["Proficient"]
    assert summary["achievement_type"] == "MicroCredential"
    assert summary["achievement_id"].endswith("/achievements/k5-data-analysis")
    assert summary["evidence"][0]["id"] == "https://portfolio.example.org/praman/bus-times"
    assert summary["evidence"][0]["narrative"].startswith("Fourth graders charted")
    assert {
        "framework": "CSTA K-12 Computer Science Standards (2017)",
        "code": "1A-DA-06",
    }.items() <= summary["alignments"][0].items()
    assert summary["teacher"] == "priya.raman@randolph.k12.example.us"
    assert summary["teacher_matched"] is True
    # every other teacher's credential fails the recipient check, and says so
    others = [r for r in records if "summary" in r and r is not priya]
    assert all(r["summary"]["teacher_matched"] is False for r in others)
    assert code == 1


def test_csv_and_html_reports_are_written_to_out(
    provider: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(provider, tmp_path)
    base = ["verify", str(folder), "--offline", *_saved(provider)]
    code, out, _ = _run([*base, "--format", "csv", "--out", str(tmp_path / "r.csv")], capsys)
    assert code == 0
    assert out == ""
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(), newline="")))
    assert len(rows) == 14
    assert [r["verdict"] for r in rows].count("VERIFIED") == 12
    skipped = [r for r in rows if r["verdict"] == "SKIPPED"]
    assert {r["note"][:16] for r in skipped} == {"not a credential"}
    priya = next(r for r in rows if r["file"].endswith("2026-fall-003.json"))
    assert priya["level"] == "Proficient"
    assert priya["achievement"] == "K-5 Data and Analysis"
    assert priya["trusted"] == "unchecked"
    assert priya["status"] == "active (not revoked or suspended)"
    assert priya["issuer_id"] == DID

    code, out, _ = _run([*base, "--format", "html", "--out", str(tmp_path / "r.html")], capsys)
    assert code == 0
    assert out == ""
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "14 files: 12 verified, 0 not verified, 0 indeterminate, 2 skipped" in html
    assert "<script" not in html
