"""``mcbadge serve-token create|list|revoke`` and ``mcbadge audit``: the token printed once
and alone on stdout, only its digest stored, its id naming it everywhere, revocation taking
effect at once, every token change audited with the operator, exit codes 0/1/64."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from mcbadge.cli import main
from mcbadge.cli.cmd_tokens import parse_duration
from mcbadge.registry import AccessTokenStore, Registry

ISSUER = "did:web:badges.provider.example"
OTHER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


def create(db: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str, str]:
    base = ["serve-token", "create", "--client", "badge-platform", "--issuer", ISSUER]
    code = main([*base, *extra, "--db", db])
    assert code == 0
    captured = capsys.readouterr()
    return captured.out, captured.err, captured.out.strip()


def test_create_prints_the_token_once_alone_on_stdout_and_stores_only_its_digest(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err, token = create(db, capsys, "--issuer", OTHER)
    assert out == token + "\n"
    assert token.startswith("mcb_")
    assert "shown only this once" in err
    assert f"registry sqlite:///{tmp_path / 'registry.db'}" in err
    with Registry.open(db) as registry:
        grant = AccessTokenStore(registry).lookup(token)
    assert grant is not None
    assert grant.issuer_ids == {ISSUER, OTHER}
    assert grant.expires_at is None
    assert f"token id {grant.token_id}" in err
    with sqlite3.connect(tmp_path / "registry.db") as conn:
        dumped = "\n".join(conn.iterdump())
    assert token not in dumped
    assert token[4:] not in dumped
    # listing shows the id, never the token
    assert main(["serve-token", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert grant.token_id in listed
    assert "badge-platform" in listed
    assert token not in listed


def test_expiry_revocation_and_listing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, short = create(db, capsys, "--expires-in", "2h")
    _, _, doomed = create(db, capsys)
    with Registry.open(db) as registry:
        store = AccessTokenStore(registry)
        short_grant = store.lookup(short)
        doomed_grant = store.lookup(doomed)
    assert short_grant is not None
    assert doomed_grant is not None
    assert short_grant.expires_at is not None
    assert main(["serve-token", "revoke", doomed_grant.token_id, "--db", db]) == 0
    assert "revoked" in capsys.readouterr().out
    with Registry.open(db) as registry:
        assert AccessTokenStore(registry).lookup(doomed) is None
        assert AccessTokenStore(registry).lookup(short) is not None
    assert main(["serve-token", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert short_grant.token_id in listed
    assert doomed_grant.token_id not in listed
    assert main(["serve-token", "list", "--all", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    states = {line.split()[0]: line.split()[1] for line in lines}
    assert states == {short_grant.token_id: "valid", doomed_grant.token_id: "revoked"}


def test_token_changes_are_audited_with_the_operator(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, token = create(db, capsys)
    with Registry.open(db) as registry:
        grant = AccessTokenStore(registry).lookup(token)
    assert grant is not None
    assert main(["serve-token", "revoke", grant.token_id, "--db", db]) == 0
    assert main(["serve-token", "revoke", grant.token_id, "--db", db]) == 0
    assert main(["serve-token", "revoke", "000000000000", "--db", db]) == 1  # refused: audited
    assert main(["serve-client", "revoke", "no-such-client", "--db", db]) == 1
    capsys.readouterr()
    assert main(["audit", "--json", "--db", db]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["action"], r["outcome"], r["target"]) for r in records] == [
        ("token.create", "ok", grant.token_id),
        ("token.revoke", "ok", grant.token_id),
        ("token.revoke", "unchanged", grant.token_id),
        ("token.revoke", "access.unknown", "000000000000"),
        ("client.revoke", "oauth.unknown", "no-such-client"),
    ]
    assert all(r["client"].startswith("operator ") for r in records)
    assert token not in json.dumps(records)
    assert main(["audit", "--target", grant.token_id, "--limit", "1", "--db", db]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 1
    assert "token.revoke" in shown[0]
    assert "unchanged" in shown[0]
    assert main(["audit", "--client", "nobody", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "no audit records"
    assert main(["audit", "--since", "2999-01-01", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "no audit records"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["serve-token", "revoke", "000000000000"], 1, "access.unknown"),
        (
            ["serve-token", "create", "--client", "x", "--issuer", "not-a-did"],
            1,
            "access.issuers",
        ),
        (
            ["serve-token", "create", "--client", "x", "--issuer", ISSUER, "--expires-in", "soon"],
            64,
            "not a duration",
        ),
        (["serve-token", "create", "--client", "x"], 64, "--issuer"),
        (["audit", "--since", "yesterday"], 64, "ISO 8601"),
        (["audit", "--limit", "0"], 64, "--limit"),
    ],
)
def test_bad_requests_exit_with_a_clear_message(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert main([*args, "--db", db]) == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_durations() -> None:
    assert parse_duration("90d") == timedelta(days=90)
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2w") == timedelta(weeks=2)
    for bad in ("", "0s", "12", "1y", "-1d", "d"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


def test_status_changes_and_issues_from_the_cli_are_audited_with_the_operator(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.issuer import SigningKey
    from mcbadge.registry import AuditLog

    key = SigningKey.generate()
    key.save(tmp_path / "key.json")
    (tmp_path / "issuer.json").write_text(json.dumps({"name": "Academy"}), encoding="utf-8")
    achievement = {
        "id": "https://provider.test/achievements/csp",
        "type": ["Achievement"],
        "name": "Teaching CS Principles",
        "description": "Taught a unit.",
        "criteria": {"narrative": "Taught a full unit."},
    }
    (tmp_path / "csp.json").write_text(json.dumps(achievement), encoding="utf-8")
    issue = ["issue", "--achievement", str(tmp_path / "csp.json"), "--db", db]
    issue += ["--issuer", str(tmp_path / "issuer.json"), "--key", str(tmp_path / "key.json")]
    issue += ["--status-url", "https://provider.test/status/"]
    assert main([*issue, "--recipient", "a@school.example"]) == 0
    credential_id = json.loads(capsys.readouterr().out)["id"]
    with Registry.open(db) as registry:
        assert registry.get(credential_id).issuer_id == key.did_key
    assert main(["revoke", credential_id, "--reason", "withdrawn", "--db", db]) == 0
    unknown = "urn:uuid:00000000-0000-4000-8000-000000000000"
    assert main(["revoke", unknown, "--reason", "typo", "--db", db]) == 1
    capsys.readouterr()
    with Registry.open(db) as registry:
        records = AuditLog(registry).records()
    assert [(r.action, r.target, r.outcome) for r in records] == [
        ("issue", credential_id, "ok"),
        ("revoke", credential_id, "ok"),
        ("revoke", unknown, "registry.unknown_credential"),
    ]
    assert all(r.client.startswith("operator ") and r.token_id is None for r in records)
    assert records[1].detail == "withdrawn"
