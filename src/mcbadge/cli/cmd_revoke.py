"""``mcbadge revoke``, ``mcbadge suspend`` and ``mcbadge unsuspend``: change a credential's
status in the issuer registry. Run ``mcbadge status publish`` afterwards so verifiers see it."""

from __future__ import annotations

from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_OK, app
from mcbadge.cli.cmd_issue import failure, say_registry


def _change(
    command: str, credential_id: str, db: str | None, reason: str | None, did: str | None
) -> None:
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import IssuerStore
    from mcbadge.registry.audit import audited, operator_actor

    actor = operator_actor()
    try:
        with IssuerStore(db) as store:
            say_registry(command, store.location)
            with audited(store.registry, actor, command, issuer_id=did, target=credential_id):
                if command == "revoke":
                    record = store.revoke(credential_id, reason, issuer_id=did, actor=actor)
                elif command == "suspend":
                    record = store.suspend(credential_id, reason, issuer_id=did, actor=actor)
                else:
                    record = store.unsuspend(credential_id, issuer_id=did, actor=actor)
    except MCBadgeError as exc:
        raise failure(command, exc.message, exc.code) from None
    state = "revoked" if record.revoked else "suspended" if record.suspended else "active"
    typer.echo(
        f"{credential_id}: {state}, issued by {record.issuer_id} "
        "(publish the status lists to make it visible)"
    )
    raise typer.Exit(EXIT_OK)


_DB_HELP = "Registry SQLAlchemy URL (default: the per-user registry file)."
_DID_HELP = "Only change a credential issued by this issuer DID (for a shared registry)."


@app.command("revoke")
def revoke_command(
    credential_id: Annotated[str, typer.Argument(help="The credential id (urn:uuid:...).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (published in the list).")],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    did: Annotated[str | None, typer.Option("--did", help=_DID_HELP)] = None,
) -> None:
    """Revoke a credential (permanent)."""
    _change("revoke", credential_id, db, reason, did)


@app.command("suspend")
def suspend_command(
    credential_id: Annotated[str, typer.Argument(help="The credential id (urn:uuid:...).")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept in the registry).")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    did: Annotated[str | None, typer.Option("--did", help=_DID_HELP)] = None,
) -> None:
    """Suspend a credential issued with a suspension status entry."""
    _change("suspend", credential_id, db, reason, did)


@app.command("unsuspend")
def unsuspend_command(
    credential_id: Annotated[str, typer.Argument(help="The credential id (urn:uuid:...).")],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    did: Annotated[str | None, typer.Option("--did", help=_DID_HELP)] = None,
) -> None:
    """Lift a suspension."""
    _change("unsuspend", credential_id, db, None, did)
