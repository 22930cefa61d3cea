"""Every signed example of the rendered OB 3.0 spec verifies (with embedded keys trusted
explicitly), fails without that trust, and fails after any change to a signed value."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REFERENCE

from mcbadge.did import OfflineResolver
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.proofs import verify_proof

EXAMPLES = REFERENCE / "examples/ob3/spec-rendered"  # the `reference` fixture's path
DI = sorted(EXAMPLES.glob("*/signed-di.json"))
JWT = sorted(EXAMPLES.glob("*/credential.jwt"))


def test_there_are_eight_of_each() -> None:
    assert len(DI) == 8
    assert len(JWT) == 8


@pytest.mark.parametrize("path", DI, ids=lambda p: p.parent.name)
def test_di_example_verifies_with_explicit_trust(path: Path) -> None:
    doc = json.loads(path.read_text())
    result = verify_proof(doc, OfflineResolver(trust_embedded_keys=True))
    assert result.verified, result.codes
    assert result.format == "eddsa-rdfc-2022"
    assert "key_resolution.embedded_key" in [w.code for w in result.all_warnings]
    untrusted = verify_proof(doc, OfflineResolver())
    assert not untrusted.verified
    assert untrusted.codes[0].startswith("key_resolution.")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _mutate(doc: Any, path: tuple[Any, ...]) -> None:
    target = doc
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = (
        (old + "x") if isinstance(old, str) else ("changed" if old is not True else False)
    )


@pytest.mark.parametrize("path", DI[:2], ids=lambda p: p.parent.name)
def test_di_example_any_mutation_fails(path: Path) -> None:
    doc = json.loads(path.read_text())
    resolver = OfflineResolver(trust_embedded_keys=True)
    leaves = [p for p in _leaves(doc) if p[0] not in ("@context",)]
    for leaf in leaves:
        if leaf[0] == "proof" and leaf[-1] in ("type", "cryptosuite"):
            continue  # these change the suite: covered by other refusals
        changed = copy.deepcopy(doc)
        _mutate(changed, leaf)
        assert not verify_proof(changed, resolver).verified, leaf


@pytest.mark.parametrize("path", JWT, ids=lambda p: p.parent.name)
def test_jwt_example_verifies_with_explicit_trust(path: Path) -> None:
    token = path.read_text().strip()
    result = verify_proof(token, OfflineResolver(), trust_embedded_keys=True)
    assert result.verified, result.codes
    warnings = [w.code for w in result.all_warnings]
    assert "jwt_claims.nbf_missing" in warnings  # the spec's examples carry no nbf
    untrusted = verify_proof(token, OfflineResolver())
    assert untrusted.codes == ["key_binding.untrusted_embedded_key"]


@pytest.mark.parametrize("path", JWT[:2], ids=lambda p: p.parent.name)
def test_jwt_example_any_payload_mutation_fails(path: Path) -> None:
    head, body, sig = path.read_text().strip().split(".")
    payload = json.loads(b64url_decode(body))
    for leaf in _leaves(payload):
        changed = copy.deepcopy(payload)
        _mutate(changed, leaf)
        token = ".".join([head, b64url_encode(json.dumps(changed).encode()), sig])
        assert not verify_proof(token, OfflineResolver(), trust_embedded_keys=True).verified, leaf
