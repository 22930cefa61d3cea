"""The issuer registry on PostgreSQL: reservation, idempotency, distinct indexes across
processes, status changes and publishing (skipped when MCBADGE_TEST_PG_URL is unset)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mcbadge.errors import RegistryError
from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey

pytestmark = pytest.mark.postgres

ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.test/achievements/pg",
    "type": ["Achievement"],
    "name": "Postgres Badge",
    "description": "d",
    "criteria": {"narrative": "n"},
}


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("MCBADGE_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("MCBADGE_TEST_PG_URL is not set under CI")
        pytest.skip("MCBADGE_TEST_PG_URL is not set")
    return url


@pytest.fixture
def store(pg_url: str) -> Iterator[IssuerStore]:
    with IssuerStore(pg_url) as registry:
        yield registry


def test_batch_on_two_workers_is_idempotent_with_distinct_indexes(store: IssuerStore) -> None:
    # A fresh DID per test keeps runs independent in a shared database.
    issuer = Issuer(
        {"name": "PG", "id": None},
        SigningKey.generate(),
        registry=store,
        status_base_url=f"https://status.test/{uuid.uuid4().hex}/",
        suspension=True,
    )
    rows = [RosterRow(f"r{n}", f"t{n}@school.example", "pg") for n in range(12)]
    first = issuer.issue_batch(rows, catalog={"pg": ACHIEVEMENT}, jobs=2)
    assert first.summary() == {"issued": 12, "reemitted": 0, "failed": 0}
    again = issuer.issue_batch(rows, catalog={"pg": ACHIEVEMENT}, jobs=2)
    assert again.summary() == {"issued": 0, "reemitted": 12, "failed": 0}
    indexes = {o.issued.status_indexes["suspension"] for o in first.outcomes if o.issued}
    assert len(indexes) == 12

    victim = first.outcomes[0].issued
    assert victim is not None
    record = issuer.revoke(victim.credential_id, "test")
    assert record.revoked
    assert record.suspended  # its one status entry is the suspension entry
    with pytest.raises(RegistryError) as caught:
        issuer.unsuspend(victim.credential_id)
    assert caught.value.code == "registry.revoked"
    published = issuer.publish()
    assert len(published.status_lists) == 2
    assert published.revocation_list["revokedCredential"][0]["id"] == victim.credential_id
