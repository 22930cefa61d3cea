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
