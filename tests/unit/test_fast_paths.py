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


def _payload_reads(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[int]:
    """Sizes of the texts ``module``'s strict JSON reader is asked to parse from now on."""
    from mcbadge._json import loads_strict

    sizes: list[int] = []

    def counting(data: Any, **kwargs: Any) -> Any:
        sizes.append(len(data))
        return loads_strict(data, **kwargs)

    monkeypatch.setattr(module, "loads_strict", counting)
    return sizes


def test_verify_reads_a_vc_jwt_payload_once(
    full: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcbadge.proofs import jwt as jwt_module
    from mcbadge.proofs import verify_proof
    from mcbadge.verify import _input

    key = generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(key))
    token = sign(credential, key, format="jwt").jwt
    assert token is not None
    payload_size = len(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    by_input = _payload_reads(monkeypatch, _input)
    by_proof = _payload_reads(monkeypatch, jwt_module)
    result = verify(token, VerificationPolicy(offline=True))
    assert result.check("signature").status == "passed"
    assert result.check("jwt_claims").status == "passed"
    assert by_input.count(payload_size) == 1  # the input reader parsed it...
    assert payload_size not in by_proof  # ...and the proof layer took that parse
    # the proof layer alone still reads the token itself
    assert verify_proof(token, None).verified
    assert by_proof.count(payload_size) == 1


def test_a_non_canonical_payload_segment_is_refused_by_verify(full: dict[str, Any]) -> None:
    """The proof layer no longer parses the payload the input reader parsed, but it still
    checks the segment is canonical base64url: a payload whose last character carries
    non-zero spare bits (the same bytes as the canonical text) fails, though it is signed."""
    from mcbadge.multibase import b64url_encode

    key = generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(key))
    token = sign(credential, key, format="jwt").jwt
    assert token is not None
    head, body, _ = token.split(".")
    payload = base64.urlsafe_b64decode(body + "==")
    while len(b64url_encode(payload)) % 4 == 0:  # no spare bits to set: pad the JSON text
        payload += b" "
    canonical = b64url_encode(payload)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(canonical[-1])
    bumped = canonical[:-1] + alphabet[last + 1]  # the lowest spare bit set
    assert base64.urlsafe_b64decode(bumped + "==") == payload
    signing_input = f"{head}.{bumped}"
    forged = f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"
    result = verify(forged, VerificationPolicy(offline=True))
    assert result.verified is False
    assert result.check("jwt").code == "jwt.bad_base64url"
    assert result.check("signature").status != "passed"


def test_a_vc_jwt_document_is_built_on_first_read_and_equals_the_payload(
    full: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mcbadge.proofs as proofs_module

    key = generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(key))
    credential["iss"] = {"a member": "named like a claim"}  # the credential's, not the claim
    parses: list[str] = []
    real_loads = json.loads

    def counting(text: str) -> Any:
        parses.append(text)
        return real_loads(text)

    monkeypatch.setattr(proofs_module.json, "loads", counting)
    signed = sign(credential, key, format="jwt")
    assert parses == []  # issuing alone parses nothing
    copied, pickled = copy.deepcopy(signed), pickle.loads(pickle.dumps(signed))
    assert parses == []  # copies stay lazy too
    document = signed.document
    assert len(parses) == 1
    assert signed.document is document  # built once
    assert len(parses) == 1
    monkeypatch.setattr(proofs_module.json, "loads", real_loads)
    assert signed.jwt is not None
    payload = real_loads(base64.urlsafe_b64decode(signed.jwt.split(".")[1] + "=="))
    expected = {k: payload[k] for k in credential if k != "iss"}
    expected["iss"] = {"a member": "named like a claim"}
    assert document == expected
    assert list(document) == list(credential)
    assert document["credentialSubject"] is not credential["credentialSubject"]
    credential["iss"]["a member"] = "changed after signing"
    assert copied.document == pickled.document == document == expected
    assert copied == signed == pickled
    assert signed.to_text() == signed.jwt
    assert "SignedCredential(format='jwt', document={" in repr(signed)
    with pytest.raises(dataclasses.FrozenInstanceError):
        signed.jwt = "x"  # type: ignore[misc]
    v1 = sign(
        {
            **credential,
            "@context": ["https://www.w3.org/2018/credentials/v1", *full["@context"][1:]],
        },
        key,
        format="jwt",
    )
    assert v1.jwt is not None
    v1_payload = real_loads(base64.urlsafe_b64decode(v1.jwt.split(".")[1] + "=="))
    assert v1.document == v1_payload["vc"]


def test_the_safety_net_builds_checks_only_for_ids_never_evaluated(
    full: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every check id without a verdict fails ``not_evaluated`` (tests/unit/test_verify.py
    shows it); the others must not get a throwaway failed Check built for them on every run
    (``setdefault`` with a built default did: one per check id, ~4 % of a VC-JWT verify)."""
    from mcbadge.verify import checks_proof, pipeline

    key = generate_key("ed25519")
    credential = {k: v for k, v in full.items() if k != "proof"}
    credential["issuer"] = dict(full["issuer"], id=did_for_key(key))
    token = sign(credential, key, format="jwt").jwt
    built: list[tuple[str, str]] = []
    for module, name in ((pipeline, "failed"), (checks_proof, "skipped")):
        real = getattr(module, name)

        def recording(check_id: str, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            check = _real(check_id, *args, **kwargs)
            built.append((check.id, check.code))
            return check

        monkeypatch.setattr(module, name, recording)
    result = verify(token, VerificationPolicy(offline=True))
    assert result.check("signature").status == "passed"
    assert [code for _, code in built if code.endswith(".not_evaluated")] == []
    # the proof family's "not applicable" marks are built only for ids still without one
    reported = {check.id: check.code for check in result.checks}
    for check_id, code in built:
        assert reported[check_id] == code, (check_id, code)
