"""Verifiable presentations of many credentials: the holder signing one, and
``mcbadge.verify_presentation`` checking the holder's proof and every credential inside.

``run(quick=False)`` returns rows ``{"name", "format", "credentials", "per_second", "ms_each",
"ms_per_credential", "runs"}`` (median of several timed runs, one process, offline). The
presentation holds 50 copies of the realistic credential (``bench/_fixtures.py``, without its
status entry, so nothing is fetched; subject = the holder's DID), each with its own id, signed
eddsa-rdfc-2022 (Data Integrity presentation, eddsa-rdfc-2022 holder proof) or as VC-JWTs
(vp+jwt presentation, the credentials enveloped). The last row is one credential alone, for
the per-credential comparison.
"""

from __future__ import annotations

from typing import Any

from bench._fixtures import realistic_credential
from bench._timing import median_rate

COUNT = 50
CHALLENGE = "bench-challenge"
DOMAIN = "https://licensure.example"


def _credentials(issuer: Any, holder_did: str, count: int, fmt: str) -> list[Any]:
    from mcbadge.proofs import sign

    base = realistic_credential(issuer)
    base.pop("credentialStatus", None)
    subject = {k: v for k, v in base["credentialSubject"].items() if k != "identifier"}
    base["credentialSubject"] = {**subject, "id": holder_did}
    signed: list[Any] = []
    for number in range(count):
        credential = dict(base, id=f"urn:uuid:5b0c3f1e-0000-4000-8000-{number:012d}")
        done = sign(credential, issuer, format=fmt)  # type: ignore[arg-type]
        signed.append(done.jwt if fmt == "jwt" else done.document)
    return signed


def _row(name: str, fmt: str, count: int, rate: float, runs: int) -> dict[str, Any]:
    return {
        "name": name,
        "format": fmt,
        "credentials": count,
        "per_second": round(rate, 2),
        "ms_each": round(1000 / rate, 2),
        "ms_per_credential": round(1000 / rate / count, 3),
        "runs": runs,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.present import present
    from mcbadge.verify import VerificationPolicy, verify, verify_presentation

    count = 5 if quick else COUNT
    runs, loops = (1, 1) if quick else (5, 3)
    issuer, holder = generate_key("ed25519"), generate_key("ed25519")
    holder_did = did_for_key(holder)
    policy = VerificationPolicy(challenge=CHALLENGE, domain=DOMAIN, offline=True)
    rows = []
    for fmt, vp_format, credential_format in (
        ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "eddsa-rdfc-2022"),
        ("vp+jwt (VC-JWTs enveloped)", "vp+jwt", "jwt"),
    ):
        credentials = _credentials(issuer, holder_did, count, credential_format)

        def sign_it(creds: list[Any] = credentials, f: str = vp_format) -> Any:
            return present(creds, holder, challenge=CHALLENGE, domain=DOMAIN, format=f)  # type: ignore[arg-type]

        signed = sign_it()
        document = signed.jwt if signed.jwt is not None else signed.document
        check = verify_presentation(document, policy)
        if not check.verified:
            raise RuntimeError(f"bench presentation does not verify: {check.failed_locations}")
        rate = median_rate(sign_it, loops, runs, warm=1)
        rows.append(_row("present (holder signs)", fmt, count, rate, runs))
        rate = median_rate(lambda d=document: verify_presentation(d, policy), loops, runs, warm=1)
        rows.append(_row("verify_presentation", fmt, count, rate, runs))
    single = _credentials(issuer, holder_did, 1, "eddsa-rdfc-2022")[0]
    rate = median_rate(lambda: verify(single, policy), loops * 10, runs, warm=2)
    rows.append(_row("verify (one credential alone)", "eddsa-rdfc-2022", 1, rate, runs))
    return rows
