"""CLI: mcbadge keys generate / keys did / sign, end to end through main()."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from mcbadge.cli import main
from mcbadge.did import OfflineResolver
from mcbadge.proofs import verify_proof


def _credential(reference: Path) -> dict[str, Any]:
    path = reference / "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("ed25519", "eddsa-rdfc-2022"),
        ("p256", "ecdsa-rdfc-2019"),
        ("ed25519", "ed25519-2020"),
        ("rsa", "jwt"),
        ("ed25519", "vc+jwt"),
        ("p256", "vc+jwt"),
    ],
)
def test_generate_sign_verify(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str], kind: str, fmt: str
) -> None:
    key_file = tmp_path / "key.json"
    assert main(["keys", "generate", "--type", kind, "--out", str(key_file)]) == 0
    did = capsys.readouterr().out.strip()
    assert did.startswith("did:jwk:" if kind == "rsa" else "did:key:")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert main(["keys", "did", str(key_file)]) == 0
    assert capsys.readouterr().out.strip() == did
    cred = tmp_path / "cred.json"
    cred.write_text(json.dumps(_credential(reference)))
    out = tmp_path / "signed.out"
    args = ["sign", str(cred), "--key", str(key_file), "--format", fmt, "--out", str(out)]
    assert main(args) == 1
    assert "key_binding.issuer_mismatch" in capsys.readouterr().err
    assert main([*args, "--set-issuer"]) == 0
    text = out.read_text()
    jws = fmt in ("jwt", "vc+jwt")
    result = verify_proof(text.strip() if jws else json.loads(text), OfflineResolver())
    assert result.verified, result.codes
    if jws:
        assert result.format == fmt


def test_encrypted_key_and_did_web(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("s3cret\n")
    key_file = tmp_path / "key.json"
    assert main(["keys", "generate", "--out", str(key_file), "--passphrase-file", str(secret)]) == 0
    capsys.readouterr()
    assert "s3cret" not in key_file.read_text()
    did_json = tmp_path / "did.json"
    assert main(["keys", "did", str(key_file), "--web", "example.edu", "--out", str(did_json)]) == 0
    assert capsys.readouterr().out.strip() == "did:web:example.edu"
    document = json.loads(did_json.read_text())
    assert document["assertionMethod"]
    cred = tmp_path / "cred.json"
    credential = _credential(reference)
    credential.pop("proof", None)
    credential["issuer"] = dict(credential["issuer"], id="did:web:example.edu")
    cred.write_text(json.dumps(credential))
    base = ["sign", str(cred), "--key", str(key_file)]
    assert main([*base, "--verification-method", document["assertionMethod"][0]]) == 64
    assert "passphrase" in capsys.readouterr().err
    full = [
        *base,
        "--passphrase-file",
        str(secret),
        "--verification-method",
        document["assertionMethod"][0],
    ]
    assert main(full) == 0
    signed = json.loads(capsys.readouterr().out)
    assert verify_proof(signed, OfflineResolver({document["id"]: document})).verified


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "--type", "dsa", "--out", str(tmp_path / "k")]) == 64
    assert main(["sign", str(tmp_path / "missing.json"), "--key", str(tmp_path / "k")]) == 64
    (tmp_path / "c.json").write_text("{}")
    assert (
        main(["sign", str(tmp_path / "c.json"), "--key", str(tmp_path / "k"), "--format", "x"])
        == 64
    )
    assert main(["keys", "did", str(tmp_path / "nope.json")]) == 64
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("error") >= 4


def test_sign_refuses_what_every_verifier_rejects_unless_told_unsafe(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "key.json"
    assert main(["keys", "generate", "--out", str(key_file)]) == 0
    capsys.readouterr()
    credential = _credential(reference)
    credential["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    credential.pop("validFrom")
    credential.pop("validUntil", None)
    credential["issuanceDate"] = "not a date"
    cred = tmp_path / "cred.json"
    cred.write_text(json.dumps(credential))
    out = tmp_path / "signed.json"
    args = ["sign", str(cred), "--key", str(key_file), "--set-issuer", "--out", str(out)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "refusing to sign" in err
    assert "validity: issuanceDate ('not a date') is not an RFC 3339 date-time" in err
    assert "[validity.bad_datetime]" in err
    assert "Traceback" not in err
    assert not out.exists()
    # The same codes as `mcbadge verify` on that document.
    assert main(["verify", str(cred), "--offline"]) != 0
    assert "validity.bad_datetime" in capsys.readouterr().out

    credential = _credential(reference)
    credential["validFrom"] = "not a date"
    cred.write_text(json.dumps(credential))
    assert main(args) == 1
    assert "[validity.bad_datetime]" in capsys.readouterr().err
    assert main([*args, "--unsafe-skip-checks"]) == 0
    assert "--unsafe-skip-checks" in capsys.readouterr().err
    assert json.loads(out.read_text())["validFrom"] == "not a date"
