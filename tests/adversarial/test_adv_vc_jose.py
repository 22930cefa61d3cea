"""Hostile VC-JOSE-COSE credentials (``vc+jwt``) and enveloped credentials: each case names the
check and code it fails, through the library and through ``mcbadge verify`` (exit status)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, make_credential, run
from _signer import b64url, sign_jwt

from mcbadge.cli import main
from mcbadge.multibase import b58decode
from mcbadge.proofs.jwt import envelope, unwrap_envelope

CLI_NOW = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
VC_HEADER = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ISSUER_KEY.vm}


def _token(payload: dict[str, Any] | None = None, **header: Any) -> str:
    head = {**VC_HEADER, **header}
    return sign_jwt(payload if payload is not None else make_credential(), ISSUER_KEY, head)


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


def _cli(document: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    path = tmp_path / ("doc.jwt" if isinstance(document, str) else "doc.json")
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    code = main(["verify", "--format", "json", "--offline", "--now", CLI_NOW, str(path)])
    return code, json.loads(capsys.readouterr().out)


def _refused(
    document: Any,
    check_id: str,
    code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """The library and the CLI both fail ``check_id`` with ``code``, exit status 1."""
    exit_code, result = run(document, offline=True)
    assert exit_code == 1
    assert result.check(check_id).code == code, result.check(check_id)
    assert result.check(check_id).status == "failed"
    assert result.check(check_id).message
    cli_code, report = _cli(document, tmp_path, capsys)
    assert cli_code == 1
    assert check_id in report["failed_checks"]
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert found[0]["code"] == code
    return result


def test_a_vc_jwt_as_the_js_stack_signs_it_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the baseline every hostile case changes one thing of: typ vc+jwt, cty vc, no iss
    for document in (_token(), envelope(_token())):
        exit_code, result = run(document, offline=True)
        assert exit_code == 0, result.failed_checks
        assert result.summary.proof_format is not None
        assert result.summary.proof_format.startswith("VC-JOSE-COSE (vc+jwt")
        cli_code, report = _cli(document, tmp_path, capsys)
        assert cli_code == 0, report["failed_checks"]


@pytest.mark.parametrize(
    "typ", ["application/vc+jwt", "VC+JWT", "vc+ld+jwt", "application/vc+ld+json+jwt"]
)
def test_the_spec_spellings_of_typ_are_accepted(typ: str) -> None:
    exit_code, result = run(_token(typ=typ), offline=True)
    assert exit_code == 0, result.failed_checks
    assert run(_token(typ=typ, cty="application/vc"), offline=True)[0] == 0


def test_alg_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _unsigned({**VC_HEADER, "alg": "none"}, make_credential())
    _refused(token, "jwt", "jwt.alg_none", tmp_path, capsys)


def test_hs256_keyed_with_the_issuers_public_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = b64url(json.dumps({**VC_HEADER, "alg": "HS256"}).encode())
    body = b64url(json.dumps(make_credential()).encode())
    secret = b58decode(ISSUER_KEY.multikey[1:])[2:]
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    _refused(f"{head}.{body}.{b64url(mac)}", "jwt", "jwt.alg_symmetric", tmp_path, capsys)


def test_crit_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _token(crit=["exp"])
    _refused(token, "jwt", "jwt.crit", tmp_path, capsys)
    _refused(envelope(token), "jwt", "jwt.crit", tmp_path, capsys)


@pytest.mark.parametrize(
    ("header", "code", "says"),
    [
        ({"typ": "vc+sd-jwt"}, "jwt.typ", "SD-JWT"),
        ({"typ": "JWT"}, "jwt.typ", "vc+jwt, not JWT"),  # JWT with cty vc: not one or the other
        ({"typ": "application/json"}, "jwt.typ", "vc+jwt"),
        ({"cty": "JWT"}, "jwt.cty", "cty"),  # a nested JWT would not be the credential
        ({"cty": "vp"}, "jwt.cty", "cty"),
    ],
)
def test_wrong_typ_or_cty(
    header: dict[str, Any],
    code: str,
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = _refused(_token(**header), "jwt", code, tmp_path, capsys)
    assert says in result.check("jwt").message


def _refused_as_presentation(
    document: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify() never judges a presentation as a credential (input.presentation); the CLI
    verifies it as a presentation, which fails (no challenge, no holder proof here)."""
    exit_code, result = run(document, offline=True)
    assert exit_code == 1
    assert result.check("input").code == "input.presentation"
    assert "verify_presentation" in result.check("input").message
    assert _cli_exit(document, tmp_path, capsys) == 1


def _cli_exit(document: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    path = tmp_path / ("doc.jwt" if isinstance(document, str) else "doc.json")
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    code = main(["verify", "--format", "json", "--offline", "--now", CLI_NOW, str(path)])
    capsys.readouterr()
    return code


def test_a_token_typed_as_a_presentation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _refused_as_presentation(_token(typ="vp+jwt"), tmp_path, capsys)
    _refused_as_presentation(envelope(_token(typ="vp+jwt")), tmp_path, capsys)


def test_vcdm_1_1_credential_in_a_vc_jwt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _refused(_token(make_credential(v1=True)), "jwt", "jwt.not_vcdm2", tmp_path, capsys)
    assert "VCDM 2.0" in result.check("jwt").message
    _refused(envelope(_token(make_credential(v1=True))), "jwt", "jwt.not_vcdm2", tmp_path, capsys)


def test_vc_claim_in_a_vc_jwt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the OB 3.0 VC-JWT shape (vc claim) typed vc+jwt: VC-JOSE-COSE says MUST NOT
    payload = {"iss": ISSUER_KEY.did, "vc": make_credential()}
    _refused(_token(payload), "jwt", "jwt.vc_claim_forbidden", tmp_path, capsys)
    # without typ, an envelope still makes it a vc+jwt
    token = sign_jwt(payload, ISSUER_KEY, {"alg": "EdDSA", "kid": ISSUER_KEY.vm})
    _refused(envelope(token), "jwt", "jwt.vc_claim_forbidden", tmp_path, capsys)


def test_iss_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = {**make_credential(), "iss": ATTACKER_KEY.did}
    _refused(_token(payload), "jwt_claims", "jwt_claims.iss_mismatch", tmp_path, capsys)


def test_iss_of_the_issuer_is_accepted() -> None:
    payload = {**make_credential(), "iss": ISSUER_KEY.did}
    assert run(_token(payload), offline=True)[0] == 0


def test_expired_exp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # exp is the signature's expiry (VC-JOSE-COSE §3.1.3): past it, the token is refused even
    # though the credential itself has no validUntil
    payload = {**make_credential(), "exp": int(NOW.timestamp()) - 3600}
    _refused(_token(payload), "jwt_claims", "jwt_claims.expired", tmp_path, capsys)
    _refused(envelope(_token(payload)), "jwt_claims", "jwt_claims.expired", tmp_path, capsys)


def test_exp_after_valid_until_does_not_extend_validity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = {
        **make_credential(validUntil="2026-03-01T00:00:00Z"),
        "exp": int(NOW.timestamp()) + 10 * 365 * 86400,
    }
    _refused(_token(payload), "validity", "validity.expired", tmp_path, capsys)


def test_iat_in_the_future(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = {**make_credential(), "iat": int(NOW.timestamp()) + 86400}
    _refused(_token(payload), "jwt_claims", "jwt_claims.iat_in_future", tmp_path, capsys)


def test_jti_and_sub_must_match_when_present(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for claim in ("jti", "sub"):
        payload = {**make_credential(), claim: "urn:example:someone-else"}
        _refused(_token(payload), "jwt_claims", f"jwt_claims.{claim}_mismatch", tmp_path, capsys)


def test_signed_by_another_key_than_the_issuers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = sign_jwt(make_credential(), ATTACKER_KEY, {**VC_HEADER, "kid": ATTACKER_KEY.vm})
    _refused(envelope(token), "key_binding", "key_binding.not_issuer_key", tmp_path, capsys)


def _tampered(token: str) -> str:
    head, body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["name"] = "Advanced CS Leadership"
    return f"{head}.{b64url(json.dumps(payload).encode())}.{signature}"


def test_enveloped_credential_with_a_tampered_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _refused(envelope(_tampered(_token())), "signature", "signature.invalid", tmp_path, capsys)


def test_envelope_inside_an_envelope(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a validly signed token whose payload is itself an envelope (of a valid token)
    inner = envelope(_token())
    for outer in (_token(inner), envelope(_token(inner))):
        result = _refused(outer, "jwt", "jwt.nested_envelope", tmp_path, capsys)
        assert "do not nest" in result.check("jwt").message


def _with_id(url: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": url,
    }


@pytest.mark.parametrize(
    ("document", "code", "says"),
    [
        (
            _with_id("data:application/vc+sd-jwt,eyJ.eyJ.sig~"),
            "input.envelope_media_type",
            "vc+sd-jwt",
        ),
        (
            _with_id("data:application/vc+cose;base64,0oREoQE4IqBZ"),
            "input.envelope_media_type",
            "vc+cose",
        ),
        (_with_id("data:application/vp+jwt,a.b.c"), "input.envelope_media_type", "vp+jwt"),
        (_with_id("data:,a.b.c"), "input.envelope_media_type", "none given"),
        (
            _with_id("data:application/vc+jwt;base64,ZXlKaGJHY2lPaUpGWkVSVFFTSjkuZS5m"),
            "input.envelope_encoding",
            "base64",
        ),
        (
            _with_id("data:application/vc+jwt;charset=utf-8,a.b.c"),
            "input.envelope_encoding",
            "parameters",
        ),
        (
            _with_id("data:application/vc+jwt,this is not a token"),
            "input.envelope_not_jwt",
            "not a compact JWS",
        ),
        (_with_id("data:application/vc+jwt,a.b"), "input.envelope_not_jwt", "three"),
        (_with_id("data:application/vc+jwt,%65%79.a.b"), "input.envelope_not_jwt", "JWS"),
        (_with_id("data:application/vc+jwt"), "input.envelope_not_jwt", "','"),
        (
            _with_id("https://example.org/credentials/1"),
            "input.envelope_not_data_url",
            "not a data: URL",
        ),
        (_with_id(42), "input.envelope_malformed", "id is not a string"),
        (
            {**_with_id("data:application/vc+jwt,a.b.c"), "@context": "https://example.org/ctx"},
            "input.envelope_malformed",
            "@context",
        ),
        (
            {**_with_id("data:application/vc+jwt,a.b.c"), "credentialSubject": {"id": "did:x"}},
            "input.envelope_malformed",
            "credentialSubject",
        ),
    ],
)
def test_enveloped_data_url_that_is_not_a_vc_jwt(
    document: dict[str, Any],
    code: str,
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = _refused(document, "input", code, tmp_path, capsys)
    assert says in result.check("input").message
    # every other check was not reached: nothing inside was read as a credential
    assert result.failed_checks == ["input"]


def test_a_malformed_but_jws_shaped_token_inside_an_envelope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # three base64url parts, but the header is not JSON: the JWT decoder's code
    _refused(
        _with_id("data:application/vc+jwt,aaaa.bbbb.cccc"), "jwt", "jwt.malformed", tmp_path, capsys
    )


def test_an_enveloped_presentation_is_not_a_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a credential's token in a presentation's envelope: refused, never read as the credential
    document = envelope(_token(), media_type="application/vp+jwt")
    _refused(document, "input", "input.envelope_mismatch", tmp_path, capsys)


def test_unwrap_and_envelope_round_trip_and_refuse() -> None:
    from mcbadge.errors import MCBadgeError

    token = _token()
    wrapped = envelope(token)
    assert wrapped == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    assert unwrap_envelope(wrapped) == token
    vp = envelope(token, media_type="application/vp+jwt")
    assert vp["type"] == "EnvelopedVerifiablePresentation"
    assert unwrap_envelope(vp, media_type="application/vp+jwt") == token
    with pytest.raises(MCBadgeError) as caught:
        unwrap_envelope(vp)
    assert caught.value.code == "input.envelope_malformed"
    with pytest.raises(MCBadgeError) as caught:
        envelope("not a token")
    assert caught.value.code == "input.envelope_not_jwt"
