"""End-to-end tests of ``mcbadge verify``: exit codes, JSON lines, usage errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcbadge.cli import main

NOW = "2026-06-01T00:00:00Z"


def _credential(valid_until: str | None = None) -> dict[str, object]:
    document: dict[str, object] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:teacher",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/a",
                "type": ["Achievement"],
                "name": "A",
                "description": "d",
                "criteria": {"narrative": "n"},
            },
        },
    }
    if valid_until:
        document["validUntil"] = valid_until
    return document


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for number, text in enumerate(
        [
            json.dumps(_credential()),
            '{"truncated": ',
            json.dumps(_credential("2026-02-01T00:00:00Z")),
        ]
    ):
        path = tmp_path / f"c{number}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_json_lines_one_per_file_in_order(
    files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--format", "json", "--now", NOW, "--offline", *map(str, files)])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(path) for path in files]
    assert lines[1]["failed_checks"] == ["input"]
    assert "validity" in lines[2]["failed_checks"]
    assert all(line["verified"] is False for line in lines)
    assert code == 1
    assert "Traceback" not in err


def test_jobs_keep_input_order(files: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--format", "json", "--jobs", "2", "--offline", *map(str, files)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(path) for path in files]
    assert code == 1


def test_text_report(files: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--now", NOW, "--offline", str(files[2])])
    out = capsys.readouterr().out
    assert out.startswith(f"{files[2]}: NOT VERIFIED")
    assert "validity.expired" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert code == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ["verify", "/nonexistent/credential.json"],
        ["verify", "--now", "yesterday", "{file}"],
        ["verify", "--now", "2026-01-01T00:00:00", "{file}"],
        ["verify", "--format", "xml", "{file}"],
        ["verify", "--jobs", "0", "{file}"],
        ["verify", "--timeout", "0", "{file}"],
        ["verify", "--resolve", "example.org", "{file}"],
        ["verify", "--ca-bundle", "/nonexistent.pem", "{file}"],
        ["verify", "--no-such-option", "{file}"],
        ["verify"],
    ],
)
def test_usage_errors_exit_64(
    arguments: list[str], files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{file}", str(files[0])) for a in arguments]
    assert main(argv) == 64
    assert "Traceback" not in capsys.readouterr().err


def test_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path)]) == 64
    assert "cannot read" in capsys.readouterr().err


def _signed(tmp_path: Path, name: str, **overrides: object) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))
    from _helpers import ISSUER_KEY, make_credential
    from _signer import sign_di

    path = tmp_path / name
    path.write_text(json.dumps(sign_di(make_credential(**overrides), ISSUER_KEY)), "utf-8")
    return path


def test_signed_credential_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _signed(tmp_path, "good.json")
    status = {
        "id": "https://status.test/l#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": "https://status.test/l",
    }
    undecided = _signed(tmp_path, "undecided.json", credentialStatus=status)
    base = ["verify", "--now", NOW, "--offline"]
    assert main([*base, str(good)]) == 0
    assert main([*base, str(undecided)]) == 2
    assert main([*base, str(good), str(undecided)]) == 2
    assert main([*base, "--recipient", "did:example:someone", str(good)]) == 1
    assert main([*base, "--recipient", "did:example:teacher-42", str(good)]) == 0
    assert main([*base, "--trusted-issuer", "did:example:other", str(good)]) == 1
    out = capsys.readouterr().out
    assert "recipient.mismatch" in out
    assert "key_binding.untrusted_issuer" in out


def test_failed_beats_indeterminate(tmp_path: Path) -> None:
    status = {
        "id": "https://status.test/l#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": "https://status.test/l",
    }
    undecided = _signed(tmp_path, "undecided.json", credentialStatus=status)
    expired = _signed(tmp_path, "expired.json", validUntil="2026-02-01T00:00:00Z")
    assert main(["verify", "--now", NOW, "--offline", str(undecided), str(expired)]) == 1
