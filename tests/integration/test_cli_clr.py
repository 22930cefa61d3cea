"""``mcbadge clr build`` end to end, then ``mcbadge verify`` of the record it wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge.cli import main
from mcbadge.issuer import Issuer, IssuerStore, SigningKey

EMAIL = "dana.whitlock@school.example"
AT = "/credentialSubject/verifiableCredential"


def _achievement(number: int) -> dict[str, Any]:
    return {
        "id": f"https://provider.test/achievements/{number}",
        "type": ["Achievement"],
        "name": f"Micro-credential {number}",
        "description": "Taught a unit.",
        "criteria": {"narrative": "Taught a full unit."},
    }


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    """Two providers' credentials for one teacher (one of them a VC-JWT), in a registry and
    as files, and the licensure office's (the assembler's) key."""
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    files = []
    with IssuerStore(db) as store:
        first = Issuer(
            {"name": "Academy"},
            SigningKey.generate(),
            registry=store,
            status_base_url="https://status.test/a/",
        )
        second = Issuer(
            {"name": "Institute"},
            SigningKey.generate(),
            registry=store,
            status_base_url="https://status.test/b/",
            format="jwt",
        )
        issued = [first.issue(_achievement(1), EMAIL), second.issue(_achievement(2), EMAIL)]
        for number, credential in enumerate(issued, 1):
            path = tmp_path / f"badge{number}.{'jwt' if credential.is_jwt else 'json'}"
            path.write_bytes(credential.to_bytes())
            files.append(path)
        revoked = first.issue(_achievement(3), EMAIL)
        first.revoke(revoked.credential_id)
        first.issue(_achievement(4), EMAIL)
        issuer_did = first.issuer_id
    assert main(["keys", "generate", "-o", str(tmp_path / "office.json")]) == 0
    return {"db": db, "files": files, "key": tmp_path / "office.json", "did": issuer_did}


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    # offline: the credentials carry status entries nobody serves here (undecided, exit 2)
    capsys.readouterr()
    code = main(["verify", "--offline", "--format", "json", str(path)])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "jwt"])
def test_build_from_files_then_verify_reports_each_credential(
    setup: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = tmp_path / f"record-{fmt}"
    code = main(
        [
            "clr",
            "build",
            *map(str, setup["files"]),
            "--key",
            str(setup["key"]),
            "--recipient",
            EMAIL,
            "--format",
            fmt,
            "--name",
            "CS endorsement record",
            "--associate",
            "https://provider.test/achievements/1 isPartOf https://provider.test/achievements/2",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "wrote" in capsys.readouterr().err
    verify_code, report = _verify(out, capsys)
    assert report["kind"] == "clr"
    assert report["outer"]["verified"] is True
    assert [item["location"] for item in report["nested"]] == [f"{AT}/0", f"{AT}/1"]
    # offline, the nested status lists cannot be fetched: undecided (2), never verified
    assert verify_code == 2
    assert report["indeterminate"] is True
    assert report["failed_locations"] == [f"{AT}/0", f"{AT}/1"]
    for item in report["nested"]:
        assert item["failed_checks"] == ["status_retrieval", "network_policy"]


def test_build_from_the_registry_takes_the_valid_credentials_only(
    setup: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "record.json"
    code = main(
        [
            "clr",
            "build",
            "--from-registry",
            EMAIL,
            "--issuer-did",
            setup["did"],
            "--db",
            setup["db"],
            "--key",
            str(setup["key"]),
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    record = json.loads(out.read_text("utf-8"))
    names = [c["name"] for c in record["credentialSubject"]["verifiableCredential"]]
    assert names == ["Micro-credential 1", "Micro-credential 4"]  # 3 was revoked


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 64, "name credential files, or --from-registry EMAIL"),
        (["--format", "ed25519-2020"], 64, "--format must be one of"),
        (["--associate", "just-two parts"], 64, "write SOURCE_ID TYPE TARGET_ID"),
        (["--recipient", "someone.else@school.example"], 1, "[clr.not_the_learner]"),
        (["--associate", "urn:x isPartOf urn:y"], 1, "[clr.unknown_achievement]"),
        (["--from-registry", EMAIL], 64, "--from-registry needs --issuer-did"),
    ],
)
def test_refusals_have_exit_codes_and_codes(
    setup: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    files = [] if not args or args[0] == "--from-registry" else list(map(str, setup["files"]))
    if "--recipient" not in args:
        args = [*args, "--recipient", EMAIL]
    assert main(["clr", "build", *files, "--key", str(setup["key"]), *args]) == code
    assert message in capsys.readouterr().err


def test_verify_text_shows_the_outer_record_and_each_credential(
    setup: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "record.json"
    main(
        [
            "clr",
            "build",
            *map(str, setup["files"]),
            "--key",
            str(setup["key"]),
            "--recipient",
            EMAIL,
            "--out",
            str(out),
        ]
    )
    record = json.loads(out.read_text("utf-8"))
    record["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged"
    out.write_text(json.dumps(record), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "--offline", str(out)]) == 1
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"{out}: NOT VERIFIED"
    assert "  Outer record: NOT VERIFIED" in text
    assert f"  Credential 1 of 2 ({AT}/0): NOT VERIFIED" in text
    assert f"  Credential 2 of 2 ({AT}/1): INDETERMINATE" in text
