"""One idempotency rule for Issuer.issue and Issuer.issue_batch: an award is (issuer,
achievement id, recipient); asking for it again by either path re-emits the credential
issued for it, never a second one. An explicit key names an award instead; a key re-used for
another achievement or recipient is refused. Registries made before the rule keep working."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mcbadge.errors import RegistryError
from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey
from mcbadge.registry import SCHEMA_VERSION, Registry

ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}
# The catalog knows the achievement by its id and by its file stem, as load_catalog does.
CATALOG = {ACHIEVEMENT["id"]: ACHIEVEMENT, "csp": ACHIEVEMENT}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IssuerStore]:
    with IssuerStore(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        yield registry


@pytest.fixture
def issuer(store: IssuerStore) -> Issuer:
    return Issuer(
        {"name": "Academy"},
        SigningKey.generate(),
        registry=store,
        status_base_url="https://provider.test/status/",
    )


def credentials(store: IssuerStore, issuer: Issuer) -> list[Any]:
    return list(store.records(issuer.issuer_id))


def test_issue_then_batch_with_a_row_id_re_emits_the_same_credential(
    issuer: Issuer, store: IssuerStore
) -> None:
    first = issuer.issue(ACHIEVEMENT, "Teacher@School.example")
    result = issuer.issue_batch(
        [RosterRow("row-7", "teacher@school.example", "csp")], catalog=CATALOG
    )
    (outcome,) = result.outcomes
    assert outcome.issued is not None
    assert outcome.issued.reemitted
    assert outcome.issued.credential_id == first.credential_id
    assert outcome.issued.document == first.document
    assert result.summary() == {"issued": 0, "reemitted": 1, "failed": 0}
    assert len(credentials(store, issuer)) == 1


def test_batch_then_issue_and_a_second_roster_with_other_row_ids_re_emit(
    issuer: Issuer, store: IssuerStore
) -> None:
    first = issuer.issue_batch([RosterRow("r1", "a@school.example", "csp")], catalog=CATALOG)
    assert first.summary() == {"issued": 1, "reemitted": 0, "failed": 0}
    issued = first.outcomes[0].issued
    assert issued is not None
    again = issuer.issue(ACHIEVEMENT, "a@school.example")
    assert again.reemitted
    assert again.credential_id == issued.credential_id
    # Next term's export numbers its rows differently, and names the achievement by its id.
    second = issuer.issue_batch(
        [RosterRow("2025-001", "A@school.example ", ACHIEVEMENT["id"])], catalog=CATALOG
    )
    assert second.summary() == {"issued": 0, "reemitted": 1, "failed": 0}
    assert second.outcomes[0].issued is not None
    assert second.outcomes[0].issued.credential_id == issued.credential_id
    assert len(credentials(store, issuer)) == 1


def test_an_explicit_key_names_its_award_and_a_conflicting_reuse_is_refused(
    issuer: Issuer, store: IssuerStore
) -> None:
    first = issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key="AW-1")
    assert issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key="AW-1").reemitted
    # A new key is a deliberate second award for the same teacher and achievement.
    second = issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key="AW-2")
    assert not second.reemitted
    assert second.credential_id != first.credential_id
    # Without a key the award (issuer, achievement, teacher) exists: its first credential.
    plain = issuer.issue(ACHIEVEMENT, "a@school.example")
    assert plain.reemitted
    assert plain.credential_id == first.credential_id
    # The same key for another teacher is refused, by both paths; nothing is reserved.
    with pytest.raises(RegistryError) as caught:
        issuer.issue(ACHIEVEMENT, "b@school.example", idempotency_key="AW-1")
    assert caught.value.code == "registry.key_conflict"
    assert "AW-1" in caught.value.message
    other = dict(ACHIEVEMENT, id="https://provider.test/achievements/python")
    with pytest.raises(RegistryError) as caught:
        issuer.issue(other, "a@school.example", idempotency_key="AW-1")
    assert caught.value.code == "registry.key_conflict"
    result = issuer.issue_batch(
        [RosterRow("r1", "b@school.example", "csp", key="AW-1")], catalog=CATALOG
    )
    assert [(o.code, o.issued) for o in result.outcomes] == [("registry.key_conflict", None)]
    assert len(credentials(store, issuer)) == 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_key_repeated_in_one_roster_for_another_teacher_is_refused(
    issuer: Issuer, store: IssuerStore, jobs: int
) -> None:
    rows = [
        RosterRow("r1", "a@school.example", "csp", key="AW-9"),
        RosterRow("r2", "b@school.example", "csp", key="AW-9"),  # a copy-paste slip
        RosterRow("r3", "a@school.example", "csp", key="AW-9"),  # the same award again
        RosterRow("r4", "c@school.example", "csp"),
    ]
    result = issuer.issue_batch(rows, catalog=CATALOG, jobs=jobs)
    ok, conflict, repeat, plain = result.outcomes
    assert ok.issued is not None
    assert not ok.issued.reemitted
    assert conflict.issued is None
    assert conflict.code == "registry.key_conflict"
    assert repeat.issued is not None
    assert repeat.issued.reemitted
    assert repeat.issued.credential_id == ok.issued.credential_id
    assert plain.issued is not None
    assert not plain.issued.reemitted
    assert len(credentials(store, issuer)) == 2


def test_a_registry_made_before_the_rule_keeps_its_awards(tmp_path: Path) -> None:
    """A version-1 registry (keys were roster row ids for issue-batch, ``"<e-mail>
    <achievement>"`` for issue; no recipient recorded) migrates, and re-running yesterday's
    roster, or issuing one of its awards with ``issue``, issues nothing new."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with IssuerStore(url) as store:
        issuer = Issuer(
            {"name": "Academy"},
            SigningKey.generate(),
            registry=store,
            status_base_url="https://provider.test/status/",
        )
        key = issuer.active_key
        by_row = issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key="r1")
        by_issue = issuer.issue(ACHIEVEMENT, "b@school.example")
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # what version 1 stored: no recipients, no award index
        conn.exec_driver_sql("UPDATE credentials SET recipient_hash = NULL")
        conn.exec_driver_sql("DROP INDEX ix_credentials_award")
        conn.exec_driver_sql("UPDATE schema_version SET version = 1")
        conn.exec_driver_sql(
            f"UPDATE credentials SET idempotency_key = 'b@school.example {ACHIEVEMENT['id']}' "
            f"WHERE id = '{by_issue.credential_id}'"
        )
    engine.dispose()

    with IssuerStore(url) as store:
        assert store.registry.schema_version() == SCHEMA_VERSION
        issuer = Issuer(
            {"name": "Academy"},
            key,
            registry=store,
            status_base_url="https://provider.test/status/",
        )
        rows = [
            RosterRow("r1", "a@school.example", "csp"),  # yesterday's roster, row ids as keys
            RosterRow("r2", "b@school.example", "csp"),  # issued by `mcbadge issue`
        ]
        result = issuer.issue_batch(rows, catalog=CATALOG)
        assert result.summary() == {"issued": 0, "reemitted": 2, "failed": 0}
        ids = [o.issued.credential_id for o in result.outcomes if o.issued is not None]
        assert ids == [by_row.credential_id, by_issue.credential_id]
        again = issuer.issue(ACHIEVEMENT, "a@school.example")
        assert again.reemitted
        assert again.credential_id == by_row.credential_id
        assert len(list(store.records(issuer.issuer_id))) == 2


def test_the_migration_is_recorded_and_a_fresh_registry_has_the_award_index(
    tmp_path: Path,
) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'new.db'}") as registry:
        assert registry.schema_version() == SCHEMA_VERSION
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    names = {index["name"] for index in sa.inspect(engine).get_indexes("credentials")}
    engine.dispose()
    assert "ix_credentials_award" in names


def test_the_registry_keeps_no_e_mail_address_in_clear(
    issuer: Issuer, store: IssuerStore, tmp_path: Path
) -> None:
    issuer.issue(ACHIEVEMENT, "a@school.example")
    issuer.issue_batch([RosterRow("r2", "b@school.example", "csp")], catalog=CATALOG)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT idempotency_key, recipient_hash FROM credentials").all()
    engine.dispose()
    assert len(rows) == 2
    for key, recipient in rows:
        assert "@" not in key
        assert recipient.startswith("sha256$")
        assert key.startswith(recipient)


def test_an_empty_explicit_key_is_refused(issuer: Issuer, store: IssuerStore) -> None:
    from mcbadge.errors import InputError

    with pytest.raises(InputError) as caught:
        issuer.issue(ACHIEVEMENT, "a@school.example", idempotency_key=" ")
    assert caught.value.code == "input.bad_idempotency_key"
    assert credentials(store, issuer) == []
