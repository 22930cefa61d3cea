"""Every JSON example in the reference data parses and round-trips to the same JSON value.

Files are classified explicitly; a file that is not parsed says why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import ValidationError
from mcbadge.models import (
    AchievementCredential,
    ClrCredential,
    EndorsementCredential,
    parse_clr,
    parse_credential,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "reference" / "examples"

#: validator samples 1EdTech's validator rejects, whose defect is a data-model defect.
DATA_MODEL_INVALID = {
    "ob3/validator-samples/simple-err-type.json": "credentialSubject.achievement",
    "ob3/validator-samples/simple-err-issuer.json": "issuer",
    "ob3/validator-samples/simple-err-issuer-type.json": "issuer",
    "ob3/validator-samples/simple-err-issuer-parentorg-type.json": "issuer.parentOrg",
    "ob3/validator-samples/simple-err-issuer-otheridentifier-type.json": "issuer.otherIdentifier",
    "ob3/validator-samples/simple-err-credential-subject-type.json": "credentialSubject",
    "ob3/validator-samples/simple-err-credential-subject-profile-type.json": (
        "credentialSubject.source"
    ),
    "ob3/validator-samples/simple-err-credential-subject-result-type.json": (
        "credentialSubject.result"
    ),
    "ob3/validator-samples/simple-err-credential-subject-identifier-type.json": (
        "credentialSubject.identifier"
    ),
    "ob3/validator-samples/"
    "simple-err-credential-subject-achievement-result-description-type.json": (
        "credentialSubject.achievement.resultDescription"
    ),
    "ob3/validator-samples/simple-err-evidence-type.json": "evidence",
    # Expected invalid by the validator (inline schema / context / issuance probes); they also
    # break the data model: no credentialSubject.achievement, or v1 endorsements without the
    # required id/name and OB 2.0 identityType "email".
    "ob3/validator-samples/simple-err-context.json": "credentialSubject.achievement",
    "ob3/validator-samples/simple-err-issued.json": "credentialSubject.achievement",
    "ob3/validator-samples/simple-noproof.json": "credentialSubject.achievement",
    "ob3/validator-samples/complete_v1.json": "endorsement[0].id",
}

#: not OpenBadgeCredentials at all.
NOT_OB = {
    "jwt-header.json": "a JOSE header, not a credential",
}


def _all_examples() -> list[str]:
    return sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.json"))


def _skip_reason(relative: str) -> str | None:
    for marker, reason in NOT_OB.items():
        if marker in relative:
            return reason
    return None


def strict_equal(left: Any, right: Any) -> bool:
    """JSON equality that tells int, float and bool apart and compares key order too."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(strict_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(strict_equal, left, right))
    return bool(left == right)


def test_examples_are_present() -> None:
    assert len(_all_examples()) > 60


@pytest.mark.parametrize("relative", _all_examples())
def test_example_round_trips_or_is_rejected_for_a_stated_reason(relative: str) -> None:
    reason = _skip_reason(relative)
    if reason is not None:
        pytest.skip(reason)
    raw = (EXAMPLES / relative).read_bytes()
    document = json.loads(raw)
    if relative in DATA_MODEL_INVALID:
        with pytest.raises(ValidationError) as caught:
            parse_credential(document)
        assert any(e["loc"].startswith(DATA_MODEL_INVALID[relative]) for e in caught.value.errors)
        return
    if relative.startswith("clr2/"):  # CLR 2.0 learner records: the ClrCredential model
        record = parse_clr(raw)
        assert isinstance(record, ClrCredential)
        assert strict_equal(record.to_json(), json.loads(raw))
        assert strict_equal(parse_clr(record.to_json()).to_json(), json.loads(raw))
        return
    model = parse_credential(raw)
    expected = EndorsementCredential if "endorsement" in relative else AchievementCredential
    assert isinstance(model, expected)
    assert strict_equal(model.to_json(), json.loads(raw))
    again = parse_credential(model.to_json())
    assert strict_equal(again.to_json(), json.loads(raw))


def test_strict_comparator_tells_numbers_and_booleans_apart() -> None:
    assert not strict_equal({"a": 1}, {"a": 1.0})
    assert not strict_equal({"a": 1}, {"a": True})
    assert not strict_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert strict_equal({"a": [1, 2.5, "x"]}, {"a": [1, 2.5, "x"]})
