"""BundleResult: a bundle verifies only when its outer checks and every nested credential do."""

from __future__ import annotations

import json

import pytest

from mcbadge.verify import BundleResult, Check, NestedResult, VerificationResult, exit_code_for

GOOD = VerificationResult((Check("proof", "passed", "proof.ok", "ok"),))
BAD = VerificationResult((Check("signature", "failed", "signature.invalid", "bad"),))
UNDECIDED = VerificationResult(
    (Check("status", "failed", "status.unreachable", "could not fetch", indeterminate=True),)
)


def _bundle(outer: VerificationResult, *nested: VerificationResult) -> BundleResult:
    return BundleResult(
        "presentation",
        outer,
        tuple(NestedResult(f"/verifiableCredential/{i}", r) for i, r in enumerate(nested)),
    )


@pytest.mark.parametrize(
    ("outer", "nested", "verified", "indeterminate", "exit_code", "failed"),
    [
        (GOOD, (GOOD, GOOD), True, False, 0, []),
        (GOOD, (GOOD, BAD), False, False, 1, ["/verifiableCredential/1"]),
        (BAD, (GOOD,), False, False, 1, [""]),
        (GOOD, (UNDECIDED, GOOD), False, True, 2, ["/verifiableCredential/0"]),
        # a definite failure anywhere outweighs an undecided one: exit 1, not 2
        (UNDECIDED, (BAD,), False, False, 1, ["", "/verifiableCredential/0"]),
        (
            GOOD,
            (UNDECIDED, BAD),
            False,
            False,
            1,
            ["/verifiableCredential/0", "/verifiableCredential/1"],
        ),
        (GOOD, (), True, False, 0, []),
    ],
)
def test_verdict_and_exit_code_cover_outer_and_every_nested_result(
    outer: VerificationResult,
    nested: tuple[VerificationResult, ...],
    verified: bool,
    indeterminate: bool,
    exit_code: int,
    failed: list[str],
) -> None:
    bundle = _bundle(outer, *nested)
    assert bundle.verified is verified
    assert bundle.indeterminate is indeterminate
    assert exit_code_for(bundle) == exit_code
    assert bundle.failed_locations == failed


def test_json_shape_keeps_every_nested_result() -> None:
    bundle = _bundle(GOOD, GOOD, BAD)
    data = json.loads(bundle.to_json())
    assert data["kind"] == "presentation"
    assert data["verified"] is False
    assert data["failed_locations"] == ["/verifiableCredential/1"]
    assert data["outer"]["verified"] is True
    assert [item["location"] for item in data["nested"]] == [
        "/verifiableCredential/0",
        "/verifiableCredential/1",
    ]
    assert data["nested"][1]["failed_checks"] == ["signature"]


def test_pickles_for_batch_workers() -> None:
    import pickle

    bundle = _bundle(GOOD, BAD)
    assert pickle.loads(pickle.dumps(bundle)) == bundle
