"""Fuzzing the verifier: random JSON, and random byte- and JSON-level mutations of valid signed
credentials, never verify (unless the mutation is semantically neutral) and fail with the check
that owns the damage: ``input`` for what is not a JSON object, ``data_model`` for a value of the
wrong type, ``signature`` for a signed text changed; never ``*.internal_error`` (a crash
caught by the pipeline), never an exception out of verify()."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))

from _helpers import ISSUER_KEY, make_credential, policy
from _signer import b64url, jwt_payload, p256_key, sign_di, sign_jwt

from mcbadge.verify import VerificationResult, verify

SIGNED = sign_di(make_credential(), ISSUER_KEY)
SIGNED_BYTES = json.dumps(SIGNED).encode()
TOKEN = sign_jwt(jwt_payload(make_credential()), ISSUER_KEY)
P256_KEY = p256_key(7)
# ecdsa-rdfc-2019 over a VCDM 1.1 credential: the other suite and the other data model
SIGNED_V1_ECDSA = sign_di(make_credential(P256_KEY, v1=True), P256_KEY)
POLICY = policy(offline=True)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_unmutated_inputs_verify() -> None:
    assert verify(SIGNED_BYTES, POLICY).verified
    assert verify(TOKEN, POLICY).verified
    assert verify(SIGNED_V1_ECDSA, POLICY).verified


def _refused(result: VerificationResult) -> list[str]:
    """The failed check ids of a refused result; a crash inside a check fails the test."""
    assert not result.verified
    crashed = [check.code for check in result.checks if check.code.endswith(".internal_error")]
    assert not crashed, crashed
    return result.failed_checks


def _python_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return ValueError


def _parses_to(data: bytes, expected: Any) -> bool:
    try:
        return bool(json.loads(data) == expected)
    except ValueError:
        return False


@FUZZ
@given(st.data())
def test_byte_mutations_of_json(data: st.DataObject) -> None:
    raw = bytearray(SIGNED_BYTES)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "delete":
            del raw[position]
        else:
            raw.insert(position, data.draw(st.integers(0, 255)))
    result = verify(bytes(raw), POLICY)
    if result.verified:
        assert _parses_to(bytes(raw), SIGNED)
        return
    failed = _refused(result)
    decoded = _python_json(bytes(raw))
    if decoded is ValueError:  # not JSON even to Python's lenient reader
        assert failed == ["input"]
        assert result.check("input").code in ("input.malformed", "input.not_utf8")
    elif not isinstance(decoded, dict):
        assert failed == ["input"]


@FUZZ
@given(st.data())
def test_byte_mutations_of_jwt(data: st.DataObject) -> None:
    raw = bytearray(TOKEN.encode())
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] = data.draw(
        st.sampled_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/")
    )
    result = verify(bytes(raw), POLICY)
    if result.verified:
        assert bytes(raw) == TOKEN.encode()
    else:
        assert _refused(result)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = _paths(SIGNED)
REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=12),
    st.just([]),
    st.just({}),
    st.just("https://evil.example/ctx"),
    st.just("2099-01-01T00:00:00Z"),
)


def _mutate(original: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    document = copy.deepcopy(original)
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"x{abs(hash(str(value))) % 1000}"] = value
    else:
        parent.append(value)
    return document


ACTIONS = st.sampled_from(["replace", "delete", "add"])


@FUZZ
@given(st.sampled_from(_paths(SIGNED_V1_ECDSA)), ACTIONS, REPLACEMENTS)
def test_json_mutations_of_an_ecdsa_vcdm_1_1_credential(
    path: tuple[Any, ...], action: str, value: Any
) -> None:
    document = _mutate(SIGNED_V1_ECDSA, path, action, value)
    result = verify(document, POLICY)
    if result.verified:
        assert document == SIGNED_V1_ECDSA
    else:
        _refused(result)


JWT_PAYLOAD = jwt_payload(make_credential())


@FUZZ
@given(st.sampled_from(_paths(JWT_PAYLOAD)), ACTIONS, REPLACEMENTS)
def test_json_mutations_of_a_jwt_payload(path: tuple[Any, ...], action: str, value: Any) -> None:
    header, _, signature = TOKEN.split(".")
    payload = _mutate(JWT_PAYLOAD, path, action, value)
    token = f"{header}.{b64url(json.dumps(payload).encode())}.{signature}"
    result = verify(token, POLICY)
    if result.verified:
        assert token == TOKEN
    else:
        assert _refused(result)


@FUZZ
@given(st.sampled_from(PATHS), ACTIONS, REPLACEMENTS)
def test_json_mutations(path: tuple[Any, ...], action: str, value: Any) -> None:
    document = copy.deepcopy(SIGNED)
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"x{abs(hash(str(value))) % 1000}"] = value
    else:
        parent.append(value)
    result = verify(document, POLICY)
    if result.verified:
        assert document == SIGNED
    else:
        _refused(result)


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    # beyond signed 64 bits the reader refuses the number (input.huge_number, pinned in
    # tests/unit/test_json_strict.py), before any credential check
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@FUZZ
@given(_JSON, st.sampled_from(["object", "text", "bytes"]))
def test_random_json_is_refused_at_input_or_data_model(value: Any, form: str) -> None:
    text = json.dumps(value)
    document: Any = value if form == "object" and isinstance(value, dict) else text
    result = verify(document.encode() if form == "bytes" else document, POLICY)
    failed = _refused(result)
    if isinstance(value, dict):
        # read, then refused as not an OB 3.0 credential (and, lacking a proof, unsigned)
        assert result.check("input").status == "passed"
        assert failed[0] == "data_model"
        assert result.check("data_model").code == "data_model.invalid"
        assert "proof" in failed
    else:
        assert failed == ["input"]
        assert result.check("input").code == "input.not_object"


# Signed texts a credential's meaning rests on: any other text there breaks the signature and
# nothing else (the data model, schema and JSON-LD accept any text in these places).
SIGNED_TEXTS = [
    ("name",),
    ("issuer", "name"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "description"),
    ("credentialSubject", "achievement", "criteria", "narrative"),
]


@FUZZ
@given(st.sampled_from(SIGNED_TEXTS), st.text(min_size=1, max_size=20), st.booleans())
def test_a_changed_signed_text_fails_the_signature_only(
    path: tuple[str, ...], text: str, jwt: bool
) -> None:
    if jwt:
        header, _, signature = TOKEN.split(".")
        payload = copy.deepcopy(JWT_PAYLOAD)
        parent, original = payload, JWT_PAYLOAD
    else:
        document = copy.deepcopy(SIGNED)
        parent, original = document, SIGNED
    for key in path[:-1]:
        parent = parent[key]
        original = original[key]
    if text == original[path[-1]]:
        return
    parent[path[-1]] = text
    if jwt:
        result = verify(f"{header}.{b64url(json.dumps(payload).encode())}.{signature}", POLICY)
    else:
        result = verify(document, POLICY)
    assert _refused(result) == ["signature"]
    assert result.check("signature").code.startswith("signature.")


@FUZZ
@given(st.integers(0, 2**32), st.sampled_from([None, 0, 1, 2, 4, "\t"]))
def test_neutral_changes_still_verify(seed: int, indent: Any) -> None:
    import random

    def shuffled(value: Any, rng: random.Random) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {key: shuffled(item, rng) for key, item in items}
        if isinstance(value, list):
            return [shuffled(item, rng) for item in value]
        return value

    text = json.dumps(shuffled(SIGNED, random.Random(seed)), indent=indent)
    assert verify(text.encode(), POLICY).verified
