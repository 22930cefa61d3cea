"""Keys: generation, JWK/PEM/Multikey round trips, refusals, key files, no material in reprs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mcbadge.errors import KeyMaterialError, SignatureError
from mcbadge.keys import (
    Key,
    generate_key,
    key_from_jwk,
    key_from_multikey,
    key_from_pem,
    load_key,
    save_key,
)
from mcbadge.multibase import b58decode, b58encode, b64url_decode, multibase_decode

TYPES = ["ed25519", "p256", "rsa"]


@pytest.fixture(scope="module", params=TYPES)
def key(request: pytest.FixtureRequest) -> Key:
    return generate_key(request.param)


def test_algorithm_follows_key_type() -> None:
    assert [generate_key(t).alg for t in ("ed25519", "p256")] == ["EdDSA", "ES256"]


def test_jwk_round_trip(key: Key) -> None:
    private = key.private_jwk()
    assert key_from_jwk(private) == key
    assert key_from_jwk(private).has_private
    public = key_from_jwk(key.public_jwk())
    assert not public.has_private
    assert public == key
    with pytest.raises(KeyMaterialError):
        public.sign(b"m")


def test_jwk_member_shapes() -> None:
    ed = generate_key("ed25519").private_jwk()
    assert ed["kty"] == "OKP"
    assert len(b64url_decode(ed["d"])) == 32
    p = generate_key("p256").private_jwk()
    assert set(p) == {"kty", "crv", "x", "y", "d"}
    r = generate_key("rsa").private_jwk()
    assert set(r) == {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}


def test_pem_round_trip_and_encryption(key: Key) -> None:
    assert key_from_pem(key.to_pem()) == key
    encrypted = key.to_pem(passphrase=b"correct horse")
    assert b"ENCRYPTED" in encrypted
    assert key_from_pem(encrypted, b"correct horse") == key
    with pytest.raises(KeyMaterialError) as info:
        key_from_pem(encrypted, b"wrong")
    assert info.value.code == "key.bad_pem"
    with pytest.raises(KeyMaterialError):
        key_from_pem(encrypted)
    assert key_from_pem(key.to_pem(private=False)) == key


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_multikey(kind: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    mb = key.public_multibase()
    assert mb.startswith("z6Mk" if kind == "ed25519" else "zDna")
    assert key_from_multikey(mb) == key
    assert key_from_multikey(mb, key.secret_multibase()).has_private
    with pytest.raises(KeyMaterialError):
        key_from_multikey(mb, generate_key(kind).secret_multibase())  # type: ignore[arg-type]


def test_multikey_refusals() -> None:
    with pytest.raises(KeyMaterialError) as info:
        key_from_multikey("z" + b58encode(b"\x12\x00" + b"\0" * 33))
    assert info.value.code == "key_resolution.unsupported_multicodec"
    with pytest.raises(KeyMaterialError):
        key_from_multikey("uAAAA")
    with pytest.raises(KeyMaterialError):
        multibase_decode("z0OIl")


def test_base58_round_trip() -> None:
    for data in (b"", b"\0\0abc", bytes(range(256))):
        assert b58decode(b58encode(data)) == data


def test_rsa_refusals() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyMaterialError) as info:
        Key(small.public_key(), small)
    assert info.value.code == "key_resolution.weak_key"
    odd = rsa.generate_private_key(public_exponent=3, key_size=2048)
    with pytest.raises(KeyMaterialError):
        Key(odd.public_key(), odd)
    with pytest.raises(KeyMaterialError):
        generate_key("rsa", rsa_bits=1024)


def test_other_curves_refused() -> None:
    k = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(KeyMaterialError):
        Key(k.public_key(), k)


def test_key_file_mode_and_passphrase(tmp_path: Path, key: Key) -> None:
    plain = save_key(key, tmp_path / "k.json")
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600
    assert load_key(plain) == key
    locked = save_key(key, tmp_path / "locked.json", passphrase=b"pw")
    assert stat.S_IMODE(locked.stat().st_mode) == 0o600
    text = locked.read_text()
    assert key.private_jwk()["d"] not in text
    assert load_key(locked, passphrase=b"pw") == key
    with pytest.raises(KeyMaterialError) as info:
        load_key(locked)
    assert info.value.code == "key.passphrase"


def test_repr_and_errors_hide_material(key: Key) -> None:
    secret = key.private_jwk()["d"]
    assert secret not in repr(key)
    assert key.fingerprint in repr(key)
    bad = dict(key.private_jwk())
    bad["x" if "x" in bad else "n"] = "!!"
    with pytest.raises(KeyMaterialError) as info:
        key_from_jwk(bad)
    assert secret not in str(info.value)


def test_signature_encodings_are_strict() -> None:
    key = generate_key("p256")
    sig = key.sign(b"m")
    key.verify(sig, b"m")
    for bad in (sig[:63], sig + b"\0", b"\0" * 64, b"\xff" * 64):
        with pytest.raises(SignatureError):
            key.verify(bad, b"m")
    ed = generate_key("ed25519")
    with pytest.raises(SignatureError) as info:
        ed.verify(ed.sign(b"m")[:63], b"m")
    assert info.value.code == "signature.bad_encoding"


# --- a JWK's alg / use / key_ops (issue #16) ---------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "alg"),
    [
        ("ed25519", "ES256"),
        ("ed25519", "RS256"),
        ("p256", "EdDSA"),
        ("p256", "ES384"),
        ("rsa", "PS256"),
        ("rsa", "ES256"),
        ("p256", ["ES256"]),
    ],
)
def test_jwk_alg_that_contradicts_the_key_type(kind: str, alg: object) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    with pytest.raises(KeyMaterialError) as info:
        key_from_jwk({**key.public_jwk(), "alg": alg})
    assert info.value.code == "key_resolution.jwk_alg_mismatch"
    with pytest.raises(KeyMaterialError):
        key_from_jwk({**key.private_jwk(), "alg": alg})


@pytest.mark.parametrize(
    ("kind", "alg"),
    [("ed25519", "EdDSA"), ("ed25519", "Ed25519"), ("p256", "ES256"), ("rsa", "RS256")],
)
def test_jwk_alg_of_the_key_type(kind: str, alg: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    assert key_from_jwk({**key.public_jwk(), "alg": alg}) == key


@pytest.mark.parametrize(
    ("members", "permits"),
    [
        ({}, True),
        ({"use": "sig"}, True),
        ({"use": "enc"}, False),
        ({"key_ops": ["verify"]}, True),
        ({"key_ops": ["sign", "verify"]}, True),
        ({"key_ops": ["encrypt"]}, False),
        ({"use": "sig", "key_ops": ["deriveBits"]}, False),
    ],
)
def test_jwk_permits_verify(members: dict[str, object], permits: bool) -> None:
    from mcbadge.keys import jwk_permits_verify

    assert jwk_permits_verify({"kty": "OKP", **members}) is permits


@pytest.mark.parametrize(
    "members",
    [
        {"use": None},
        {"use": ""},
        {"key_ops": "verify"},
        {"key_ops": [1]},
        {"key_ops": ["verify", "verify"]},
    ],
)
def test_jwk_use_and_key_ops_of_the_wrong_type(members: dict[str, object]) -> None:
    from mcbadge.keys import jwk_permits_verify

    with pytest.raises(KeyMaterialError) as info:
        jwk_permits_verify({"kty": "OKP", **members})
    assert info.value.code == "key_resolution.bad_jwk"
