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


def test_a_folder_with_no_credential_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 64
    assert "no credential files found in" in capsys.readouterr().err


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.json", "no such file"),
        (lambda tmp: tmp, "no credential files found in"),
        (lambda tmp: Path("/dev/zero"), "not a regular file"),
    ],
    ids=["missing", "directory", "dev-zero"],
)
def test_unreadable_paths_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    assert main(["verify", "--offline", str(path)]) == 64
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "input.malformed"),
        (bytes(range(256)) * 4, "input.not_utf8"),
        (b"\x00" * 64, "input.malformed"),
        (b"\xef\xbb\xbf{}", "input.not_utf8"),
        (b"[1, 2, 3]", "input.not_object"),
        (b"{" * 5000, "input.too_deep"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "input.baking_"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><", "input.baking_"),
        (b"aGVsbG8.d29ybGQ.eA", "jwt.malformed"),
    ],
    ids=["empty", "binary", "nul", "bom", "array", "deep", "bad-png", "bad-svg", "not-a-jwt"],
)
def test_hostile_files_fail_input_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    assert main(["verify", "--format", "json", "--offline", str(path)]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["file"] == str(path)
    assert len(report["failed_checks"]) == 1
    failed = next(c for c in report["checks"] if c["status"] == "failed")
    assert failed["code"].startswith(code)
    assert "Traceback" not in err


def test_oversize_file_fails_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (8 * 1024 * 1024) + b"{}")
    assert main(["verify", "--format", "json", "--offline", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed_checks"] == ["input"]
    assert report["checks"][0]["code"] == "input.too_large"


def test_unusable_ca_bundle_is_a_usage_error(
    files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text("not a certificate", encoding="utf-8")
    assert main(["verify", "--ca-bundle", str(pem), str(files[0])]) == 64
    assert "no usable PEM" in capsys.readouterr().err


def test_json_report_shape(files: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    main(["verify", "--format", "json", "--now", NOW, "--offline", str(files[0])])
    report = json.loads(capsys.readouterr().out)
    assert sorted(report) == [
        "checks",
        "failed_checks",
        "file",
        "indeterminate",
        "summary",
        "verified",
    ]
    assert [c["id"] for c in report["checks"]][:3] == ["input", "data_model", "schema"]
    assert set(report["checks"][0]) == {"id", "status", "code", "message", "indeterminate"}
    assert report["failed_checks"] == [c["id"] for c in report["checks"] if c["status"] == "failed"]


def test_text_is_one_line_per_check_and_coloured_only_on_a_terminal(
    files: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcbadge.verify import CHECK_IDS

    main(["verify", "--now", NOW, "--offline", str(files[2])])
    plain = capsys.readouterr().out
    check_lines = [line for line in plain.splitlines() if line.startswith("  [")]
    assert [line.split("]", 1)[1].split()[0] for line in check_lines] == list(CHECK_IDS)
    assert "\x1b[" not in plain
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    main(["verify", "--now", NOW, "--offline", str(files[2])])
    coloured = capsys.readouterr().out
    assert "\x1b[31m" in coloured  # the failed validity check, in red
    assert coloured.count("\n") == plain.count("\n")


def test_progress_bar_on_stderr_only_on_a_terminal(
    files: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["verify", "--format", "json", "--now", NOW, "--offline", *map(str, files)]
    main(args)
    out, err = capsys.readouterr()
    assert err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    main(args)
    out_tty, err_tty = capsys.readouterr()
    assert out_tty == out  # stdout stays clean JSON lines
    assert "] 3/3" in err_tty
    assert err_tty.count("\r") == 3


def test_every_documented_option_is_accepted(
    files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from https_fixture import make_tls_material

    (tmp_path / "tls").mkdir()
    ca = make_tls_material(tmp_path / "tls").ca_path
    argv = [
        "verify",
        "--format",
        "text",
        "--now",
        NOW,
        "--recipient",
        "teacher@example.org",
        "--offline",
        "--resolve",
        "status.test:443:127.0.0.1",
        "--ca-bundle",
        str(ca),
        "--timeout",
        "2.5",
        "--trusted-issuer",
        "did:example:issuer",
        "--jobs",
        "2",
        str(files[0]),
        str(files[2]),
    ]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert out.count("NOT VERIFIED") == 2


_STATUS_ENTRY = {
    "id": "https://status.test/l#1",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "1",
    "statusListCredential": "https://status.test/l",
}


def _signed_jwt(tmp_path: Path, name: str, text_cut: int | None = None) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))
    from _helpers import ISSUER_KEY, make_credential
    from _signer import jwt_payload, sign_jwt

    token = sign_jwt(jwt_payload(make_credential()), ISSUER_KEY)
    path = tmp_path / name
    path.write_text(token[:text_cut] if text_cut else token, "utf-8")
    return path


def test_reports_on_bad_inputs_read_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a clerk sees for the usual bad submissions: a verdict, one line saying why, the
    facts that were readable, and never a traceback, 'unknown' for unread input, or a check
    reading ok that was not done."""
    import zlib

    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    png = tmp_path / "plain.png"

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", bytes([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]))
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )
    good = _signed(tmp_path, "good.json")
    tampered = tmp_path / "tampered.json"
    document = json.loads(good.read_text("utf-8"))
    document["credentialSubject"]["achievement"]["name"] = "Forged"
    tampered.write_text(json.dumps(document), "utf-8")
    cases = [
        (empty, 1, "Why:         input: the document is empty"),
        (
            _signed_jwt(tmp_path, "cut.jwt", 60),
            1,
            "Why:         jwt: the document looks like a VC-JWT that is cut short",
        ),
        (png, 1, "Why:         input: the PNG holds no baked credential"),
        (tampered, 1, "Why:         signature: the signature does not verify"),
        (
            _signed(tmp_path, "expired.json", validUntil="2026-02-01T00:00:00Z"),
            1,
            "Why:         validity: expired at 2026-02-01T00:00:00Z (validUntil)",
        ),
        (
            _signed(tmp_path, "status.json", credentialStatus=_STATUS_ENTRY),
            2,
            "Why:         could not be checked: status_retrieval: ",
        ),
        (good, 0, "Status:      none (the credential carries no revocation status)"),
    ]
    for path, code, line in cases:
        assert main(["verify", "--now", NOW, "--offline", str(path)]) == code, path
        out, err = capsys.readouterr()
        assert line in out, out
        assert err == "", err
        if code != 2:  # only an undecided status may read "unknown"
            assert "unknown" not in out.split("  [")[0], out
        if path in (empty, png):
            assert "Status:" not in out
        if path == tampered:
            assert "[ok  ] key_binding" not in out
        assert "already failed" not in out


def test_a_check_crash_is_one_plain_line_and_its_traceback_needs_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    import mcbadge.verify.pipeline as pipeline

    def explode(ctx: object) -> object:
        try:
            raise KeyError("inner")
        except KeyError:  # a library module that logs a caught exception, as schema.py does
            logging.getLogger("mcbadge.somewhere").exception("a helper gave up")
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline, "check_validity", explode)
    handlers = list(logging.getLogger("mcbadge").handlers)
    good = _signed(tmp_path, "good.json")
    assert main(["verify", "--now", NOW, "--offline", str(good)]) == 1
    out, err = capsys.readouterr()
    assert err == "mcbadge: error: a helper gave up\n"  # one plain line, no traceback
    assert logging.getLogger("mcbadge").handlers == handlers  # nothing lingers after main()
    assert "Traceback" not in out
    assert "validity.internal_error" in out
    assert "internal error (ZeroDivisionError)" in out
    assert main(["--debug", "verify", "--now", NOW, "--offline", str(good)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" in err
    assert "ZeroDivisionError: boom" in err
    main(["verify", "--now", NOW, "--offline", str(good)])  # --debug does not linger
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "dates",
    [
        {"validUntil": "9999-12-31T23:59:59Z"},
        {"validFrom": "0001-01-01T00:00:00Z"},
        {"awardedDate": "0001-01-01T00:00:00+01:00"},
    ],
    ids=["until-9999", "from-0001", "awarded-0001-offset"],
)
def test_dates_at_the_edges_verify_with_a_clean_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dates: dict[str, str]
) -> None:
    path = _signed(tmp_path, "edge.json", **dates)
    assert main(["verify", "--now", NOW, "--offline", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "validity.ok" in out


def test_a_definite_failure_beside_an_undecided_status_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _signed(tmp_path, "status.json", credentialStatus=_STATUS_ENTRY)
    argv = ["verify", "--format", "json", "--now", NOW, "--offline"]
    assert main([*argv, "--recipient", "someone@example.org", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["verified"], report["indeterminate"]) == (False, False)
    assert "recipient" in report["failed_checks"]
    assert "status_retrieval" in report["failed_checks"]


@pytest.mark.parametrize(
    ("now", "code"),
    [("0001-01-01T00:00:00Z", 1), ("9999-12-31T23:59:59Z", 0)],
)
def test_a_clock_at_the_edges_never_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: str, code: int
) -> None:
    path = _signed(tmp_path, "forever.json", validUntil="9999-12-31T23:59:59Z")
    assert main(["verify", "--now", now, "--offline", str(path)]) == code
    out, err = capsys.readouterr()
    assert err == ""
    assert "internal_error" not in out
