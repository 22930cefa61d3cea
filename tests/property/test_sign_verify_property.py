"""Property: random OB credentials sign and verify in every format; changing any signed leaf
value makes verification fail."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbadge.did import OfflineResolver, did_for_key
from mcbadge.keys import generate_key
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.proofs import sign, verify_proof

KEYS = {
    "eddsa-rdfc-2022": generate_key("ed25519"),
    "ecdsa-rdfc-2019": generate_key("p256"),
    "ed25519-2020": generate_key("ed25519"),
    "jwt": generate_key("rsa"),
}
FORMATS = list(KEYS)

text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
slug = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": "https://example.edu/achievements/" + draw(slug),
        "type": ["Achievement"],
        "name": draw(text),
        "description": draw(text),
        "criteria": {"narrative": draw(text)},
    }
    if draw(st.booleans()):
        achievement["achievementType"] = draw(st.sampled_from(["Certificate", "Course", "Badge"]))
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if draw(st.booleans()):
        subject["id"] = "did:example:" + draw(slug)
    year = draw(st.integers(2000, 2025))
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:" + draw(st.uuids()).hex,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "", "type": ["Profile"], "name": draw(text)},
        "validFrom": f"{year}-01-01T00:00:00Z",
        "name": draw(text),
        "credentialSubject": subject,
    }


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _flip(doc: Any, path: tuple[Any, ...]) -> None:
    target = doc
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = old + "X" if isinstance(old, str) else old + 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cred=credentials(), fmt=st.sampled_from(FORMATS), pick=st.integers(0, 10_000))
def test_sign_verify_and_any_flip_fails(cred: dict[str, Any], fmt: str, pick: int) -> None:
    key = KEYS[fmt]
    cred["issuer"]["id"] = did_for_key(key)
    signed = sign(cred, key, format=fmt)  # type: ignore[arg-type]
    resolver = OfflineResolver()
    if fmt == "jwt":
        assert signed.jwt is not None
        assert verify_proof(signed.jwt, resolver).verified
        head, body, sig = signed.jwt.split(".")
        payload = json.loads(b64url_decode(body))
        leaves = _leaves(payload)
        changed = copy.deepcopy(payload)
        _flip(changed, leaves[pick % len(leaves)])
        token = ".".join([head, b64url_encode(json.dumps(changed).encode()), sig])
        assert not verify_proof(token, resolver).verified
        return
    assert verify_proof(signed.document, resolver).verified
    leaves = [p for p in _leaves(signed.document) if p[:1] != ("proof",) or p[-1] != "proofValue"]
    changed = copy.deepcopy(signed.document)
    _flip(changed, leaves[pick % len(leaves)])
    assert not verify_proof(changed, resolver).verified
