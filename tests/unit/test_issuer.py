"""The Issuer: credential shape, formats, idempotency, status changes, publishing, rotation."""

from __future__ import annotations

import copy
import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import MCBadgeError, ProofError, RegistryError, ValidationError
from mcbadge.issuer import (
    Issuer,
    IssuerStore,
    RosterRow,
    SigningKey,
    did_web_for,
    did_web_url,
    load_roster,
)
from mcbadge.status import decode_bitstring, status_value_at
from mcbadge.verify import VerificationPolicy, verify

BASE = "https://status.test/s/"
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
    "resultDescription": [
        {
            "id": "https://provider.test/achievements/csp#rd",
            "type": ["ResultDescription"],
            "name": "Level",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {
                    "id": "https://provider.test/levels/proficient",
                    "type": ["RubricCriterionLevel"],
                    "name": "Proficient",
                },
            ],
        }
    ],
}
SCHEMA = Path(__file__).resolve().parents[2] / "src/mcbadge/schemas"


class Host:
    """Serves published files by URL in place of the network."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def publish(self, issuer: Issuer) -> None:
        published = issuer.publish()
        for url, document in published.status_lists.items():
            self.files[url] = json.dumps(document).encode()

    def get(self, url: str) -> bytes:
        from mcbadge.errors import FetchError

        if url not in self.files:
            raise FetchError(f"{url} unreachable", code="status_retrieval.unreachable")
        return self.files[url]


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> Host:
    fake = Host()
    import mcbadge.verify.pipeline as pipeline

    monkeypatch.setattr(pipeline, "make_fetcher", lambda policy: fake)
    return fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IssuerStore]:
    with IssuerStore(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        yield registry


def make_issuer(store: IssuerStore, **options: Any) -> Issuer:
    key = options.pop("key", None) or SigningKey.generate(
        "P-256" if options.get("format") == "ecdsa-rdfc-2019" else "Ed25519"
    )
    return Issuer({"name": "Academy"}, key, registry=store, status_base_url=BASE, **options)


def failed_checks(document: Any, **policy: Any) -> list[str]:
    result = verify(copy.deepcopy(document), VerificationPolicy(**policy))
    return [check.code for check in result.checks if check.status == "failed"]


@pytest.mark.parametrize(
    "fmt", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt"]
)
def test_each_format_signs_a_credential_that_verifies_with_its_status(
    fmt: str, store: IssuerStore, host: Host
) -> None:
    issuer = make_issuer(store, format=fmt)
    issued = issuer.issue(ACHIEVEMENT, "Teacher@School.example")
    host.publish(issuer)
    assert issued.is_jwt == (fmt in ("jwt", "vc+jwt"))
    assert failed_checks(issued.document, expected_recipient="teacher@school.example") == []


def test_credential_has_id_validity_hashed_recipient_schema_and_status_entry(
    store: IssuerStore,
) -> None:
    issuer = make_issuer(store)
    issued = issuer.issue(
        ACHIEVEMENT,
        "teacher@school.example",
        achieved_level="https://provider.test/levels/proficient",
        evidence=["https://portfolio.example/1"],
    )
    credential = issued.document
    assert isinstance(credential, dict)
    assert credential["id"].startswith("urn:uuid:")
    assert credential["validFrom"].endswith("Z")
    assert credential["issuer"]["id"] == issuer.issuer_id == issuer.active_key.did_key
    identity = credential["credentialSubject"]["identifier"][0]
    expected = hashlib.sha256(("teacher@school.example" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert "teacher" not in json.dumps(credential["credentialSubject"])
    assert credential["credentialSubject"]["result"][0]["achievedLevel"].endswith("proficient")
    assert credential["evidence"][0]["id"] == "https://portfolio.example/1"
    assert credential["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    entry = credential["credentialStatus"]  # OB 3.0: one credentialStatus object
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    list_url, index = issued.status_indexes["revocation"]
    assert entry["statusListCredential"] == list_url == f"{BASE}revocation-1.json"
    assert entry["statusListIndex"] == str(index)
    assert 0 <= index < 131_072


@pytest.mark.parametrize(
    "schema_file",
    [
        "purl/ob_v3p0_achievementcredential_schema.json",
        "strict/ob_v3p0_achievementcredential-jsonschema1.json",
    ],
)
@pytest.mark.parametrize("suspension", [False, True])
def test_issued_credential_passes_the_1edtech_json_schema(
    store: IssuerStore, schema_file: str, suspension: bool
) -> None:
    import jsonschema

    schema = json.loads((SCHEMA / schema_file).read_text())
    issuer = make_issuer(store, suspension=suspension)
    issued = issuer.issue(
        ACHIEVEMENT,
        "t@school.example",
        achieved_level="https://provider.test/levels/proficient",
        evidence=["https://e.example/1"],
    )
    jsonschema.validators.validator_for(schema)(schema).validate(issued.document)


def test_suspendable_credentials_have_one_suspension_entry_and_revoking_is_final(
    store: IssuerStore, host: Host
) -> None:
    issuer = make_issuer(store, suspension=True)
    issued = issuer.issue(ACHIEVEMENT, "t@school.example")
    assert isinstance(issued.document, dict)
    assert issued.document["credentialStatus"]["statusPurpose"] == "suspension"
    assert set(issued.status_indexes) == {"suspension"}
    issuer.revoke(issued.credential_id, "misconduct")
    host.publish(issuer)
    assert failed_checks(issued.document) == ["status.suspended"]
    with pytest.raises(RegistryError) as caught:
        issuer.unsuspend(issued.credential_id)
    assert caught.value.code == "registry.revoked"
    assert issuer.publish().revocation_list["revokedCredential"][0]["id"] == issued.credential_id


def test_same_key_re_emits_the_stored_credential_and_issues_nothing_new(
    store: IssuerStore,
) -> None:
    issuer = make_issuer(store)
    first = issuer.issue(ACHIEVEMENT, "t@school.example")
    again = issuer.issue(ACHIEVEMENT, " T@School.example ")
    assert not first.reemitted
    assert again.reemitted
    assert again.document == first.document
    assert len(list(store.records(issuer.issuer_id))) == 1


def test_reservation_without_document_is_signed_again_with_same_id_and_index(
    store: IssuerStore,
) -> None:
    issuer = make_issuer(store)
    reserved = issuer._reserve(
        ACHIEVEMENT,
        "t@school.example",
        achieved_level=None,
        evidence=(),
        valid_until=None,
        idempotency_key="row-7",
    )  # a crash here: reserved, never signed
    assert store.find(issuer.issuer_id, "row-7") is not None
    issued = issuer.issue(ACHIEVEMENT, "t@school.example", idempotency_key="row-7")
    assert not issued.reemitted
    assert issued.credential_id == reserved.credential_id
    assert issued.status_indexes == reserved.status_indexes
    assert isinstance(issued.document, dict)
    assert reserved.unsigned is not None
    assert issued.document["id"] == reserved.unsigned["id"]
    assert issued.document["credentialStatus"] == reserved.unsigned["credentialStatus"]


def test_status_indexes_are_distinct_across_credentials(store: IssuerStore) -> None:
    issuer = make_issuer(store)
    indexes = {
        issuer.issue(ACHIEVEMENT, f"t{n}@school.example").status_indexes["revocation"]
        for n in range(40)
    }
    assert len(indexes) == 40


def test_key_type_must_fit_the_format(store: IssuerStore) -> None:
    with pytest.raises(ProofError) as caught:
        make_issuer(store, key=SigningKey.generate("Ed25519"), format="ecdsa-rdfc-2019")
    assert caught.value.code == "cryptosuite.key_mismatch"
    with pytest.raises(ValueError, match="format"):
        make_issuer(store, format="rsa")
    with pytest.raises(ValueError, match="status_base_url"):
        Issuer({"name": "A"}, SigningKey.generate(), registry=store, status_base_url="http://x/")


def test_unknown_level_and_bad_email_are_refused_before_anything_is_reserved(
    store: IssuerStore,
) -> None:
    issuer = make_issuer(store)
    with pytest.raises(ValidationError) as caught:
        issuer.issue(ACHIEVEMENT, "t@school.example", achieved_level="https://nope.example")
    assert caught.value.code == "data_model.unknown_achieved_level"
    with pytest.raises(MCBadgeError) as bad_email:
        issuer.issue(ACHIEVEMENT, "not an email")
    assert bad_email.value.code == "input.bad_email"
    assert list(store.records(issuer.issuer_id)) == []


def test_revoked_and_suspended_fail_status_and_unsuspended_passes(
    store: IssuerStore, host: Host
) -> None:
    key = SigningKey.generate()
    issuer = make_issuer(store, key=key)
    suspending = make_issuer(store, key=key, suspension=True)  # same issuer, other list
    revoked = issuer.issue(ACHIEVEMENT, "a@school.example")
    suspended = suspending.issue(ACHIEVEMENT, "b@school.example")
    fine = suspending.issue(ACHIEVEMENT, "c@school.example")
    issuer.revoke(revoked.credential_id, "issued in error")
    issuer.suspend(suspended.credential_id, "under review")
    host.publish(issuer)
    assert failed_checks(revoked.document) == ["status.revoked"]
    assert failed_checks(suspended.document) == ["status.suspended"]
    assert failed_checks(fine.document) == []
    issuer.unsuspend(suspended.credential_id)
    host.publish(issuer)
    assert failed_checks(suspended.document) == []
    assert failed_checks(revoked.document) == ["status.revoked"]


def test_suspending_without_a_suspension_entry_is_an_error(store: IssuerStore) -> None:
    issuer = make_issuer(store)
    issued = issuer.issue(ACHIEVEMENT, "a@school.example")
    with pytest.raises(RegistryError) as caught:
        issuer.suspend(issued.credential_id)
    assert caught.value.code == "registry.no_suspension_entry"
    with pytest.raises(RegistryError) as unknown:
        issuer.revoke("urn:uuid:00000000-0000-4000-8000-000000000000")
    assert unknown.value.code == "registry.unknown_credential"


def test_publish_writes_signed_lists_with_ttl_and_the_revocation_list(
    store: IssuerStore, tmp_path: Path
) -> None:
    key = SigningKey.generate()
    issuer = make_issuer(store, key=key)
    make_issuer(store, key=key, suspension=True).issue(ACHIEVEMENT, "b@school.example")
    issued = issuer.issue(ACHIEVEMENT, "a@school.example")
    issuer.revoke(issued.credential_id, "error")
    site = tmp_path / "site"
    published = issuer.publish(str(site))
    names = sorted(path.name for path in site.iterdir())
    assert names == [
        ".mcbadge-publish.json",  # the folder's manifest: issuer, key, registry, lists
        "revocation-1.json",
        "revocations.json",
        "suspension-1.json",
    ]
    revocation_list = json.loads((site / "revocation-1.json").read_text())
    assert revocation_list["id"] == f"{BASE}revocation-1.json"
    assert "validUntil" in revocation_list
    assert revocation_list["credentialSubject"]["ttl"] > 0
    assert revocation_list["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    bits = decode_bitstring(revocation_list["credentialSubject"]["encodedList"])
    _, index = issued.status_indexes["revocation"]
    assert status_value_at(bits, index, 1) == 1
    assert sum(bin(byte).count("1") for byte in bits) == 1
    assert published.revocation_list == {
        "revokedCredential": [
            {"id": issued.credential_id, "revoked": True, "revocationReason": "error"}
        ]
    }


def test_jwt_issuer_publishes_data_integrity_lists(store: IssuerStore) -> None:
    issuer = make_issuer(store, format="jwt")
    issuer.issue(ACHIEVEMENT, "a@school.example")
    (document,) = issuer.publish().status_lists.values()
    assert document["proof"][0]["type"] == "DataIntegrityProof"


def test_old_credentials_verify_after_key_rotation(store: IssuerStore, host: Host) -> None:
    did = did_web_for("provider.test")
    old_key, new_key = SigningKey.generate(), SigningKey.generate()
    before = Issuer(
        {"id": did, "name": "A"},
        old_key,
        registry=store,
        status_base_url=BASE,
        credential_schema=True,
    )
    old_credential = before.issue(ACHIEVEMENT, "a@school.example").document
    after = Issuer(
        {"id": did, "name": "A"},
        [new_key, old_key],
        registry=store,
        status_base_url=BASE,
        credential_schema=True,
    )
    new_credential = after.issue(ACHIEVEMENT, "b@school.example").document
    host.publish(after)
    did_document = after.did_document()
    assert len(did_document["assertionMethod"]) == 2
    for document in (old_credential, new_credential):
        assert failed_checks(document, did_documents={did: did_document}) == []
    dropped = {**did_document, "assertionMethod": did_document["assertionMethod"][:1]}
    assert failed_checks(old_credential, did_documents={did: dropped}) != []


def test_batch_keeps_order_reports_failures_and_reruns_re_emit(store: IssuerStore) -> None:
    issuer = make_issuer(store)
    catalog = {"csp": ACHIEVEMENT}
    rows = [RosterRow(f"r{n}", f"t{n}@school.example", "csp") for n in range(6)]
    rows.insert(3, RosterRow("bad", "x@school.example", "missing"))
    first = issuer.issue_batch(rows, catalog=catalog, jobs=2)
    assert [o.row.row_id for o in first.outcomes] == [row.row_id for row in rows]
    assert first.summary() == {"issued": 6, "reemitted": 0, "failed": 1}
    assert first.outcomes[3].code == "data_model.unknown_achievement"
    second = issuer.issue_batch(rows, catalog=catalog, jobs=1)
    assert second.summary() == {"issued": 0, "reemitted": 6, "failed": 1}
    for a, b in zip(first.outcomes, second.outcomes, strict=True):
        assert (a.issued and a.issued.document) == (b.issued and b.issued.document)


def test_key_file_round_trip_is_private_and_never_in_repr(tmp_path: Path) -> None:
    for kind in ("Ed25519", "P-256"):
        key = SigningKey.generate(kind)  # type: ignore[arg-type]
        path = key.save(tmp_path / f"{kind}.json")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        loaded = SigningKey.load(path)
        assert loaded.public_multikey == key.public_multikey
        assert key.private_jwk()["d"] not in repr(key)


def test_did_web_url_and_roster_loading(tmp_path: Path) -> None:
    assert did_web_url("did:web:provider.test") == "https://provider.test/.well-known/did.json"
    assert did_web_url(did_web_for("p.test:8443", "org")) == "https://p.test:8443/org/did.json"
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "row_id,email,achievement,level,evidence\n"
        "1,a@s.example,csp,,https://e.example/1 https://e.example/2\n"
        ",b@s.example,csp,L1,\n"
    )
    first, second = load_roster(roster)
    # A row id labels the row; it is not the key (the award is): see test_issuer_idempotency.
    a_hash = hashlib.sha256(b"a@s.example").hexdigest()
    assert first.idempotency_key == f"sha256${a_hash} csp"  # no e-mail in clear
    assert first.row_id == "1"
    assert first.evidence == ("https://e.example/1", "https://e.example/2")
    assert second.idempotency_key.endswith(" csp")
    assert second.achieved_level == "L1"
    with pytest.raises(MCBadgeError) as caught:
        load_roster(roster, key_column="row_id")  # the second row has no row id
    assert caught.value.code == "input.bad_roster"
    keyed = tmp_path / "keyed.csv"
    keyed.write_text("row_id,email,achievement\nA-1,a@s.example,csp\n")
    (row,) = load_roster(keyed, key_column="row_id")
    assert row.idempotency_key == row.key == "A-1"


def test_undefined_catalog_term_is_refused_and_the_key_can_be_reissued(
    store: IssuerStore,
) -> None:
    issuer = make_issuer(store)
    broken = {**ACHIEVEMENT, "customGrade": "A+"}  # no JSON-LD context defines it
    with pytest.raises(MCBadgeError) as caught:
        issuer.issue(broken, "a@school.example", idempotency_key="row-1")
    assert caught.value.code.startswith("data_loss.")
    reserved = store.find(issuer.issuer_id, "row-1")
    assert reserved is not None
    assert reserved.document is None  # reserved (index never reused), nothing signed
    rows = [RosterRow("row-2", "b@school.example", "broken")]
    batch = issuer.issue_batch(rows, catalog={"broken": broken})
    assert batch.outcomes[0].code is not None
    assert batch.outcomes[0].code.startswith("data_loss.")
    fixed = issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key="row-1")
    assert not fixed.reemitted
    assert fixed.credential_id == reserved.credential_id
    assert fixed.status_indexes == reserved.status_indexes


def test_issuer_accepts_proof_layer_keys_and_pem_key_files(
    store: IssuerStore, tmp_path: Path, host: Host
) -> None:
    from mcbadge.keys import generate_key

    key = generate_key("p256")
    issuer = make_issuer(store, key=key, format="ecdsa-rdfc-2019")
    assert issuer.issuer_id == SigningKey.from_proofs_key(key).did_key
    issued = issuer.issue(ACHIEVEMENT, "a@school.example")
    host.publish(issuer)
    assert failed_checks(issued.document) == []
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.to_pem())
    assert SigningKey.load(pem).public_multikey == issuer.active_key.public_multikey


def test_did_document_matches_mcbadge_keys_did_output(store: IssuerStore) -> None:
    from mcbadge.did import build_did_web_document

    key = SigningKey.generate()
    issuer = Issuer(
        {"id": "did:web:academy.example", "name": "A"}, key, registry=store, status_base_url=BASE
    )
    ours = issuer.did_document()
    theirs = build_did_web_document("academy.example", [key.to_proofs_key()])
    assert ours["verificationMethod"] == theirs["verificationMethod"]
    assert ours["assertionMethod"] == theirs["assertionMethod"]
    assert issuer.active_key.vm_id in theirs["assertionMethod"]


def test_a_new_status_list_starts_when_one_is_full_enough(tmp_path: Path) -> None:
    from mcbadge.registry import Registry

    store = IssuerStore(registry=Registry.open(f"sqlite:///{tmp_path / 'r.db'}", fill_limit=3))
    issuer = make_issuer(store)
    lists = [
        issuer.issue(ACHIEVEMENT, f"t{n}@school.example").status_indexes["revocation"][0]
        for n in range(5)
    ]
    assert lists == [f"{BASE}revocation-1.json"] * 3 + [f"{BASE}revocation-2.json"] * 2
    assert [url for url, _ in store.status_lists(issuer.issuer_id)] == sorted(set(lists))


def test_roster_evidence_url_and_narrative_become_evidence(
    store: IssuerStore, tmp_path: Path, host: Host
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "row_id,name,email,achievement,achieved_level,evidence_url,narrative\n"
        "r1,Dana,dana@s.example,csp,https://provider.test/levels/proficient,"
        "https://portfolio.example/dana,Second graders sorted passwords.\n"
    )
    (row,) = load_roster(roster)
    assert row.evidence == (
        {
            "id": "https://portfolio.example/dana",
            "type": ["Evidence"],
            "narrative": "Second graders sorted passwords.",
        },
    )
    issuer = make_issuer(store)
    (outcome,) = issuer.issue_batch([row], catalog={"csp": ACHIEVEMENT}).outcomes
    assert outcome.issued is not None
    document = outcome.issued.document
    assert isinstance(document, dict)
    assert document["evidence"][0]["narrative"] == "Second graders sorted passwords."
    host.publish(issuer)
    assert failed_checks(document, expected_recipient="dana@s.example") == []
