"""``mcbadge serve-learner invite EMAIL``: a teacher's one-time sign-in code for the consent
page of the Open Badges API (``mcbadge serve``); ``mcbadge serve-client create|revoke``: the
operator's machine clients (OAuth 2.0 client credentials, acting for some issuers).

Secrets are printed once, alone on stdout (so a script can capture them); the registry keeps
only their SHA-256. Everything else goes to stderr.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_OK, app
from mcbadge.cli.cmd_issue import failure, say_registry, usage

learner_app = typer.Typer(help="Teachers who may sign in to the Open Badges API.")
client_app = typer.Typer(help="OAuth 2.0 machine clients of mcbadge serve.")
app.add_typer(learner_app, name="serve-learner")
app.add_typer(client_app, name="serve-client")

_DB_HELP = "Registry SQLAlchemy URL (default: the per-user registry file)."
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def _duration(text: str) -> timedelta:
    found = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if found is None or int(found[1]) == 0:
        raise ValueError(f"{text!r} is not a duration (for example 7d, 12h, 2w)")
    return timedelta(seconds=int(found[1]) * _UNITS[found[2]])


@learner_app.command("invite")
def invite_command(
    email: Annotated[str, typer.Argument(help="The teacher's e-mail address.")],
    expires_in: Annotated[
        str, typer.Option("--expires-in", help="How long the code may be used (at most 90d).")
    ] = "7d",
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Create (or renew) a teacher's one-time sign-in code; printed ONCE on stdout. Give it
    to the teacher by a channel you trust (in person, the school's mail)."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import Registry
    from mcbadge.registry.ob_store import LearnerStore

    try:
        ttl = _duration(expires_in)
        if ttl > timedelta(days=90):
            raise ValueError("--expires-in is at most 90d")
    except ValueError as exc:
        raise usage("serve-learner invite", str(exc)) from None
    try:
        with Registry.open(db) as registry:
            say_registry("serve-learner invite", registry.location)
            invite = LearnerStore(registry).invite(email, ttl=ttl)
    except MCBadgeError as exc:
        raise failure("serve-learner invite", exc.message, exc.code) from None
    expires = invite.expires_at.astimezone(UTC).isoformat(timespec="minutes")
    typer.echo(
        f"mcbadge serve-learner invite: sign-in code for {invite.email}, usable once until "
        f"{expires}; any earlier code of this teacher no longer works",
        err=True,
    )
    typer.echo(invite.code)
    raise typer.Exit(EXIT_OK)


@client_app.command("create")
def create_client_command(
    name: Annotated[str, typer.Option("--name", help="Who the client is (a badge platform).")],
    issuer: Annotated[
        list[str],
        typer.Option("--issuer", help="An issuer DID the client may act for; repeatable."),
    ],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Register a machine client (client credentials grant); prints 'CLIENT_ID CLIENT_SECRET'
    ONCE on stdout."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import Registry
    from mcbadge.registry.oauth import OAuthStore

    try:
        with Registry.open(db) as registry:
            say_registry("serve-client create", registry.location)
            client, secret = OAuthStore(registry).register_client(
                {"client_name": name, "scope": ""}, kind="machine", issuer_ids=issuer
            )
    except MCBadgeError as exc:
        raise failure("serve-client create", exc.message, exc.code) from None
    typer.echo(
        f"mcbadge serve-client create: client {client.client_id} ({name}) for "
        f"{', '.join(sorted(client.issuer_ids))}; store the secret now, it is shown only once. "
        "Get a token with grant_type=client_credentials at /oauth/token (HTTP Basic auth).",
        err=True,
    )
    typer.echo(f"{client.client_id} {secret}")
    raise typer.Exit(EXIT_OK)


@client_app.command("revoke")
def revoke_client_command(
    client_id: Annotated[str, typer.Argument(help="The client id.")],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Revoke a client (learner's tool or machine) and every token it holds."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import Registry
    from mcbadge.registry.audit import audited, operator_actor
    from mcbadge.registry.oauth import OAuthStore

    actor = operator_actor()
    try:
        with Registry.open(db) as registry:
            say_registry("serve-client revoke", registry.location)
            with audited(registry, actor, "client.revoke", issuer_id=None, target=client_id):
                OAuthStore(registry).revoke_client(client_id, actor=actor)
    except MCBadgeError as exc:
        raise failure("serve-client revoke", exc.message, exc.code) from None
    typer.echo(f"{client_id}: revoked, with every token it held")
    raise typer.Exit(EXIT_OK)
