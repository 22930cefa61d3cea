"""The hot paths made cheap for issue #16 give exactly what the slow ones gave: a report built
field by field equals ``dataclasses.asdict`` (and names every field), and a model that keeps
its source outside a declared PrivateAttr still gives it back from every nested object, through
copies, pickling and equality."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from mcbadge import verify
from mcbadge.did import did_for_key
from mcbadge.keys import generate_key
from mcbadge.models import Achievement, parse_credential
from mcbadge.proofs import sign
from mcbadge.verify import VerificationPolicy
from mcbadge.verify.result import Check, Summary, VerificationResult


@pytest.fixture
def full(reference: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (reference / "examples/ob3/spec-source/fullOpenBadge.json").read_text("utf-8")
    )
    return loaded


def _slow_summary(summary: Summary) -> dict[str, Any]:
    """``dataclasses.asdict`` of the summary, its tuple fields as the JSON shapes they have."""
    data = dataclasses.asdict(summary)
    data["achieved_levels"] = list(summary.achieved_levels)
    data["result_statuses"] = list(summary.result_statuses)
    data["evidence"] = [
        dict(zip(("id", "name", "narrative"), e, strict=True)) for e in summary.evidence
    ]
    data["alignments"] = [
        dict(zip(("framework", "code", "name", "url"), a, strict=True)) for a in summary.alignments
    ]
    return data


def _slow_report(result: VerificationResult) -> dict[str, Any]:
    """The report as it was built before: ``dataclasses.asdict`` of every part."""
    return {
        "verified": result.verified,
        "indeterminate": result.indeterminate,
        "failed_checks": result.failed_checks,
        "summary": _slow_summary(result.summary),
        "checks": [dataclasses.asdict(check) for check in result.checks],
    }


def test_the_report_equals_the_asdict_one_for_passing_failing_and_indeterminate_runs(
    full: dict[str, Any],
) -> None:
    key = generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(key))
    token = sign(credential, key, format="jwt").jwt
    assert token is not None
    document = sign(credential, key, format="eddsa-rdfc-2022").document
    results = [
        verify(token, VerificationPolicy(offline=True)),
        verify(document, VerificationPolicy(offline=True)),
        verify(token[:-6] + "AAAAAA", VerificationPolicy(offline=True)),
        verify(b"{not json", VerificationPolicy(offline=True)),
    ]
    assert results[2].failed_checks[0] == "signature"
    assert results[3].failed_checks == ["input"]
    for result in results:
        fast = result.to_dict()
        assert fast == _slow_report(result)
        assert list(fast) == ["verified", "indeterminate", "failed_checks", "summary", "checks"]
        assert json.loads(result.to_json()) == fast


def test_to_dict_names_every_field_in_declaration_order() -> None:
    check = Check("validity", "failed", "validity.expired", "expired", indeterminate=True)
    assert list(check.to_dict()) == [f.name for f in dataclasses.fields(Check)]
    assert check.to_dict() == dataclasses.asdict(check)
    shapes: dict[str, Any] = {
        "achieved_levels": ("Proficient",),
        "result_statuses": ("Completed",),
        "evidence": (("https://e.example/1", "Lesson", "narrative"),),
        "alignments": (("CSTA", "1A-DA-06", "Collect data", "https://c.example/1"),),
        "teacher_matched": True,
    }
    summary = Summary(
        *(shapes.get(f.name, f"value {n}") for n, f in enumerate(dataclasses.fields(Summary)))
    )
    assert list(summary.to_dict()) == [f.name for f in dataclasses.fields(Summary)]
    assert summary.to_dict() == _slow_summary(summary)
    assert pickle.loads(pickle.dumps(summary)) == summary


def test_every_nested_model_gives_back_its_own_source(full: dict[str, Any]) -> None:
    parsed = parse_credential(full)
    assert parsed.to_json() == full
    subject = parsed.credential_subject
    assert subject.achievement.to_json() == full["credentialSubject"]["achievement"]
    assert [r.to_json() for r in subject.results] == full["credentialSubject"]["result"]
    # copies, pickling and equality carry the source along
    for clone in (copy.copy(parsed), copy.deepcopy(parsed), pickle.loads(pickle.dumps(parsed))):
        assert clone.to_json() == full
        assert clone == parsed
    other = copy.deepcopy(full)
    other["extension"] = 1
    # the typed fields are equal, the sources differ: not equal (as with a declared PrivateAttr)
    assert parse_credential(other) != parsed


def test_a_model_built_in_code_has_no_source_and_dumps_its_fields() -> None:
    built = Achievement(
        id="https://example.org/a",
        type="Achievement",
        name="A",
        description="d",
        criteria={"narrative": "n"},
    )
    assert built.to_json()["name"] == "A"
    assert "criteria" in built.to_json()
    assert Achievement.model_construct(name="B").to_json() == {"name": "B"}


def test_parsing_keeps_source_objects_without_copying(full: dict[str, Any]) -> None:
    parsed = parse_credential(full)
    private = parsed.credential_subject.achievement.__pydantic_private__
    assert private is not None
    assert private["_json"] is full["credentialSubject"]["achievement"]


def test_issuing_caches_give_the_same_tokens_and_follow_a_changed_key(
    full: dict[str, Any],
) -> None:
    from mcbadge.proofs import _KEY_IDS, _KEY_IDS_BY_OBJECT
    from mcbadge.proofs import jwt as jwt_module

    first, second = generate_key("ed25519"), generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(first))
    warm = sign(credential, first, format="jwt").jwt
    again = sign(credential, first, format="jwt").jwt
    _KEY_IDS.clear()
    _KEY_IDS_BY_OBJECT.clear()
    jwt_module._HEADER_SEGMENTS.clear()
    cold = sign(credential, first, format="jwt").jwt
    assert warm == again == cold  # Ed25519 is deterministic: byte for byte the same token
    # the same Key object given another public key: the cached DID must not be reused
    first.public = second.public
    from mcbadge.errors import MCBadgeError

    with pytest.raises(MCBadgeError) as refused:
        sign(credential, first, format="jwt")
    assert refused.value.code == "key_binding.issuer_mismatch"
    # an embedded jwk header is never taken from the (alg, kid) cache
    credential["issuer"] = dict(full["issuer"], id=did_for_key(second))
    plain = sign(credential, second, format="jwt").jwt
    embedded = sign(credential, second, format="jwt", embed_jwk=True).jwt
    assert plain is not None
    assert embedded is not None
    header = json.loads(base64.urlsafe_b64decode(embedded.split(".")[0] + "=="))
    assert header["jwk"] == second.public_jwk()
    assert "jwk" not in json.loads(base64.urlsafe_b64decode(plain.split(".")[0] + "=="))
