"""Full ``mcbadge.verify()`` (every check) in one process, one credential at a time.

``run(quick=False)`` returns rows ``{"name", "format", "credential", "input", "per_second",
"ms_each", "runs"}``: the median of several timed runs. Main rows: the realistic credential
(``bench/_fixtures.py``) signed eddsa-rdfc-2022 (as the JSON bytes of a file, and as a dict)
and as a VC-JWT (EdDSA), verified offline (the status list is then not fetched: status is
indeterminate, every other check runs). Secondary rows: the spec's complete example. Last, a
folder of credentials sharing one status list served by an in-memory fetcher: with the
verified-list cache (the list is verified once) and with the cache emptied before every
credential (the list is verified each time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bench._fixtures import realistic_credential, spec_complete_example
from bench._timing import median_rate


class _ListHost:
    """Serves one status list from memory in place of the network (like a warm HTTP cache)."""

    def __init__(self, url: str, body: bytes) -> None:
        self.url, self.body = url, body

    def get(self, url: str) -> bytes:
        if url != self.url:
            raise LookupError(url)
        return self.body


def _median_rate(work: Callable[[], object], count: int, runs: int) -> float:
    # warm: contexts processed, schemas compiled, keys decoded
    return median_rate(work, count, runs, warm=min(count, 5))


def _row(
    name: str, fmt: str, credential: str, given: str, rate: float, runs: int
) -> dict[str, Any]:
    return {
        "name": name,
        "format": fmt,
        "credential": credential,
        "input": given,
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 3),
        "runs": runs,
    }


def _signed(key: Any, credential: dict[str, Any]) -> tuple[dict[str, Any], str]:
    from mcbadge.proofs import sign

    document = sign(credential, key, format="eddsa-rdfc-2022").document
    token = sign(credential, key, format="jwt").jwt
    assert isinstance(document, dict)
    assert isinstance(token, str)
    return document, token


def _offline_rows(quick: bool) -> list[dict[str, Any]]:
    from mcbadge import verify
    from mcbadge.keys import generate_key
    from mcbadge.verify import VerificationPolicy

    key = generate_key("ed25519")
    policy = VerificationPolicy(offline=True)
    runs = 2 if quick else 7
    rows = []
    for label, credential in (
        ("realistic", realistic_credential(key)),
        ("spec complete", spec_complete_example(key)),
    ):
        document, token = _signed(key, credential)
        inputs: list[tuple[str, str, Any, int]] = [
            ("eddsa-rdfc-2022", "json bytes", json.dumps(document).encode(), 3 if quick else 150),
            ("jwt EdDSA", "compact JWS", token, 3 if quick else 400),
        ]
        if label == "realistic":
            inputs.insert(1, ("eddsa-rdfc-2022", "dict", document, 3 if quick else 150))
        for fmt, given, value, count in inputs:
            result = verify(value, policy)
            schema_checked = result.check("schema").status == "passed" or label != "realistic"
            if result.check("signature").status != "passed" or not schema_checked:
                raise RuntimeError(f"bench: {fmt} {label} does not verify: {result.failed_checks}")
            rate = _median_rate(lambda value=value: verify(value, policy), count, runs)
            rows.append(_row("verify() offline", fmt, label, given, rate, runs))
    return rows


def _status_rows(quick: bool) -> list[dict[str, Any]]:
    from mcbadge import verify
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign
    from mcbadge.status import build_status_list_credential, new_bitstring
    from mcbadge.verify import VerificationPolicy
    from mcbadge.verify import _list_cache as list_cache

    key = generate_key("ed25519")
    credential = realistic_credential(key)
    entry = credential["credentialStatus"]
    url = entry["statusListCredential"]
    unsigned = build_status_list_credential(
        url,
        credential["issuer"]["id"]
        if isinstance(credential["issuer"], dict)
        else credential["issuer"],
        entry["statusPurpose"],
        new_bitstring(),
        valid_from="2026-01-01T00:00:00Z",
        ttl_ms=300_000,
    )
    status_list = sign(unsigned, key, format="eddsa-rdfc-2022").document
    document = json.dumps(sign(credential, key, format="eddsa-rdfc-2022").document).encode()
    policy = VerificationPolicy(fetcher=_ListHost(url, json.dumps(status_list).encode()))
    result = verify(document, policy)
    if not result.verified:
        raise RuntimeError(f"bench: the status list row does not verify: {result.failed_checks}")
    runs = 2 if quick else 5
    count = 3 if quick else 100

    def uncached() -> None:
        list_cache.clear()
        verify(document, policy)

    cached = _median_rate(lambda: verify(document, policy), count, runs)
    fresh = _median_rate(uncached, count, runs)
    given = "json bytes"
    return [
        _row(
            "verify() shared status list, cached",
            "eddsa-rdfc-2022",
            "realistic",
            given,
            cached,
            runs,
        ),
        _row(
            "verify() status list verified each time",
            "eddsa-rdfc-2022",
            "realistic",
            given,
            fresh,
            runs,
        ),
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    return _offline_rows(quick) + _status_rows(quick)


if __name__ == "__main__":
    for row in run():
        print(row)
