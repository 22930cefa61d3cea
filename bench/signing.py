"""Signing and proof-verification throughput per format, the raw signature ceilings, and where
Data Integrity time goes (JSON-LD to RDF, RDFC-1.0, hashing, the signature).

Like-for-like with @digitalbazaar/vc: ``sign`` is ``mcbadge.proofs.sign`` (build the proof and
sign), ``verify`` is ``mcbadge.proofs.verify_proof`` (proof, key resolution, key binding,
purpose, proof dates; no JSON Schema, no status fetch).

``run(quick=False)`` returns rows ``{"name", "format", "credential", "per_second", "ms_each",
"runs"}``; each figure is the median of several timed runs of many calls.

* ``credential="realistic"``: ``bench._fixtures.realistic_credential`` (the Issuer's output
  for roster row 1 of examples/, ~4.9 KB), every format: eddsa-rdfc-2022, ecdsa-rdfc-2019,
  ed25519-2020 and VC-JWT with EdDSA, ES256 and RS256 (for RS256 the issuer id is the RSA
  key's did:jwk);
* ``credential="spec complete"``: the OB 3.0 spec's complete example (~4x the quads), the
  Data Integrity formats and VC-JWT EdDSA;
* ``raw sign`` / ``raw verify``: Ed25519 and P-256 over 64 bytes, the ceiling;
* ``DI split``: one eddsa-rdfc-2022 signature's parts for both credentials (document and
  proof configuration each): JSON-LD to RDF, RDFC-1.0, both together, the two SHA-256
  hashes, the Ed25519 signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from bench._timing import median_rate

# (row label, sign format, key type): VC-JWT is measured with each of its three algorithms.
FORMAT_KEYS = (
    ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "ed25519"),
    ("ecdsa-rdfc-2019", "ecdsa-rdfc-2019", "p256"),
    ("ed25519-2020", "ed25519-2020", "ed25519"),
    ("jwt EdDSA", "jwt", "ed25519"),
    ("jwt ES256", "jwt", "p256"),
    ("jwt RS256", "jwt", "rsa"),
)
# the spec's complete example: every Data Integrity format and VC-JWT EdDSA
SECONDARY = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt EdDSA")
REALISTIC = "realistic"
SPEC = "spec complete"


def _row(name: str, fmt: str, credential: str, rate: float, runs: int) -> dict[str, Any]:
    return {
        "name": name,
        "format": fmt,
        "credential": credential,
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 3),
        "runs": runs,
    }


def _credential(which: str, key: Any) -> dict[str, Any]:
    from bench._fixtures import realistic_credential, spec_complete_example
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key

    if which == SPEC:
        return spec_complete_example(key)
    if key.key_type in ("ed25519", "p256"):
        return realistic_credential(key)
    # the fixture issues with Ed25519 or P-256 keys: an RSA issuer gets the same credential
    # with its own did:jwk as issuer id
    credential = realistic_credential(generate_key("ed25519"))
    credential["issuer"] = dict(credential["issuer"], id=did_for_key(key))
    return credential


def _format_rows(which: str, labels: tuple[str, ...], counts: tuple[int, int], runs: int) -> Any:
    from mcbadge.did import OfflineResolver
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign, verify_proof

    resolver = OfflineResolver()
    for label, fmt, kind in FORMAT_KEYS:
        if label not in labels:
            continue
        key = generate_key(kind)  # type: ignore[arg-type]
        credential = _credential(which, key)
        signed = sign(credential, key, format=fmt)  # type: ignore[arg-type]
        target: Any = signed.jwt if fmt == "jwt" else signed.document
        if not verify_proof(target, resolver).verified:
            raise RuntimeError(f"bench: the {label} signature of the {which} credential failed")
        count = counts[1] if fmt == "jwt" else counts[0]

        def signing(c: Any = credential, k: Any = key, f: Any = fmt) -> object:
            return sign(c, k, format=f)

        def verifying(t: Any = target) -> object:
            return verify_proof(t, resolver)

        yield _row("sign", label, which, median_rate(signing, count, runs), runs)
        yield _row("verify", label, which, median_rate(verifying, count, runs), runs)


def _split_rows(which: str, count: int, raw_count: int, runs: int) -> Any:
    """The parts of one eddsa-rdfc-2022 signature: what sign and verify_proof both do."""
    from mcbadge.jsonld import canonicalize, to_rdf
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign
    from mcbadge.proofs.di import proof_config

    key = generate_key("ed25519")
    credential = _credential(which, key)
    config = proof_config(
        credential, sign(credential, key, format="eddsa-rdfc-2022").document["proof"]
    )
    datasets = (to_rdf(credential), to_rdf(config))
    canon = canonicalize(datasets[0]).encode()
    canon_config = canonicalize(datasets[1]).encode()
    label = "eddsa-rdfc-2022"
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("DI split: JSON-LD to RDF", lambda: (to_rdf(credential), to_rdf(config)), count),
        (
            "DI split: RDFC-1.0",
            lambda: (canonicalize(datasets[0]), canonicalize(datasets[1])),
            count,
        ),
        (
            "DI split: expansion+RDFC-1.0",
            lambda: (canonicalize(to_rdf(credential)), canonicalize(to_rdf(config))),
            count,
        ),
        (
            "DI split: SHA-256 hashing",
            lambda: hashlib.sha256(canon_config).digest() + hashlib.sha256(canon).digest(),
            raw_count,
        ),
        ("DI split: Ed25519 signature", lambda: key.sign(b"h" * 64), raw_count),
    ]
    for name, action, n in cases:
        yield _row(name, label, which, median_rate(action, n, runs), runs)


def _raw_rows(raw_count: int, runs: int) -> Any:
    from mcbadge.keys import generate_key

    message = b"m" * 64
    for kind, alg in (("ed25519", "Ed25519"), ("p256", "P-256")):
        key = generate_key(kind)  # type: ignore[arg-type]
        signature = key.sign(message)

        def signing(k: Any = key) -> object:
            return k.sign(message)

        def verifying(k: Any = key, s: bytes = signature) -> object:
            return k.verify(s, message)

        yield _row("raw sign", alg, "64 bytes", median_rate(signing, raw_count, runs), runs)
        yield _row("raw verify", alg, "64 bytes", median_rate(verifying, raw_count, runs), runs)


def run(quick: bool = False) -> list[dict[str, Any]]:
    runs = 3 if quick else 7
    di_count, jwt_count = (3, 10) if quick else (100, 500)
    raw_count = 50 if quick else 3000
    labels = tuple(label for label, _, _ in FORMAT_KEYS)
    rows: list[dict[str, Any]] = []
    rows += _format_rows(REALISTIC, labels, (di_count, jwt_count), runs)
    rows += _format_rows(SPEC, SECONDARY, (max(1, di_count // 2), jwt_count), runs)
    rows += _raw_rows(raw_count, runs)
    for which in (REALISTIC, SPEC):
        rows += _split_rows(which, di_count, raw_count, runs)
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
