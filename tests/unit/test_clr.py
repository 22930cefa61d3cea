"""CLR 2.0: the models, the builder (files and registry) and verify_clr's bundle result."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import mcbadge
from mcbadge.clr import build_clr, clr_document, registry_credentials
from mcbadge.errors import MCBadgeError, ValidationError
from mcbadge.issuer import Issuer, IssuerStore, SigningKey
from mcbadge.keys import Key, generate_key
from mcbadge.models import Association, AssociationType, ClrCredential, parse_clr
from mcbadge.models.builders import achievement, award, profile
from mcbadge.schema import validate
from mcbadge.verify import BundleResult, VerificationPolicy, exit_code_for
from mcbadge.verify.report import render_bundle_text

EMAIL = "dana.whitlock@school.example"
AT = "/credentialSubject/verifiableCredential"


def _did(key: Key) -> str:
    from mcbadge.did import did_for_key

    return str(did_for_key(key))


@pytest.fixture(scope="module")
def keys() -> dict[str, Key]:
    return {
        "a": generate_key("ed25519"),
        "b": generate_key("p256"),
        "office": generate_key("ed25519"),
        "office-p256": generate_key("p256"),
    }


def _badge(key: Key, number: int, fmt: str = "eddsa-rdfc-2022", **award_options: Any) -> Any:
    earned = achievement(
        f"https://provider.example/a/{number}",
        f"Micro-credential {number}",
        "A CS teaching micro-credential.",
        criteria="Taught a unit.",
        achievement_type="MicroCredential",
    )
    credential = award(
        earned,
        issuer=profile(_did(key), f"Provider {number}"),
        recipient_email=EMAIL,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        **award_options,
    )
    signed = mcbadge.sign(credential.to_json(), key, format=fmt)  # type: ignore[arg-type]
    return signed.jwt if signed.jwt is not None else signed.document


@pytest.fixture(scope="module")
def badges(keys: dict[str, Key]) -> list[Any]:
    return [
        _badge(keys["a"], 1),
        _badge(keys["b"], 2, "ecdsa-rdfc-2019"),
        _badge(keys["a"], 3, "jwt"),
    ]


def _verify(document: Any) -> BundleResult:
    return mcbadge.verify_clr(document, VerificationPolicy(offline=True))


# -- models ------------------------------------------------------------------------------


def test_association_types_are_exactly_the_eight_of_clr_2_0() -> None:
    assert [t.value for t in AssociationType] == [
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    ]


@pytest.mark.parametrize("kind", [t.value for t in AssociationType])
def test_every_association_type_parses(kind: str) -> None:
    link = Association.from_json(
        {"type": "Association", "associationType": kind, "sourceId": "urn:a", "targetId": "urn:b"}
    )
    assert link.association_type == kind
    assert link.to_json()["associationType"] == kind


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"associationType": "isCousinOf"}, "associationType"),
        ({"associationType": "ext:isCousinOf"}, "associationType"),
        ({"type": "Alignment"}, "(root)"),
        ({"sourceId": None}, "sourceId"),
    ],
)
def test_a_bad_association_is_refused_naming_the_field(change: dict[str, Any], where: str) -> None:
    data = {"type": "Association", "associationType": "isPartOf", "sourceId": "a", "targetId": "b"}
    data.update(change)
    with pytest.raises(ValidationError) as caught:
        Association.from_json({k: v for k, v in data.items() if v is not None})
    assert caught.value.code == "data_model.invalid"
    assert any(e["loc"].startswith(where) for e in caught.value.errors)


def test_a_clr_parses_losslessly_and_keeps_nested_credentials_as_given(
    keys: dict[str, Key], badges: list[Any]
) -> None:
    document = clr_document(badges, issuer=_did(keys["office"]), recipient=EMAIL)
    model = parse_clr(document)
    assert isinstance(model, ClrCredential)
    assert model.to_json() == document
    assert model.credential_subject.credentials == badges  # objects and the JWS string
    assert [a.id for a in model.credential_subject.achievements] == [
        f"https://provider.example/a/{n}" for n in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (lambda d: d["credentialSubject"].update(verifiableCredential=[]), "credentialSubject"),
        (lambda d: d["credentialSubject"].update(verifiableCredential=[7]), "credentialSubject"),
        (lambda d: d["credentialSubject"].update(verifiableCredential="x"), "credentialSubject"),
        (lambda d: d["credentialSubject"].pop("verifiableCredential"), "credentialSubject"),
        (lambda d: d["credentialSubject"].update(type=["AchievementSubject"]), "credentialSubject"),
        (lambda d: d.update(type=["VerifiableCredential"]), "(root)"),
        (lambda d: d.pop("name"), "name"),
    ],
)
def test_a_malformed_clr_is_refused_by_the_data_model(
    keys: dict[str, Key], badges: list[Any], change: Any, loc: str
) -> None:
    document = clr_document(badges[:1], issuer=_did(keys["office"]), recipient=EMAIL)
    change(document)
    with pytest.raises(ValidationError) as caught:
        parse_clr(document)
    assert any(e["loc"].startswith(loc) for e in caught.value.errors), caught.value.errors


def test_the_learner_needs_an_id_or_an_identifier(keys: dict[str, Key], badges: list[Any]) -> None:
    document = clr_document(badges[:1], issuer=_did(keys["office"]), recipient=EMAIL)
    del document["credentialSubject"]["identifier"]
    with pytest.raises(ValidationError, match="needs an id or an identifier"):
        parse_clr(document)


# -- the builder -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "key_name"),
    [("eddsa-rdfc-2022", "office"), ("ecdsa-rdfc-2019", "office-p256"), ("jwt", "office")],
)
def test_build_clr_signs_in_every_format_and_the_record_verifies(
    keys: dict[str, Key], badges: list[Any], fmt: str, key_name: str
) -> None:
    key = keys[key_name]
    links = [("https://provider.example/a/1", "isPartOf", "https://provider.example/a/3")]
    signed = build_clr(
        badges, key, issuer=_did(key), recipient=EMAIL, associations=links, format=fmt
    )  # type: ignore[arg-type]
    result = _verify(signed.jwt if signed.jwt is not None else signed.document)
    assert exit_code_for(result) == 0, result.to_dict()
    assert result.outer.summary.proof_format == ("VC-JWT" if fmt == "jwt" else fmt)
    assert [item.location for item in result.nested] == [f"{AT}/{n}" for n in range(3)]
    subject = signed.document["credentialSubject"]
    assert subject["association"] == [
        {
            "type": "Association",
            "associationType": "isPartOf",
            "sourceId": "https://provider.example/a/1",
            "targetId": "https://provider.example/a/3",
        }
    ]
    # the learner is a freshly salted hash of the e-mail, not the address itself
    assert EMAIL not in json.dumps(signed.document)
    assert mcbadge.models.IdentityObject.from_json(subject["identifier"][0]).matches(EMAIL)


def test_nested_credentials_are_embedded_untouched(keys: dict[str, Key], badges: list[Any]) -> None:
    before = copy.deepcopy(badges)
    signed = build_clr(badges, keys["office"], issuer=_did(keys["office"]), recipient=EMAIL)
    assert signed.document["credentialSubject"]["verifiableCredential"] == before
    assert badges == before  # the caller's objects are not changed either
    # each nested credential still verifies on its own, alone
    for entry in signed.document["credentialSubject"]["verifiableCredential"]:
        assert mcbadge.verify(entry, VerificationPolicy(offline=True)).verified


def test_a_record_of_objects_names_the_clr_schema_and_passes_it(
    keys: dict[str, Key], badges: list[Any]
) -> None:
    document = clr_document(badges[:2], issuer=_did(keys["office"]), recipient=EMAIL)
    assert document["credentialSchema"][0]["id"].endswith("clr_v2p0_clrcredential_schema.json")
    assert "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" in document["@context"]
    validate(document)  # chosen by type: the CLR schema
    validate(document, "clrcredential")
    with_jwt = clr_document(badges, issuer=_did(keys["office"]), recipient=EMAIL)
    assert "credentialSchema" not in with_jwt  # the schema wants objects, not JWS strings


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"recipient": "someone.else@school.example"}, "clr.not_the_learner"),
        ({"recipient": "did:example:someone"}, "clr.not_the_learner"),
        (
            {"associations": [("urn:nowhere", "isPartOf", "https://provider.example/a/1")]},
            "clr.unknown_achievement",
        ),
        (
            {
                "associations": [
                    ("https://provider.example/a/1", "isFriendOf", "https://provider.example/a/2")
                ]
            },
            "clr.bad_association",
        ),
    ],
)
def test_the_builder_refuses_what_would_misstate_the_record(
    keys: dict[str, Key], badges: list[Any], options: dict[str, Any], code: str
) -> None:
    options.setdefault("recipient", EMAIL)
    with pytest.raises(MCBadgeError) as caught:
        clr_document(badges[:2], issuer=_did(keys["office"]), **options)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([], "clr.empty"),
        (["not a jws"], "clr.not_a_credential"),
        ([42], "clr.not_a_credential"),
        ([{"type": ["VerifiableCredential"], "credentialSubject": {}}], "clr.not_a_credential"),
    ],
)
def test_the_builder_refuses_entries_that_are_not_credentials(
    keys: dict[str, Key], entries: list[Any], code: str
) -> None:
    with pytest.raises(MCBadgeError) as caught:
        clr_document(entries, issuer=_did(keys["office"]), recipient=EMAIL)
    assert caught.value.code == code


def test_without_a_recipient_the_learner_is_the_one_shared_subject_id(keys: dict[str, Key]) -> None:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2c1b7a4e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": _did(keys["a"]), "type": ["Profile"], "name": "Provider"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "CS",
        "credentialSubject": {
            "id": "did:example:dana",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:a:1",
                "type": ["Achievement"],
                "name": "CS",
                "description": "d",
                "criteria": {"narrative": "n"},
            },
        },
    }
    document = clr_document([credential], issuer=_did(keys["office"]))
    assert document["credentialSubject"]["id"] == "did:example:dana"
    with pytest.raises(MCBadgeError) as caught:
        clr_document([_badge(keys["a"], 9)], issuer=_did(keys["office"]))
    assert caught.value.code == "clr.learner_unknown"


# -- from the registry -------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IssuerStore]:
    with IssuerStore(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        yield registry


def test_registry_credentials_are_the_teachers_valid_ones(store: IssuerStore) -> None:
    issuer = Issuer(
        {"name": "Academy"},
        SigningKey.generate(),
        registry=store,
        status_base_url="https://status.test/s/",
    )
    kept = issuer.issue(_achievement(1), EMAIL)
    revoked = issuer.issue(_achievement(2), EMAIL)
    issuer.issue(_achievement(3), "someone.else@school.example")
    issuer.revoke(revoked.credential_id)
    found = registry_credentials(store.registry, issuer.issuer_id, EMAIL.upper())
    assert [json.loads(kept.to_bytes())] == found
    with pytest.raises(MCBadgeError) as caught:
        registry_credentials(store.registry, issuer.issuer_id, "nobody@school.example")
    assert caught.value.code == "clr.no_credentials"


def _achievement(number: int) -> dict[str, Any]:
    return {
        "id": f"https://provider.test/achievements/{number}",
        "type": ["Achievement"],
        "name": f"Micro-credential {number}",
        "description": "Taught a unit.",
        "criteria": {"narrative": "Taught a full unit."},
    }


# -- the bundle report -------------------------------------------------------------------


def test_the_text_report_names_the_failing_credential(
    keys: dict[str, Key], badges: list[Any]
) -> None:
    tampered = copy.deepcopy(badges[1])
    tampered["name"] = "changed"
    signed = build_clr(
        [badges[0], tampered], keys["office"], issuer=_did(keys["office"]), recipient=EMAIL
    )
    result = _verify(signed.document)
    assert exit_code_for(result) == 1
    text = render_bundle_text(result, name="record.json")
    lines = text.splitlines()
    assert lines[0] == "record.json: NOT VERIFIED"
    assert "outer checks VERIFIED; 1 of 2 credentials inside verified" in lines[1]
    assert lines[2] == f"  Not verified: {AT}/1"
    assert f"  Credential 2 of 2 ({AT}/1): NOT VERIFIED" in lines
    as_json = json.loads(result.to_json())
    assert as_json["failed_locations"] == [f"{AT}/1"]
    assert as_json["nested"][1]["location"] == f"{AT}/1"


def test_verify_clr_of_a_plain_credential_fails_its_data_model(badges: list[Any]) -> None:
    result = _verify(badges[0])
    assert exit_code_for(result) == 1
    check = result.outer.check("data_model")
    assert check.code == "data_model.invalid"
    assert "must be a ClrCredential" in check.message
    assert result.nested == ()


def test_a_hostile_nested_list_fails_at_its_first_entry(
    keys: dict[str, Key], badges: list[Any]
) -> None:
    """pydantic would build two errors for each of 100,000 non-credentials (seconds, and GiBs
    at 8 MB); the nested list stops at the first bad entry."""
    document = clr_document(badges[:1], issuer=_did(keys["office"]), recipient=EMAIL)
    document["credentialSubject"]["verifiableCredential"] = [0] * 100_000
    with pytest.raises(ValidationError) as caught:
        parse_clr(document)
    locations = {error["loc"] for error in caught.value.errors}
    assert locations <= {
        "credentialSubject.verifiableCredential",
        "credentialSubject.verifiableCredential[0]",
    }
    assert len(caught.value.errors) <= 4  # the one-object and the list branch, entry 0
