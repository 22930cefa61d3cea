"""``mcbadge serve-learner invite`` and ``mcbadge serve-client create|revoke``: the secret
alone on stdout, usable; errors as one sentence with their code."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcbadge.cli.app import main
from mcbadge.registry import Registry
from mcbadge.registry.audit import AuditLog
from mcbadge.registry.oauth import OAuthStore
from mcbadge.registry.ob_store import LearnerStore, learner_key

DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def test_invite_prints_a_code_the_teacher_can_sign_in_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["serve-learner", "invite", "Ada@School.example", "--db", db]) == 0
    captured = capsys.readouterr()
    code = captured.out.strip()
    assert "ada@school.example" in captured.err
    assert code not in captured.err
    with Registry.open(db) as registry:
        assert LearnerStore(registry).sign_in("ada@school.example", code) == learner_key(
            "ada@school.example"
        )
    assert main(["serve-learner", "invite", "not-an-address", "--db", db]) == 1
    assert "input.bad_email" in capsys.readouterr().err
    assert main(["serve-learner", "invite", "a@b.example", "--expires-in", "1y", "--db", db]) == 64


def test_serve_client_create_and_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["serve-client", "create", "--name", "platform", "--issuer", DID, "--db", db]) == 0
    client_id, secret = capsys.readouterr().out.split()
    with Registry.open(db) as registry:
        client = OAuthStore(registry).client(client_id)
        assert client is not None
        assert client.kind == "machine"
        assert client.issuer_ids == frozenset({DID})
        assert client.check_secret(secret)
    assert main(["serve-client", "revoke", client_id, "--db", db]) == 0
    with Registry.open(db) as registry:
        assert OAuthStore(registry).client(client_id) is None
        (record,) = AuditLog(registry).records(action="client.revoke")
        assert (record.target, record.outcome) == (client_id, "ok")
        assert record.client.startswith("operator ")
    assert main(["serve-client", "create", "--name", "x", "--issuer", "nope", "--db", db]) == 1
    assert "oauth.issuers" in capsys.readouterr().err
