"""``mcbadge serve-token create|list|revoke``: the operator's access tokens for ``mcbadge
serve`` (a badge platform sends one as ``Authorization: Bearer <token>``), and ``mcbadge
audit``: who issued, revoked or suspended what through the service, and who created or
revoked which token.

A token is printed once, when it is created (alone on stdout, so a script can capture it);
the registry keeps only its SHA-256. Its token id (the first 12 hex digits of the digest)
names it in ``list``, ``revoke`` and the audit records.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_OK, app
from mcbadge.cli.cmd_issue import failure, say_registry, usage

token_app = typer.Typer(help="Access tokens of mcbadge serve: create, list, revoke.")
app.add_typer(token_app, name="serve-token")

_DB_HELP = "Registry SQLAlchemy URL (default: the per-user registry file)."
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``3600s``, ``2w`` (or several: ``1d12h``)."""
    parts = re.fullmatch(r"(?:\s*\d+\s*[smhdw])+\s*", text.lower())
    if parts is None:
        raise ValueError(f"{text!r} is not a duration (for example 90d, 12h, 30m, 1d12h)")
    seconds = sum(
        int(number) * _UNITS[unit]
        for number, unit in re.findall(r"(\d+)\s*([smhdw])", text.lower())
    )
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=seconds)


def _when(value: datetime | None) -> str:
    return "never" if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


@token_app.command("create")
def create_command(
    client: Annotated[
        str, typer.Option("--client", help="Who the token is for (named in audit records).")
    ],
    issuer: Annotated[
        list[str],
        typer.Option("--issuer", help="An issuer DID the token may act for; repeatable."),
    ],
    expires_in: Annotated[
        str | None,
        typer.Option("--expires-in", help="Lifetime, e.g. 90d or 12h (default: until revoked)."),
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Create a service token; it is printed ONCE on stdout (store it now)."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import AccessTokenStore, Registry
    from mcbadge.registry.audit import operator_actor

    ttl = None
    if expires_in is not None:
        try:
            ttl = parse_duration(expires_in)
        except ValueError as exc:
            raise usage("serve-token create", f"--expires-in: {exc}") from None
    try:
        with Registry.open(db) as registry:
            say_registry("serve-token create", registry.location)
            issued = AccessTokenStore(registry).issue(
                client, issuer_ids=issuer, ttl=ttl, actor=operator_actor()
            )
    except MCBadgeError as exc:
        raise failure("serve-token create", exc.message, exc.code) from None
    grant = issued.grant
    typer.echo(
        f"mcbadge serve-token create: token id {grant.token_id} for {grant.client_id}, "
        f"issuers {', '.join(sorted(grant.issuer_ids))}, expires {_when(grant.expires_at)}",
        err=True,
    )
    typer.echo(
        "mcbadge serve-token create: store this token now (a secrets manager or the client's "
        "configuration): it is shown only this once, the registry keeps only its SHA-256. "
        f"Revoke it with: mcbadge serve-token revoke {grant.token_id}",
        err=True,
    )
    typer.echo(issued.value)
    raise typer.Exit(EXIT_OK)


@token_app.command("list")
def list_command(
    all_tokens: Annotated[
        bool, typer.Option("--all", help="Also list revoked and expired tokens.")
    ] = False,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """List tokens (never their values): id, client, kind, issuers, expiry."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import AccessTokenStore, Registry

    try:
        with Registry.open(db) as registry:
            say_registry("serve-token list", registry.location)
            store = AccessTokenStore(registry)
            active = store.list()
            shown = store.list(include_inactive=True) if all_tokens else active
    except MCBadgeError as exc:
        raise failure("serve-token list", exc.message, exc.code) from None
    valid = {grant.token_id for grant in active}
    now = datetime.now(UTC)
    if not shown:
        typer.echo("no tokens" if all_tokens else "no valid tokens (--all shows the others)")
    for grant in shown:
        if grant.token_id in valid:
            state = "valid"
        elif grant.expires_at is not None and grant.expires_at <= now:
            state = "expired"
        else:
            state = "revoked"
        typer.echo(
            f"{grant.token_id}  {state:<7}  {grant.kind:<7}  {grant.client_id}  "
            f"issuers={','.join(sorted(grant.issuer_ids))}  expires={_when(grant.expires_at)}"
        )
    raise typer.Exit(EXIT_OK)


@token_app.command("revoke")
def revoke_command(
    token_id: Annotated[str, typer.Argument(help="The token id (from create or list).")],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Revoke a token: the service refuses it from the next request on."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import AccessTokenStore, Registry
    from mcbadge.registry.audit import audited, operator_actor

    actor = operator_actor()
    try:
        with Registry.open(db) as registry:
            say_registry("serve-token revoke", registry.location)
            # a refusal (an unknown token id) is audited too, as a refused revocation is
            with audited(registry, actor, "token.revoke", issuer_id=None, target=token_id):
                grant = AccessTokenStore(registry).revoke(token_id, actor=actor)
    except MCBadgeError as exc:
        raise failure("serve-token revoke", exc.message, exc.code) from None
    typer.echo(f"{grant.token_id}: revoked (it was {grant.client_id}'s)")
    raise typer.Exit(EXIT_OK)


@app.command("audit")
def audit_command(
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Only records of this issuer DID.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Only records about this credential id or token id."),
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="Only records of this client.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only records at or after this UTC time (ISO 8601)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="The newest N records.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Show the audit records: who issued, revoked, suspended or unsuspended which
    credential, and who created or revoked which access token, when, with what outcome."""
    from dataclasses import asdict

    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import AuditLog, Registry

    if limit < 1:
        raise usage("audit", "--limit must be at least 1")
    if since is not None:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise usage("audit", f"--since {since!r} is not an ISO 8601 time") from None
        if moment.utcoffset() is None:
            moment = moment.replace(tzinfo=UTC)
        since = moment.astimezone(UTC).isoformat(timespec="microseconds")
    try:
        with Registry.open(db) as registry:
            say_registry("audit", registry.location)
            records = AuditLog(registry).records(
                issuer_id=issuer, target=target, client=client, since=since, limit=limit
            )
    except MCBadgeError as exc:
        raise failure("audit", exc.message, exc.code) from None
    for record in records:
        if as_json:
            typer.echo(json.dumps(asdict(record), sort_keys=True))
            continue
        who = record.client + (f" [token {record.token_id}]" if record.token_id else "")
        line = f"{record.at}  {record.action:<12} {record.outcome:<10} {who}"
        if record.target:
            line += f"  {record.target}"
        if record.issuer_id:
            line += f"  issuer={record.issuer_id}"
        if record.detail:
            line += f"  ({record.detail})"
        typer.echo(line)
    if not records and not as_json:
        typer.echo("no audit records")
    raise typer.Exit(EXIT_OK)
