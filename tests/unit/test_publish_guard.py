"""Publishing never loses what a status folder already publishes (issue #16, finding 6).

The folder is what a provider hosts. Publishing into it from another registry, for another
issuer or with a key that is not the issuer's, or in a way that would clear a revocation,
is refused with a PublishError (stable code) and writes nothing; the same registry
re-publishing keeps working, and an explicit unsuspend may clear its suspension bit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import PublishError, RegistryError
from mcbadge.issuer import Issuer, IssuerStore, SigningKey
from mcbadge.publish import MANIFEST_NAME
from mcbadge.registry import Registry
from mcbadge.status import decode_bitstring, status_value_at

BASE = "https://academy.test/status/"
DID = "did:web:academy.test"
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://academy.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}


def issuer_for(
    db: Path,
    key: SigningKey | list[SigningKey],
    *,
    did: str = DID,
    suspension: bool = False,
) -> Issuer:
    return Issuer(
        {"id": did, "type": ["Profile"], "name": "Academy", "url": "https://academy.test"},
        key,
        registry=f"sqlite:///{db}",
        status_base_url=BASE,
        suspension=suspension,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def published(tmp_path: Path, key: SigningKey) -> tuple[Issuer, str, Path]:
    """Registry A issued two credentials, revoked one and published into site/status."""
    first = issuer_for(tmp_path / "a.sqlite3", key)
    revoked = first.issue(ACHIEVEMENT, "ada@school.test").credential_id
    first.issue(ACHIEVEMENT, "grace@school.test")
    first.revoke(revoked, "issued to the wrong teacher")
    folder = tmp_path / "site" / "status"
    first.publish(folder)
    return first, revoked, folder


def test_another_registry_cannot_overwrite_a_published_revocation(
    published: tuple[Issuer, str, Path], tmp_path: Path, key: SigningKey
) -> None:
    """The finding: the same issuer and key, the docs' registry.sqlite3 vs the default
    registry; the second publish used to wipe the revocation silently."""
    first, revoked, folder = published
    before = snapshot(folder)
    second = issuer_for(tmp_path / "b.sqlite3", key)
    second.issue(ACHIEVEMENT, "ada@school.test")
    with pytest.raises(PublishError) as refused:
        second.publish(folder)
    assert refused.value.code == "publish.other_registry"
    assert f"registry sqlite:///{tmp_path / 'a.sqlite3'}" in refused.value.message
    assert f"--db sqlite:///{tmp_path / 'a.sqlite3'}" in refused.value.message
    assert snapshot(folder) == before  # nothing written
    revocations = json.loads((folder / "revocations.json").read_text())
    assert [entry["id"] for entry in revocations["revokedCredential"]] == [revoked]
    # The registry that published it still can (idempotent, and a new revocation appears).
    first.publish(folder)
    first.publish(folder)
    assert json.loads((folder / "revocations.json").read_text()) == revocations


def test_without_the_manifest_the_bits_and_entries_still_protect_revocations(
    published: tuple[Issuer, str, Path], tmp_path: Path, key: SigningKey
) -> None:
    """A folder published by an older mcbadge (no manifest): a set revocation bit or a
    revocations.json entry that the new publish would lose is refused."""
    _, revoked, folder = published
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
    before = snapshot(folder)
    second = issuer_for(tmp_path / "b.sqlite3", key)
    second.issue(ACHIEVEMENT, "ada@school.test")
    with pytest.raises(PublishError) as refused:
        second.publish(folder)
    assert refused.value.code == "publish.would_clear_revocation"
    assert "revocation-1.json" in refused.value.message
    assert snapshot(folder) == before

    (folder / "revocation-1.json").unlink()
    with pytest.raises(PublishError) as dropped:
        second.publish(folder)
    assert dropped.value.code == "publish.would_drop_revocation"
    assert revoked in dropped.value.message
    assert (folder / "revocations.json").read_bytes() == before["revocations.json"]


def test_a_list_the_registry_never_allocated_is_another_registrys(
    published: tuple[Issuer, str, Path], tmp_path: Path, key: SigningKey
) -> None:
    _, _, folder = published
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
    empty = issuer_for(tmp_path / "empty.sqlite3", key)  # no lists at all
    with pytest.raises(PublishError) as refused:
        empty.publish(folder)
    assert refused.value.code == "publish.other_registry"
    assert "revocation-1.json" in refused.value.message


def test_another_issuer_or_key_is_refused_and_a_rotation_is_not(
    published: tuple[Issuer, str, Path], tmp_path: Path, key: SigningKey
) -> None:
    first, _, folder = published
    before = snapshot(folder)
    other = issuer_for(tmp_path / "a.sqlite3", SigningKey.generate(), did="did:web:other.test")
    with pytest.raises(PublishError) as issuer_refused:
        other.publish(folder)
    assert issuer_refused.value.code == "publish.other_issuer"
    assert "did:web:other.test" in issuer_refused.value.message

    stranger = issuer_for(tmp_path / "a.sqlite3", SigningKey.generate())  # key.json remade
    with pytest.raises(PublishError) as key_refused:
        stranger.publish(folder)
    assert key_refused.value.code == "publish.other_key"
    assert snapshot(folder) == before

    rotated = issuer_for(tmp_path / "a.sqlite3", [SigningKey.generate(), key])
    rotated.publish(folder)  # the old key is still the issuer's: allowed
    assert snapshot(folder) != before
    # Dropping the new key again is refused: the folder is now signed by it.
    with pytest.raises(PublishError) as back:
        first.publish(folder)
    assert back.value.code == "publish.other_key"


def test_same_registry_may_clear_a_suspension_only_by_unsuspending(
    tmp_path: Path, key: SigningKey
) -> None:
    first = issuer_for(tmp_path / "a.sqlite3", key, suspension=True)
    issued = first.issue(ACHIEVEMENT, "ada@school.test")
    _list_url, index = issued.status_indexes["suspension"]
    folder = tmp_path / "status"
    first.suspend(issued.credential_id, "under review")
    first.publish(folder)
    first.unsuspend(issued.credential_id, "review closed")
    first.publish(folder)  # an explicit unsuspend clears the bit
    listed = json.loads((folder / "suspension-1.json").read_text())
    bits = decode_bitstring(listed["credentialSubject"]["encodedList"])
    assert status_value_at(bits, index) == 0

    # Another registry whose same-named list lacks a suspension published here: refused.
    first.suspend(issued.credential_id, "under review again")
    first.publish(folder)
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
    second = issuer_for(tmp_path / "b.sqlite3", key, suspension=True)
    second.issue(ACHIEVEMENT, "ada@school.test")
    with pytest.raises(PublishError) as refused:
        second.publish(folder)
    assert refused.value.code in {"publish.would_clear_suspension", "publish.other_registry"}
    assert refused.value.code == "publish.would_clear_suspension"
    assert str(index) in refused.value.message


def test_unreadable_files_are_not_overwritten(
    published: tuple[Issuer, str, Path],
) -> None:
    first, _, folder = published
    (folder / "revocations.json").write_text("{not json")
    with pytest.raises(PublishError) as refused:
        first.publish(folder)
    assert refused.value.code == "publish.unreadable"
    assert (folder / "revocations.json").read_text() == "{not json"


def test_a_kill_mid_publish_leaves_whole_files_and_nothing_lost(
    published: tuple[Issuer, str, Path], tmp_path: Path, key: SigningKey
) -> None:
    """SIGKILL after the first file of a publish is renamed into place: every file in the
    folder is whole, the revocation is still published, and publishing again works."""
    first, revoked, folder = published
    newly = first.issue(ACHIEVEMENT, "alan@school.test").credential_id
    first.revoke(newly, "withdrawn")
    first.registry.close()
    key_path = tmp_path / "key.json"
    key.save(key_path)
    script = textwrap.dedent(
        f"""
        import os, signal
        import mcbadge.publish as publish
        from mcbadge.issuer import Issuer, SigningKey

        real = publish.write_atomic
        def write_then_die(path, data):
            real(path, data)
            os.kill(os.getpid(), signal.SIGKILL)
        publish.write_atomic = write_then_die
        issuer = Issuer(
            {{"id": "{DID}", "type": ["Profile"], "name": "Academy"}},
            SigningKey.load({str(key_path)!r}),
            registry={f"sqlite:///{tmp_path / 'a.sqlite3'}"!r},
            status_base_url="{BASE}",
        )
        issuer.publish({str(folder)!r})
        """
    )
    killed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, check=False
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    for path in folder.iterdir():
        json.loads(path.read_text())  # no half-written file, no temp file left behind
    assert not [p for p in folder.iterdir() if p.name.startswith(".revocation")]
    revocations = json.loads((folder / "revocations.json").read_text())
    assert revoked in [entry["id"] for entry in revocations["revokedCredential"]]
    again = issuer_for(tmp_path / "a.sqlite3", key)
    again.publish(folder)
    revocations = json.loads((folder / "revocations.json").read_text())
    assert {entry["id"] for entry in revocations["revokedCredential"]} == {revoked, newly}


# -- one issuer cannot change another issuer's credential in a shared registry -------------


def test_an_issuer_cannot_revoke_or_suspend_another_issuers_credential(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    store = IssuerStore(f"sqlite:///{db}")
    academy = Issuer(
        {"id": DID, "name": "Academy"},
        SigningKey.generate(),
        registry=store,
        status_base_url=BASE,
        suspension=True,
    )
    other = Issuer(
        {"id": "did:web:other.test", "name": "Other"},
        SigningKey.generate(),
        registry=store,
        status_base_url="https://other.test/status/",
        suspension=True,
    )
    issued = academy.issue(ACHIEVEMENT, "ada@school.test")
    for change in (other.revoke, other.suspend):
        with pytest.raises(RegistryError) as refused:
            change(issued.credential_id, "not mine")
        assert refused.value.code == "registry.unknown_credential"
    record = store.get(issued.credential_id)
    assert not record.revoked
    assert not record.suspended
    assert store.registry.status_events(issued.credential_id) == []
    academy.suspend(issued.credential_id, "review")
    with pytest.raises(RegistryError) as lifted:
        other.unsuspend(issued.credential_id)
    assert lifted.value.code == "registry.unknown_credential"
    assert store.get(issued.credential_id).suspended
    assert other.publish().revocation_list == {"revokedCredential": []}
    # The registry itself scopes the change (the check is in the changing transaction).
    registry = store.registry
    with pytest.raises(RegistryError):
        registry.revoke(issued.credential_id, "x", issuer_id="did:web:other.test")
    assert not registry.get(issued.credential_id).revoked
    assert registry.revoke(issued.credential_id, "x", issuer_id=DID).revoked
    store.close()


# -- one default registry for the library and the CLI ----------------------------------------


def test_library_and_cli_default_to_the_same_registry_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    key = SigningKey.generate()
    key.save(tmp_path / "key.json")
    (tmp_path / "issuer.json").write_text(json.dumps({"id": DID, "name": "Academy"}))
    (tmp_path / "csp.json").write_text(json.dumps(ACHIEVEMENT))
    expected = f"sqlite:///{tmp_path / 'data' / 'mcbadge' / 'registry.db'}"
    with Registry.open() as registry:
        assert registry.location == expected
    library = Issuer({"id": DID}, key, status_base_url=BASE)
    assert library.registry.location == expected
    issued = library.issue(ACHIEVEMENT, "ada@school.test")
    library.registry.close()

    common = ["--issuer", "issuer.json", "--key", "key.json"]
    said = f"registry {expected}"
    assert (
        main(["issue", "--achievement", "csp.json", "--recipient", "ada@school.test", *common]) == 0
    )
    out = capsys.readouterr()
    assert json.loads(out.out)["id"] == issued.credential_id  # the same registry: re-emitted
    assert said in out.err
    assert main(["revoke", issued.credential_id, "--reason", "error"]) == 0
    assert said in capsys.readouterr().err
    assert main(["status", "publish", "--out", "status", *common]) == 0
    assert said in capsys.readouterr().err
    assert not (tmp_path / "registry.sqlite3").exists()


def test_cli_publish_refusal_says_what_to_do(
    published: tuple[Issuer, str, Path],
    tmp_path: Path,
    key: SigningKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mcbadge.cli import main

    _, _, folder = published
    key.save(tmp_path / "key.json")
    (tmp_path / "issuer.json").write_text(json.dumps({"id": DID, "name": "Academy"}))
    other_db = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    args = ["--issuer", str(tmp_path / "issuer.json"), "--key", str(tmp_path / "key.json")]
    code = main(
        ["status", "publish", "--out", str(folder), *args, "--db", other_db, "--status-url", BASE]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "[publish.other_registry]" in err
    assert f"--db sqlite:///{tmp_path / 'a.sqlite3'}" in err
    assert "Traceback" not in err


def test_cli_revoke_did_scopes_the_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.cli import main

    db = tmp_path / "shared.sqlite3"
    academy = issuer_for(db, SigningKey.generate())
    credential = academy.issue(ACHIEVEMENT, "ada@school.test").credential_id
    academy.registry.close()
    url = f"sqlite:///{db}"
    assert (
        main(["revoke", credential, "--reason", "x", "--db", url, "--did", "did:web:o.test"]) == 1
    )
    assert "[registry.unknown_credential]" in capsys.readouterr().err
    assert main(["revoke", credential, "--reason", "x", "--db", url, "--did", DID]) == 0
    assert f"revoked, issued by {DID}" in capsys.readouterr().out
    assert os.path.exists(db)


@pytest.mark.postgres
def test_scoping_and_unsuspend_publishing_on_postgresql(tmp_path: Path) -> None:
    import uuid

    from pg_fixture import pg_url_or_skip

    url = pg_url_or_skip()
    host = f"pg-{uuid.uuid4().hex[:12]}.test"
    did, base = f"did:web:{host}", f"https://{host}/status/"
    store = IssuerStore(url)
    assert store.location.startswith("postgresql")
    academy = Issuer(
        {"id": did}, SigningKey.generate(), registry=store, status_base_url=base, suspension=True
    )
    other = Issuer(
        {"id": f"did:web:o{host}"},
        SigningKey.generate(),
        registry=store,
        status_base_url=f"https://o{host}/status/",
        suspension=True,
    )
    issued = academy.issue(ACHIEVEMENT, "ada@school.test")
    with pytest.raises(RegistryError) as refused:
        other.suspend(issued.credential_id, "not mine")
    assert refused.value.code == "registry.unknown_credential"
    assert not store.get(issued.credential_id).suspended
    folder = tmp_path / "status"
    academy.suspend(issued.credential_id, "review")
    academy.publish(folder)
    academy.unsuspend(issued.credential_id, "closed")
    academy.publish(folder)  # unsuspended_indexes on PostgreSQL allows clearing the bit
    _, index = issued.status_indexes["suspension"]
    listed = json.loads((folder / "suspension-1.json").read_text())
    assert status_value_at(decode_bitstring(listed["credentialSubject"]["encodedList"]), index) == 0
    store.close()
