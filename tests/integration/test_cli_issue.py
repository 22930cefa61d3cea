"""``mcbadge issue`` / ``issue-batch`` / ``revoke`` / ``suspend`` / ``unsuspend`` /
``status publish`` end to end: files written, exit codes 0/1/64, never a traceback."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from mcbadge.cli import main
from mcbadge.issuer import SigningKey

ACHIEVEMENTS = {
    "csp": {
        "id": "https://provider.test/achievements/csp",
        "type": ["Achievement"],
        "name": "Teaching CS Principles",
        "description": "Taught a unit.",
        "criteria": {"narrative": "Taught a full unit."},
    },
    "python": {
        "id": "https://provider.test/achievements/python",
        "type": ["Achievement"],
        "name": "Teaching Python",
        "description": "Taught Python.",
        "criteria": {"narrative": "Observed lesson."},
    },
}


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def provider(tmp_path: Path) -> dict[str, Any]:
    key = tmp_path / "key.json"
    SigningKey.generate().save(key)
    issuer = tmp_path / "issuer.json"
    issuer.write_text(json.dumps({"id": "did:web:provider.test", "name": "Academy"}))
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for name, achievement in ACHIEVEMENTS.items():
        (catalog / f"{name}.json").write_text(json.dumps(achievement))
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "row_id,email,achievement\n"
        "r1,a@school.example,csp\n"
        "r2,b@school.example,python\n"
        "r3,c@school.example,https://provider.test/achievements/csp\n"
        "r4,d@school.example,unknown\n"
    )
    image = tmp_path / "badge.png"
    image.write_bytes(_png())
    common = ["--issuer", str(issuer), "--key", str(key), "--db", f"sqlite:///{tmp_path}/r.db"]
    return {
        "tmp": tmp_path,
        "common": common,
        "catalog": catalog,
        "roster": roster,
        "image": image,
    }


def test_issue_prints_a_signed_credential_and_bakes_on_request(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = str(provider["catalog"] / "csp.json")
    args = ["issue", "--achievement", achievement, "--recipient", "a@school.example"]
    assert main([*args, *provider["common"]]) == 0
    credential = json.loads(capsys.readouterr().out)
    assert credential["issuer"]["id"] == "did:web:provider.test"
    status = credential["credentialStatus"]
    assert status["statusListCredential"] == "https://provider.test/status/revocation-1.json"
    assert credential["proof"][0]["verificationMethod"].startswith("did:web:provider.test#z6Mk")

    baked = provider["tmp"] / "a.png"
    bake = ["--bake", str(provider["image"]), "--out", str(baked)]
    assert main([*args, *provider["common"], *bake]) == 0
    assert "re-emitted" in capsys.readouterr().err
    assert main(["unbake", str(baked)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == credential["id"]


def test_issue_jwt_format_writes_a_compact_jws(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    out = provider["tmp"] / "c.jwt"
    achievement = str(provider["catalog"] / "csp.json")
    code = main(
        [
            "issue",
            "--achievement",
            achievement,
            "--recipient",
            "a@school.example",
            "--format",
            "jwt",
            "--out",
            str(out),
            *provider["common"],
        ]
    )
    assert code == 0
    assert out.read_text().strip().count(".") == 2


def test_batch_writes_files_and_manifest_and_rerun_issues_nothing_new(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    out = provider["tmp"] / "out"
    args = [
        "issue-batch",
        "--roster",
        str(provider["roster"]),
        "--catalog",
        str(provider["catalog"]),
        "--out",
        str(out),
        "--bake",
        str(provider["image"]),
        "--jobs",
        "2",
        *provider["common"],
    ]
    assert main(args) == 1  # row r4 names an achievement that is not in the catalog
    captured = capsys.readouterr()
    table = dict(line.rsplit(None, 1) for line in captured.out.splitlines()[:3])
    assert table == {"issued": "3", "re-emitted": "0", "failed": "1"}
    assert "data_model.unknown_achievement" in captured.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [entry["row_id"] for entry in manifest["credentials"]] == ["r1", "r2", "r3"]
    assert manifest["failed"][0]["row_id"] == "r4"
    for entry in manifest["credentials"]:
        document = json.loads((out / entry["file"]).read_text())
        assert document["id"] == entry["credential_id"]
        assert (out / entry["baked"]).is_file()
        assert document["credentialStatus"]["statusListIndex"] == str(
            entry["status"]["revocation"]["index"]
        )

    assert main(args) == 1
    again = json.loads((out / "manifest.json").read_text())
    assert again["summary"] == {"issued": 0, "reemitted": 3, "failed": 1}
    ids = [entry["credential_id"] for entry in again["credentials"]]
    assert ids == [entry["credential_id"] for entry in manifest["credentials"]]


def test_revoke_suspend_unsuspend_and_publish(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    common, db = provider["common"], provider["common"][-2:]
    achievement = str(provider["catalog"] / "csp.json")
    base = ["issue", "--achievement", achievement, *common]
    assert main([*base, "--recipient", "a@school.example", "--suspension"]) == 0
    suspendable = json.loads(capsys.readouterr().out)["id"]
    assert main([*base, "--recipient", "b@school.example"]) == 0
    plain = json.loads(capsys.readouterr().out)["id"]

    assert main(["revoke", plain, "--reason", "issued in error", *db]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["suspend", plain, *db]) == 1
    assert "[registry.no_suspension_entry]" in capsys.readouterr().err
    assert main(["suspend", suspendable, "--reason", "review", *db]) == 0
    assert "suspended" in capsys.readouterr().out
    assert main(["unsuspend", suspendable, *db]) == 0
    assert "active" in capsys.readouterr().out
    assert main(["revoke", "urn:uuid:nope", "--reason", "x", *db]) == 1
    assert "[registry.unknown_credential]" in capsys.readouterr().err

    site = provider["tmp"] / "site"
    assert main(["status", "publish", "--out", str(site), *common]) == 0
    assert sorted(p.name for p in site.iterdir()) == [
        ".mcbadge-publish.json",
        "revocation-1.json",
        "revocations.json",
        "suspension-1.json",
    ]
    revocations = json.loads((site / "revocations.json").read_text())
    assert revocations["revokedCredential"][0]["id"] == plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "--achievement", "missing.json", "--recipient", "a@s.example"], "no such file"),
        (["issue-batch", "--roster", "r.csv", "--catalog", ".", "--out", "o"], "no such file"),
        (["issue-batch", "--jobs", "0", "--roster", "r", "--catalog", ".", "--out", "o"], "jobs"),
        (["status", "publish", "--out", "o", "--status-url", "http://x/"], "https://"),
    ],
)
def test_usage_errors_exit_64_without_traceback(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*args, *provider["common"]]) == 64
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_format_and_missing_option_are_usage_errors(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = str(provider["catalog"] / "csp.json")
    base = [
        "issue",
        "--achievement",
        achievement,
        "--recipient",
        "a@s.example",
        *provider["common"],
    ]
    assert main([*base, "--format", "rsa"]) == 64
    assert main(["issue", "--recipient", "a@s.example"]) == 64
    assert main([*base, "--format", "ecdsa-rdfc-2019"]) == 1  # an Ed25519 key cannot
    assert "[cryptosuite.key_mismatch]" in capsys.readouterr().err


def test_bad_email_fails_cleanly(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = str(provider["catalog"] / "csp.json")
    code = main(
        ["issue", "--achievement", achievement, "--recipient", "nobody", *provider["common"]]
    )
    assert code == 1
    assert "[input.bad_email]" in capsys.readouterr().err


def test_default_registry_lives_in_the_user_data_directory(
    provider: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(provider["tmp"] / "xdg"))
    common = provider["common"][:-2]  # no --db
    achievement = str(provider["catalog"] / "csp.json")
    assert main(["issue", "--achievement", achievement, "--recipient", "a@s.example", *common]) == 0
    assert (provider["tmp"] / "xdg" / "mcbadge" / "registry.db").is_file()


def test_did_option_names_the_issuer_for_a_profile_with_a_url_id(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp = provider["tmp"]
    (tmp / "issuer.json").write_text(
        json.dumps(
            {"id": "https://academy.example/i", "name": "A", "url": "https://academy.example"}
        )
    )
    achievement = str(provider["catalog"] / "csp.json")
    base = ["issue", "--achievement", achievement, "--recipient", "a@s.example"]
    assert main([*base, *provider["common"]]) == 0
    assert json.loads(capsys.readouterr().out)["issuer"]["id"].startswith("did:key:")
    did = ["--did", "did:web:academy.example", "--status-url", "https://academy.example/s/"]
    assert main([*base, "--recipient", "b@s.example", *provider["common"], *did]) == 0
    credential = json.loads(capsys.readouterr().out)
    assert credential["issuer"]["id"] == "did:web:academy.example"
    assert credential["proof"][0]["verificationMethod"].startswith("did:web:academy.example#z")
    assert main([*base, *provider["common"], "--did", "https://academy.example"]) == 64
    assert "must be a DID" in capsys.readouterr().err


def test_one_award_per_teacher_and_achievement_across_issue_and_issue_batch(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = str(provider["catalog"] / "csp.json")
    one = ["issue", "--achievement", achievement, *provider["common"]]
    assert main([*one, "--recipient", "a@school.example"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*one, "--recipient", " A@School.example"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == first
    assert "already issued" in captured.err
    assert first["id"] in captured.err

    # The roster names the same teacher and achievement under a row id: re-emitted.
    out = provider["tmp"] / "out"
    batch = ["issue-batch", "--roster", str(provider["roster"]), "--catalog"]
    batch += [str(provider["catalog"]), "--out", str(out), *provider["common"]]
    assert main(batch) == 1  # r4's achievement is not in the catalog
    captured = capsys.readouterr()
    table = dict(line.rsplit(None, 1) for line in captured.out.splitlines()[:3])
    assert table == {"issued": "2", "re-emitted": "1", "failed": "1"}
    assert "already issued: 1 row(s)" in captured.out
    manifest = json.loads((out / "manifest.json").read_text())
    r1 = manifest["credentials"][0]
    assert (r1["row_id"], r1["credential_id"], r1["reemitted"]) == ("r1", first["id"], True)


def test_idempotency_key_option_re_awards_on_purpose_and_refuses_a_conflicting_reuse(
    provider: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = str(provider["catalog"] / "csp.json")
    one = ["issue", "--achievement", achievement, *provider["common"]]
    assert main([*one, "--recipient", "a@school.example", "--idempotency-key", "AW-1"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*one, "--recipient", "a@school.example", "--idempotency-key", "AW-2"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["id"] != first["id"]  # a deliberate second award
    assert main([*one, "--recipient", "b@school.example", "--idempotency-key", "AW-1"]) == 1
    err = capsys.readouterr().err
    assert "[registry.key_conflict]" in err
    assert "Traceback" not in err

    roster = provider["tmp"] / "keyed.csv"
    roster.write_text("row_id,email,achievement\nAW-1,a@school.example,csp\nAW-3,c@s.example,csp\n")
    out = provider["tmp"] / "out"
    batch = ["issue-batch", "--roster", str(roster), "--catalog", str(provider["catalog"])]
    batch += ["--out", str(out), *provider["common"]]
    assert main([*batch, "--key-column", "row_id"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["summary"] == {"issued": 1, "reemitted": 1, "failed": 0}
    assert manifest["credentials"][0]["credential_id"] == first["id"]
    assert main([*batch, "--key-column", "award"]) == 1  # no such column
    assert "input.bad_roster" in capsys.readouterr().err
