"""The Python peers' side of ``bench/peers.py``, run by the peer venv's interpreter (never by
mcbadge's: it imports only the peers and the standard library, and mcbadge is not installed
there). ``python _peers_child.py WORKLOAD OUT --count N --runs R`` times each peer's VC-JWT
issue and full verify of the workload's credentials and writes ``{"versions", "rows",
"verdicts"}`` as JSON to OUT.

Peers (``bench/peers-requirements.txt``):

* openbadgeslib (a maintained Python OB 3.0 library, PyJWT + cryptography): issue is
  ``OB3Signer.sign_payload`` of the credential with its registered claims (the cheapest path
  that signs the whole credential; its own ``OpenBadgeCredential`` model drops fields the
  realistic credential has), verify is ``OB3Verifier.verify`` (signature pinned to the key
  type, VC types, the model, iss/sub/jti/nbf, the validity window), the verifier built once
  per issuer did:key, as its docs advise for a batch. It verifies mcbadge's own tokens.
* didkit (openedx-didkit, Rust ``ssi`` with Python bindings): ``issue_credential`` /
  ``verify_credential`` with ``proofFormat: jwt``. It speaks the VCDM 1.1 ``vc``-claim JWT
  encoding only (it refuses OB 3.0's native payload: "Missing credential"), so it issues and
  verifies its own token of the same credential with ``issuanceDate`` added (VCDM 1.1 needs it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

from _timing import rates  # bench/ is sys.path[0]: a standard-library-only module


def _rates(action: Callable[[], object], count: int, runs: int) -> list[float]:
    return rates(action, count, runs, warm=max(3, count // 5))


async def _arates(action: Callable[[], Awaitable[object]], count: int, runs: int) -> list[float]:
    for _ in range(max(3, count // 5)):
        await action()
    measured = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(count):
            await action()
        measured.append(count / (time.perf_counter() - started))
    return measured


def _tamper(token: str) -> str:
    import base64

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    target = claims.get("vc", claims)
    target["name"] = f"{target['name']} (tampered)"
    text = json.dumps(claims, separators=(",", ":")).encode()
    return f"{header}.{base64.urlsafe_b64encode(text).rstrip(b'=').decode()}.{signature}"


def _pem(jwk: dict[str, Any]) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm

    algorithm = OKPAlgorithm if jwk["kty"] == "OKP" else ECAlgorithm
    key: Any = algorithm.from_jwk(json.dumps(jwk))
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _claims(credential: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    def epoch(text: str) -> int:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())

    payload = dict(credential)
    payload["iss"] = credential["issuer"]["id"]
    payload["jti"] = credential["id"]
    subject = credential["credentialSubject"].get("id")
    if subject is not None:
        payload["sub"] = subject
    payload["nbf"] = epoch(credential["validFrom"])
    if "validUntil" in credential:
        payload["exp"] = epoch(credential["validUntil"])
    return payload


def _openbadgeslib(work: dict[str, Any], count: int, runs: int) -> tuple[list[Any], list[Any]]:
    from openbadgeslib.ob3 import OB3Signer, OB3Verifier

    rows, verdicts = [], []
    for alg, kind in (("EdDSA", "ed25519"), ("ES256", "p256")):
        side = work[kind]
        signer = OB3Signer(_pem(side["privateJwk"]), algorithm=alg)
        verifier = OB3Verifier.for_issuer_did(side["did"])
        credential, token = side["credential"], side["mcbadge_token"]

        def issuing(s: Any = signer, c: Any = credential) -> object:
            return s.sign_payload(_claims(c))

        def verifying(v: Any = verifier, t: str = token) -> object:
            return v.verify(t)

        for target, tampered in ((token, False), (_tamper(token), True)):
            try:
                verifier.verify(target)
                verdict, error = True, ""
            except Exception as exc:
                verdict, error = False, f"{type(exc).__name__}: {exc}"[:100]
            verdicts.append(
                {
                    "stack": "openbadgeslib",
                    "alg": alg,
                    "target": "mcbadge token",
                    "tampered": tampered,
                    "verified": verdict,
                    "error": error,
                }
            )
        own = issuing()
        verifier.verify(own)  # its own token verifies too (else the figures mean nothing)
        rows.append(
            {
                "stack": "openbadgeslib",
                "job": "issue",
                "alg": alg,
                "rates": _rates(issuing, count, runs),
            }
        )
        rows.append(
            {
                "stack": "openbadgeslib",
                "job": "verify",
                "alg": alg,
                "rates": _rates(verifying, count, runs),
            }
        )
    return rows, verdicts


async def _didkit(work: dict[str, Any], count: int, runs: int) -> tuple[list[Any], list[Any]]:
    import didkit

    rows, verdicts = [], []
    options_verify = json.dumps({"proofFormat": "jwt"})
    for alg, kind in (("EdDSA", "ed25519"), ("ES256", "p256")):
        side = work[kind]
        credential = dict(side["credential"], issuanceDate=side["credential"]["validFrom"])
        text = json.dumps(credential)
        options = json.dumps({"proofFormat": "jwt", "verificationMethod": side["vm"]})
        jwk = json.dumps(side["privateJwk"])
        token = await didkit.issue_credential(text, options, jwk)

        async def verified(t: str) -> bool:
            report = json.loads(await didkit.verify_credential(t, options_verify))
            return not report["errors"]

        for target, tampered in ((token, False), (_tamper(token), True)):
            verdict = await verified(target)
            verdicts.append(
                {
                    "stack": "didkit",
                    "alg": alg,
                    "target": "own token",
                    "tampered": tampered,
                    "verified": verdict,
                    "error": "",
                }
            )

        async def issuing(t: str = text, o: str = options, k: str = jwk) -> object:
            return await didkit.issue_credential(t, o, k)

        async def verifying(t: str = token) -> object:
            if not await verified(t):
                raise RuntimeError("didkit refused its own token")
            return None

        rows.append(
            {
                "stack": "didkit",
                "job": "issue",
                "alg": alg,
                "rates": await _arates(issuing, count, runs),
            }
        )
        rows.append(
            {
                "stack": "didkit",
                "job": "verify",
                "alg": alg,
                "rates": await _arates(verifying, count, runs),
            }
        )
    return rows, verdicts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    with open(args.workload, encoding="utf-8") as handle:
        work = json.load(handle)
    rows, verdicts = _openbadgeslib(work, args.count, args.runs)
    more_rows, more_verdicts = asyncio.run(_didkit(work, args.count, args.runs))
    for row in rows + more_rows:
        row["median"] = statistics.median(row["rates"])
    versions = {name: metadata.version(name) for name in ("openbadgeslib", "openedx-didkit")}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(
            {"versions": versions, "rows": rows + more_rows, "verdicts": verdicts + more_verdicts},
            handle,
        )
        handle.flush()
    # didkit's runtime can crash while the interpreter shuts down: leave without it
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
