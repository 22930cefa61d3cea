"""Issuer.issue_batch in chunks: repeated keys, progress only after recording, bad rows
reserve nothing, and 1 vs 2 workers give the same registry state."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey

ACHIEVEMENT = {
    "id": "https://provider.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}


def make_issuer(store: IssuerStore) -> Issuer:
    return Issuer(
        {"name": "Academy"},
        SigningKey.generate(),
        registry=store,
        status_base_url="https://provider.test/status/",
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_key_repeated_in_the_roster_is_issued_once_and_re_emitted(
    tmp_path: Path, jobs: int
) -> None:
    with IssuerStore(f"sqlite:///{tmp_path / 'r.db'}") as store:
        issuer = make_issuer(store)
        rows = [RosterRow(f"r{n}", f"t{n}@school.example", "csp") for n in range(40)]
        rows.insert(5, RosterRow("r2", "t2@school.example", "csp"))
        rows.insert(9, RosterRow("", "nobody", "csp"))  # bad e-mail: refused, nothing reserved
        seen: list[int] = []
        result = issuer.issue_batch(
            rows, catalog={"csp": ACHIEVEMENT}, jobs=jobs, progress=lambda d, t: seen.append(d)
        )
        assert result.summary() == {"issued": 40, "reemitted": 1, "failed": 1}
        assert [o.row for o in result.outcomes] == rows
        first, repeat = result.outcomes[2].issued, result.outcomes[5].issued
        assert first is not None
        assert repeat is not None
        assert repeat.reemitted
        assert repeat.document == first.document
        assert seen == list(range(1, len(rows) + 1))
        records = list(store.records(issuer.issuer_id))
        assert len(records) == 40
        assert all(r.document is not None for r in records)
        indexes = {o.issued.status_indexes["revocation"] for o in result.outcomes if o.issued}
        assert len(indexes) == 40


def test_placing_the_reserved_id_and_status_gives_exactly_the_direct_build() -> None:
    from datetime import UTC, datetime

    from mcbadge.issuer.build import build_credential, place
    from mcbadge.issuer.core import status_entries

    common = {
        "issuer": {"id": "did:example:academy", "type": ["Profile"], "name": "Academy"},
        "achievement": ACHIEVEMENT,
        "recipient_email": "t1@school.example",
        "valid_from": datetime(2026, 9, 1, tzinfo=UTC),
        "evidence": ["https://portfolio.example/t1"],
        "salt": "fixed-salt",
    }
    provisional = build_credential(credential_id="urn:uuid:provisional", **common)
    lists = "https://provider.test/status/"
    for indexes in (
        {},
        {"revocation": (f"{lists}revocation-1.json", 17)},
        {"revocation": (f"{lists}revocation-1.json", 17), "suspension": (f"{lists}s-1.json", 9)},
    ):
        entries = status_entries(indexes)
        reserved = "urn:uuid:1d6f8a52-3c0e-4f6b-9a57-2f1e0c4b8d31"
        direct = build_credential(credential_id=reserved, credential_status=entries, **common)
        placed = place(provisional, reserved, entries)
        assert placed == direct
        assert list(placed) == list(direct)  # same members in the same order
    assert provisional["id"] == "urn:uuid:provisional"  # the checked build is not changed


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "jwt", "vc+jwt"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_each_outcome_is_the_recorded_credential_and_it_verifies(
    tmp_path: Path, jobs: int, fmt: str
) -> None:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import verify_proof

    with IssuerStore(f"sqlite:///{tmp_path / 'r.db'}") as store:
        issuer = Issuer(
            {"name": "Academy"},
            SigningKey.generate(),
            format=fmt,
            registry=store,
            status_base_url="https://provider.test/status/",
        )
        rows = [RosterRow(f"r{n}", f"t{n}@school.example", "csp") for n in range(24)]
        result = issuer.issue_batch(rows, catalog={"csp": ACHIEVEMENT}, jobs=jobs)
        assert result.summary() == {"issued": 24, "reemitted": 0, "failed": 0}
        ids = set()
        for outcome in result.outcomes:
            issued = outcome.issued
            assert issued is not None
            assert issued.is_jwt == (fmt in ("jwt", "vc+jwt"))
            assert issued.document == store.get(issued.credential_id).document
            ids.add(issued.credential_id)
            verdict = verify_proof(issued.document, OfflineResolver())
            assert verdict.verified, verdict.errors
            if fmt == "vc+jwt":
                assert verdict.format == "vc+jwt"
            if isinstance(issued.document, dict):
                list_url, index = issued.status_indexes["revocation"]
                assert issued.document["id"] == issued.credential_id
                entry = issued.document["credentialStatus"]
                assert (entry["statusListCredential"], entry["statusListIndex"]) == (
                    list_url,
                    str(index),
                )
        assert len(ids) == 24
        again = issuer.issue_batch(rows, catalog={"csp": ACHIEVEMENT}, jobs=jobs)
        assert again.summary() == {"issued": 0, "reemitted": 24, "failed": 0}
        assert [o.issued.document for o in again.outcomes if o.issued] == [
            o.issued.document for o in result.outcomes if o.issued
        ]
