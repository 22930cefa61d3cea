"""OB 3.0 displayer certification cases through the CLI (valid 0, expired 1, revoked 1, for
VCDM 2.0 and 1.1), signed validity attacks, endorsements, recipient and baked images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, FakeHost, make_credential, run
from _signer import jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, status_entry, status_list

from mcbadge.cli import main

NOW = "2026-06-01T00:00:00Z"
V1_STATUS_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"


def _displayer_case(kind: str, v1: bool) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if kind == "expired":
        overrides["expirationDate" if v1 else "validUntil"] = "2026-03-01T00:00:00Z"
    if kind == "revoked":
        overrides["credentialStatus"] = status_entry(index=42)
        if v1:
            # Bitstring entries need the status context in VCDM 1.1.
            overrides["@context"] = [
                *make_credential(v1=True)["@context"],
                "https://www.w3.org/ns/credentials/status/v1",
            ]
    return sign_di(make_credential(v1=v1, **overrides), ISSUER_KEY)


@pytest.mark.parametrize("v1", [False, True], ids=["vcdm2", "vcdm1.1"])
@pytest.mark.parametrize(("kind", "expected"), [("valid", 0), ("expired", 1), ("revoked", 1)])
def test_displayer_cases_through_the_cli(
    host: FakeHost,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    expected: int,
    v1: bool,
) -> None:
    host.put(LIST_URL, status_list((42,)))
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(_displayer_case(kind, v1)), encoding="utf-8")
    code = main(["verify", "--format", "json", "--now", NOW, str(path)])
    report = json.loads(capsys.readouterr().out)
    assert code == expected, report["failed_checks"]
    assert (
        report["failed_checks"]
        == {"valid": [], "expired": ["validity"], "revoked": ["status"]}[kind]
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"validUntil": "2026-05-31T23:00:00Z"}, "validity.expired"),
        ({"validFrom": "2026-07-01T00:00:00Z"}, "validity.not_yet_valid"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validity.naive_datetime"),
        ({"validFrom": "2026-01-01"}, "validity.bad_datetime"),
        ({"validUntil": "2026-06-01T00:00:00+25:00"}, "validity.bad_datetime"),
    ],
)
def test_signed_validity_attacks(overrides: dict[str, Any], code: str) -> None:
    code_out, result = run(sign_di(make_credential(**overrides), ISSUER_KEY), offline=True)
    assert code_out == 1
    assert "validity" in result.failed_checks
    assert result.check("validity").code == code


def test_vcdm_1_1_not_yet_valid() -> None:
    document = sign_di(make_credential(v1=True, issuanceDate="2026-09-01T00:00:00Z"), ISSUER_KEY)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.check("validity").code == "validity.not_yet_valid"


def _endorsement(key: Any = ATTACKER_KEY, **overrides: Any) -> dict[str, Any]:
    endorsement = {
        "@context": make_credential()["@context"],
        "id": "urn:uuid:e0000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement of the CSP practicum",
        "issuer": {"id": key.did, "type": ["Profile"], "name": "CS Teachers Association"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://academy.example/achievements/csp",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Rigorous.",
        },
    }
    endorsement.update(overrides)
    return sign_di(endorsement, key)


def _endorsed(endorsement: Any, field: str = "endorsement") -> dict[str, Any]:
    credential = make_credential()
    credential["credentialSubject"]["achievement"][field] = [endorsement]
    return sign_di(credential, ISSUER_KEY)


def test_valid_endorsement() -> None:
    code, result = run(_endorsed(_endorsement()), offline=True)
    assert code == 0, [result.check(c).code for c in result.failed_checks]
    assert result.check("endorsements").status == "passed"


def test_tampered_endorsement() -> None:
    endorsement = _endorsement()
    endorsement["credentialSubject"]["endorsementComment"] = "Fraudulent."
    code, result = run(_endorsed(endorsement), offline=True)
    assert code == 1
    assert result.failed_checks == ["endorsements"]


def test_expired_endorsement_jwt() -> None:
    endorsement = _endorsement()
    del endorsement["proof"]
    endorsement["validUntil"] = "2026-02-01T00:00:00Z"
    token = sign_jwt(jwt_payload(endorsement), ATTACKER_KEY)
    code, result = run(_endorsed(token, "endorsementJwt"), offline=True)
    assert code == 1
    assert result.failed_checks == ["endorsements"]


def test_endorsements_nested_beyond_the_depth_cap() -> None:
    inner = _endorsement()
    middle = _endorsement(
        issuer={"id": ATTACKER_KEY.did, "type": ["Profile"], "endorsement": [inner]}
    )
    outer = _endorsement(
        issuer={"id": ATTACKER_KEY.did, "type": ["Profile"], "endorsement": [middle]}
    )
    code, result = run(_endorsed(outer), offline=True, max_endorsement_depth=1)
    assert code == 1
    assert result.failed_checks == ["endorsements"]


def test_recipient_mismatch() -> None:
    code, result = run(
        sign_di(make_credential(), ISSUER_KEY), offline=True, expected_recipient="did:example:other"
    )
    assert code == 1
    assert result.failed_checks == ["recipient"]


def test_baked_png_with_tampered_credential() -> None:
    from mcbadge.baking import bake_png

    png = _minimal_png()
    document = sign_di(make_credential(), ISSUER_KEY)
    assert run(bake_png(png, json.dumps(document)), offline=True)[0] == 0
    document["credentialSubject"]["achievement"]["name"] = "PhD"
    code, result = run(bake_png(png, json.dumps(document)), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_baked_png_with_jwt() -> None:
    from mcbadge.baking import bake_png

    token = sign_jwt(jwt_payload(make_credential()), ISSUER_KEY)
    code, result = run(bake_png(_minimal_png(), token), offline=True)
    assert code == 0
    assert result.summary.proof_format == "VC-JWT"


def test_corrupt_png_fails_input() -> None:
    code, result = run(_minimal_png()[:30], offline=True)
    assert code == 1
    assert result.failed_checks == ["input"]


def _minimal_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )
