"""Registry.status_events and Registry.unsuspended_indexes, exactly: written against the
mutants of scripts/mutation.sh that survived (docs/security.md, "Mutation testing"): a query
for another credential's events, swapped columns, a dropped suspend/unsuspend reason, or an
unsuspended_indexes without its filter passed every test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcbadge.registry import Registry


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        yield reg


ISSUER = "did:web:provider.test"
TEMPLATE = "https://status.example/{purpose}/{n}"


def _issued(registry: Registry, key: str) -> tuple[str, dict[str, int]]:
    reservation = registry.reserve(
        ISSUER, key, purposes=("revocation", "suspension"), list_url_template=TEMPLATE
    )
    registry.record_issued(reservation.credential_id, f'{{"id": "{key}"}}', "json")
    return reservation.credential_id, {p: e.index for p, e in reservation.entries.items()}


def test_status_events_are_the_credentials_own_in_order_with_reasons(
    registry: Registry,
) -> None:
    first, _ = _issued(registry, "a")
    second, _ = _issued(registry, "b")
    registry.suspend(first, "under review")
    registry.suspend(second, "other review")
    registry.unsuspend(first, "cleared")
    registry.revoke(first, "fraud")
    events = registry.status_events(first)
    assert [event[:3] for event in events] == [
        ("suspend", "suspension", "under review"),
        ("unsuspend", "suspension", "cleared"),
        ("revoke", "revocation", "fraud"),
    ]
    assert all(isinstance(event[3], str) and event[3].startswith("20") for event in events)
    assert [event[:3] for event in registry.status_events(second)] == [
        ("suspend", "suspension", "other review")
    ]
    assert registry.status_events(f"urn:uuid:{uuid.uuid4()}") == []


def test_unsuspended_indexes_are_only_the_explicitly_unsuspended(registry: Registry) -> None:
    cleared, cleared_at = _issued(registry, "cleared")
    still, _ = _issued(registry, "still")
    never, _ = _issued(registry, "never")
    again, _ = _issued(registry, "again")
    registry.suspend(cleared, "review")
    registry.unsuspend(cleared, "ok")
    registry.suspend(still, "review")
    registry.suspend(again, "review")
    registry.unsuspend(again, "ok")
    registry.suspend(again, "review again")
    registry.revoke(never, "fraud")  # a revocation event is not a suspension event
    entry = registry.get(cleared).entries["suspension"]
    assert registry.unsuspended_indexes(entry.list_id) == {cleared_at["suspension"]}
    revocation_list = registry.get(cleared).entries["revocation"].list_id
    assert registry.unsuspended_indexes(revocation_list) == set()
