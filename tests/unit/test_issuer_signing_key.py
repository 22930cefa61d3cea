"""SigningKey is mcbadge.keys.Key plus the issuer's verification method, not a second key stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcbadge.did import did_for_key
from mcbadge.errors import KeyMaterialError
from mcbadge.issuer import SigningKey
from mcbadge.keys import Key, generate_key, save_key


@pytest.mark.parametrize(("kind", "key_type"), [("Ed25519", "ed25519"), ("P-256", "p256")])
def test_signing_key_is_a_project_key(kind: str, key_type: str) -> None:
    signing = SigningKey.generate(kind)  # type: ignore[arg-type]
    key = signing.to_proofs_key()
    assert isinstance(key, Key)
    assert key.key_type == key_type
    assert signing.did_key == did_for_key(key)
    assert signing.jwt_alg == key.alg
    message = b"the same signature layer"
    key.verify(signing.sign_bytes(message), message)


def test_kid_names_the_verification_method_across_save_and_load(tmp_path: Path) -> None:
    vm = "did:web:academy.example#key-1"
    signing = SigningKey.generate("P-256").with_verification_method(vm)
    loaded = SigningKey.load(signing.save(tmp_path / "key.json"))
    assert loaded.vm_id == vm
    assert loaded.public_jwk() == signing.public_jwk()
    assert (tmp_path / "key.json").stat().st_mode & 0o777 == 0o600


def test_loads_key_files_written_by_mcbadge_keys(tmp_path: Path) -> None:
    key = generate_key("ed25519")
    save_key(key, tmp_path / "plain.json")
    (tmp_path / "key.pem").write_bytes(key.to_pem())
    for name in ("plain.json", "key.pem"):
        assert SigningKey.load(tmp_path / name).to_proofs_key() == key


def test_refuses_what_an_issuer_cannot_sign_with(tmp_path: Path) -> None:
    rsa = generate_key("rsa")
    save_key(rsa, tmp_path / "rsa.json")
    with pytest.raises(KeyMaterialError) as caught:
        SigningKey.load(tmp_path / "rsa.json")
    assert caught.value.code == "key_resolution.unsupported_key"
    public_only = generate_key("ed25519").public_jwk()
    with pytest.raises(KeyMaterialError) as caught:
        SigningKey.from_jwk(public_only)
    assert caught.value.code == "key_resolution.bad_key"
    with pytest.raises(KeyMaterialError):
        SigningKey.from_proofs_key(generate_key("ed25519").public_key())
    mismatched = dict(generate_key("ed25519").private_jwk(), x=public_only["x"])
    with pytest.raises(KeyMaterialError) as caught:
        SigningKey.from_jwk(mismatched)
    assert caught.value.code == "key_resolution.bad_key"
    secret = SigningKey.generate()
    assert secret.private_jwk()["d"] not in repr(secret)
