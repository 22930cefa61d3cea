"""``mcbadge status publish``: sign and write the issuer's status lists and revocation list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_OK, app
from mcbadge.cli.cmd_issue import failure, open_issuer, usage

status_app = typer.Typer(help="Publish credential status (status lists, revocation list).")
app.add_typer(status_app, name="status")


@status_app.command("publish")
def publish_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the files to.")],
    issuer: Annotated[Path, typer.Option("--issuer", help="The issuer Profile JSON file.")],
    key: Annotated[Path, typer.Option("--key", help="The issuer's private key (JWK file).")],
    db: Annotated[
        str | None,
        typer.Option("--db", help="Registry SQLAlchemy URL (default: the per-user registry file)."),
    ] = None,
    status_url: Annotated[
        str | None, typer.Option("--status-url", help="Base URL where the files are served.")
    ] = None,
    did: Annotated[
        str | None,
        typer.Option("--did", help="Issuer DID (default: the profile's DID id, else did:key)."),
    ] = None,
) -> None:
    """Write one signed BitstringStatusListCredential per list and revocations.json.

    Refuses (exit 1, nothing written) to overwrite a folder published from another registry,
    issuer or key, or to clear a published revocation."""
    from mcbadge.errors import MCBadgeError

    if out.exists() and not out.is_dir():
        raise usage("status publish", f"--out {out} is not a directory")
    the_issuer = open_issuer(
        "status publish",
        issuer,
        key,
        signature_format=None,
        db=db,
        status_url=status_url,
        did=did,
    )
    try:
        published = the_issuer.publish(str(out))
    except MCBadgeError as exc:
        raise failure("status publish", exc.message, exc.code) from None
    except OSError as exc:
        raise usage("status publish", f"cannot write to {out}: {exc.strerror}") from None
    finally:
        the_issuer.registry.close()
    for path in published.written:
        typer.echo(f"wrote {path}")
    raise typer.Exit(EXIT_OK)
