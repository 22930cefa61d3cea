"""VC-JOSE-COSE signing (``format="vc+jwt"``): the header and payload the spec asks for, what
is refused, the library and CLI paths, and the OB 3.0 VC-JWT left as it was."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import mcbadge
from mcbadge.cli import main
from mcbadge.errors import MCBadgeError
from mcbadge.keys import Key
from mcbadge.proofs.jwt import decode_jwt, envelope, unwrap_envelope
from mcbadge.verify import VerificationPolicy, verify

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adversarial"))
try:
    from _helpers import ISSUER_KEY, NOW, make_credential
finally:
    sys.path.pop(0)

KEY = Key(ISSUER_KEY.private.public_key(), ISSUER_KEY.private)
SIGNED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
POLICY = VerificationPolicy(now=NOW, offline=True)


def test_vc_jwt_header_and_payload() -> None:
    credential = make_credential(validUntil="2027-01-01T00:00:00Z")
    signed = mcbadge.sign(credential, KEY, format="vc+jwt", created=SIGNED_AT)
    assert signed.format == "vc+jwt"
    assert signed.jwt is not None
    header, payload, _, _ = decode_jwt(signed.jwt)
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ISSUER_KEY.vm}
    # the payload IS the credential, plus iss and the signature's iat; no vc claim, and no
    # nbf/exp standing in for validFrom/validUntil (those are the data's, not the signature's)
    assert payload == {**credential, "iss": ISSUER_KEY.did, "iat": int(SIGNED_AT.timestamp())}
    assert signed.document == credential
    result = verify(signed.jwt, POLICY)
    assert result.verified, result.failed_checks
    assert result.summary.proof_format == "VC-JOSE-COSE (vc+jwt)"
    assert result.check("input").message == (
        "read as a VC-JOSE-COSE credential (vc+jwt compact JWS)"
    )


def test_enveloped_vc_jwt_verifies_as_dict_text_and_file(tmp_path: Path) -> None:
    token = mcbadge.sign(make_credential(), KEY, format="vc+jwt", created=SIGNED_AT).jwt
    assert token is not None
    wrapped = envelope(token)
    path = tmp_path / "enveloped.json"
    path.write_text(json.dumps(wrapped), "utf-8")
    for document in (wrapped, json.dumps(wrapped), json.dumps(wrapped).encode(), path):
        result = verify(document, POLICY)
        assert result.verified, result.failed_checks
        assert result.summary.proof_format == "VC-JOSE-COSE (vc+jwt, enveloped)"
        assert result.summary.issuer_id == ISSUER_KEY.did
    assert unwrap_envelope(wrapped) == token


def test_ob_vc_jwt_is_unchanged() -> None:
    for v1 in (False, True):
        signed = mcbadge.sign(make_credential(v1=v1), KEY, format="jwt")
        assert signed.jwt is not None
        header, payload, _, _ = decode_jwt(signed.jwt)
        assert header["typ"] == "JWT"
        assert "cty" not in header
        assert ("vc" in payload) is v1
        result = verify(signed.jwt, POLICY)
        assert result.verified, result.failed_checks
        assert result.summary.proof_format == "VC-JWT"


def test_vcdm_1_1_cannot_be_signed_as_vc_jwt() -> None:
    with pytest.raises(MCBadgeError) as caught:
        mcbadge.sign(make_credential(v1=True), KEY, format="vc+jwt")
    assert caught.value.code == "jwt.not_vcdm2"


def test_a_credential_with_a_vc_member_cannot_be_signed_as_vc_jwt() -> None:
    from mcbadge.proofs import sign

    with pytest.raises(MCBadgeError) as caught:
        sign({**make_credential(), "vc": {}}, KEY, format="vc+jwt")
    assert caught.value.code == "jwt.vc_claim_forbidden"


def _key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    key_file = tmp_path / "key.json"
    assert main(["keys", "generate", "--out", str(key_file)]) == 0
    capsys.readouterr()
    return key_file


def _cli_sign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], credential: dict[str, Any]
) -> tuple[int, str, str]:
    key_file = _key_file(tmp_path, capsys)
    source = tmp_path / "cred.json"
    source.write_text(json.dumps(credential), "utf-8")
    out = tmp_path / "signed.jwt"
    code = main(
        [
            "sign",
            str(source),
            "--key",
            str(key_file),
            "--format",
            "vc+jwt",
            "--set-issuer",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    return code, out.read_text() if out.exists() else "", captured.err


def test_cli_sign_vc_jwt_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = _cli_sign(tmp_path, capsys, make_credential())
    assert code == 0, err
    header, _, _, _ = decode_jwt(text.strip())
    assert (header["typ"], header["cty"]) == ("vc+jwt", "vc")
    path = tmp_path / "signed.jwt"
    assert main(["verify", "--format", "json", "--offline", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["proof_format"] == "VC-JOSE-COSE (vc+jwt)"


def test_cli_refuses_vc_jwt_of_a_vcdm_1_1_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, err = _cli_sign(tmp_path, capsys, make_credential(v1=True))
    assert code == 1
    assert "[jwt.not_vcdm2]" in err
    assert "VCDM 2.0" in err
    assert text == ""


def test_cli_format_list_names_vc_jwt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file = _key_file(tmp_path, capsys)
    source = tmp_path / "cred.json"
    source.write_text(json.dumps(make_credential()), "utf-8")
    assert main(["sign", str(source), "--key", str(key_file), "--format", "vc-jwt"]) == 64
    assert "vc+jwt" in capsys.readouterr().err
