"""W3C vc-di-eddsa / vc-di-ecdsa vectors and the OB 3.0 implementation-guide vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge.did import OfflineResolver
from mcbadge.keys import Key, key_from_multikey
from mcbadge.multibase import multibase_decode, multibase_encode
from mcbadge.proofs import verify_proof
from mcbadge.proofs.di import hash_data


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _unsecured(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


@pytest.fixture(scope="module")
def eddsa_key(reference: Path) -> Key:
    pair = _load(reference / "vectors/vc-di-eddsa/keyPair.json")
    return key_from_multikey(pair["publicKeyMultibase"], pair["privateKeyMultibase"])


@pytest.mark.parametrize(
    ("folder", "suffix"), [("eddsa-rdfc-2022", "DataInt"), ("Ed25519Signature2020", "EdSig")]
)
def test_eddsa_vectors_byte_for_byte(
    reference: Path, eddsa_key: Key, folder: str, suffix: str
) -> None:
    base = reference / "vectors/vc-di-eddsa" / folder
    signed = _load(base / f"signed{suffix}.json")
    proof = signed["proof"]
    config_canon, doc_canon, combined = hash_data(_unsecured(signed), proof)
    assert doc_canon == (base / f"canonDoc{suffix}.txt").read_text()
    assert config_canon == (base / f"proofCanon{suffix}.txt").read_text()
    assert (
        hashlib.sha256(doc_canon.encode()).hexdigest()
        == (base / f"docHash{suffix}.txt").read_text().strip()
    )
    assert combined.hex() == (base / f"combinedHash{suffix}.txt").read_text().strip()
    signature = eddsa_key.sign(combined)
    assert signature.hex() == (base / f"sigHex{suffix}.txt").read_text().strip()
    assert multibase_encode(signature) == proof["proofValue"]


@pytest.mark.parametrize(
    "path",
    [
        "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        "vc-di-eddsa/Ed25519Signature2020/signedEdSig.json",
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
    ],
)
def test_w3c_vectors_verify_except_issuer_binding(reference: Path, path: str) -> None:
    """The W3C vectors' issuer is an https URL that does not control the did:key: the signature
    verifies, and our key-binding rule (fail closed) is the only objection."""
    signed = _load(reference / "vectors" / path)
    result = verify_proof(signed, OfflineResolver())
    assert not result.verified
    assert result.codes == ["key_binding.not_issuer_key"]
    # with the issuer set to the key's DID the cryptography is checked end to end ...
    vm = signed["proof"]["verificationMethod"]
    key = OfflineResolver().resolve_verification_method(vm).key
    _, _, data = hash_data(_unsecured(signed), signed["proof"])
    key.verify(multibase_decode(signed["proof"]["proofValue"]), data)


def test_ecdsa_p256_canon_and_hashes(reference: Path) -> None:
    base = reference / "vectors/vc-di-ecdsa/ecdsa-rdfc-2019-p256"
    signed = _load(base / "signedECDSAP256.json")
    config_canon, doc_canon, combined = hash_data(_unsecured(signed), signed["proof"])
    assert doc_canon == (base / "canonDocECDSAP256.txt").read_text()
    assert config_canon == (base / "proofCanonECDSAP256.txt").read_text()
    assert combined.hex() == (base / "combinedHashECDSAP256.txt").read_text().strip()


def test_ecdsa_p256_round_trip_with_published_key(reference: Path) -> None:
    pair = _load(reference / "vectors/vc-di-ecdsa/p256KeyPair.json")
    key = key_from_multikey(pair["publicKeyMultibase"], pair["secretKeyMultibase"])
    data = b"x" * 64
    signature = key.sign(data)
    assert len(signature) == 64
    key.verify(signature, data)


@pytest.mark.parametrize("guide", ["obv3p0", "clrv2p0"])
def test_ob_implementation_guide_byte_for_byte(reference: Path, guide: str) -> None:
    base = reference / "vectors/ob3-impl-guide" / guide
    unsigned = _load(base / "unsigned.json")
    options = _load(base / "proof-options.json")
    hashes = _load(base / "hashes.json")
    pair = _load(base / "keypair.json")
    config_canon, doc_canon, combined = hash_data(unsigned, options)
    assert doc_canon == (base / "document-canon.nq").read_text()
    assert config_canon == (base / "proof-canon.nq").read_text()
    assert hashlib.sha256(doc_canon.encode()).hexdigest() == hashes["documentHashHex"]
    assert hashlib.sha256(config_canon.encode()).hexdigest() == hashes["proofHashHex"]
    seed = bytes.fromhex(pair["privateKeyHex (seed||public)"])[:32]
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    key = Key(private.public_key(), private)
    assert key.public_multibase() == pair["publicKeyMultibase"]
    signature = key.sign(combined)
    assert signature.hex() == hashes["signatureHex"]
    proof_value = multibase_encode(signature)
    signed = _load(base / "signed.json")
    proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
    assert proof_value in {p["proofValue"] for p in proofs}
    mapping = {
        pair["id"]: {
            "type": "Multikey",
            "controller": pair["controller"],
            "publicKeyMultibase": pair["publicKeyMultibase"],
        }
    }
    assert verify_proof(signed, OfflineResolver(mapping)).verified
    assert not verify_proof(signed, OfflineResolver()).verified
