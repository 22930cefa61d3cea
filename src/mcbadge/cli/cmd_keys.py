"""``mcbadge keys generate`` and ``mcbadge keys did``: key files and the DIDs they stand for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_USAGE, app

keys_app = typer.Typer(help="Create signing keys and show their DIDs.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _passphrase(path: Path | None, command: str) -> bytes | None:
    if path is None:
        return None
    try:
        text = path.read_bytes().splitlines()
    except OSError as exc:
        typer.echo(f"mcbadge {command}: error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if not text or not text[0]:
        typer.echo(f"mcbadge {command}: error: the passphrase file is empty", err=True)
        raise typer.Exit(EXIT_USAGE)
    return text[0]


@keys_app.command("generate")
def generate_command(
    key_type: Annotated[
        str, typer.Option("--type", "-t", help="ed25519 (EdDSA), p256 (ES256) or rsa (RS256).")
    ] = "ed25519",
    out: Annotated[Path, typer.Option("--out", "-o", help="Key file to write (mode 0600).")] = Path(
        "key.json"
    ),
    passphrase_file: Annotated[
        Path | None,
        typer.Option("--passphrase-file", help="Encrypt the key with the first line of this file."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Generate a key pair, save it, and print its did:key (or did:jwk for RSA)."""
    from mcbadge.did import did_for_key
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import generate_key, save_key

    if key_type not in ("ed25519", "p256", "rsa"):
        typer.echo("mcbadge keys generate: error: --type must be ed25519, p256 or rsa", err=True)
        raise typer.Exit(EXIT_USAGE)
    if out.exists() and not force:
        typer.echo(f"mcbadge keys generate: error: {out} exists (use --force)", err=True)
        raise typer.Exit(EXIT_USAGE)
    secret = _passphrase(passphrase_file, "keys generate")
    try:
        key = generate_key(key_type)  # type: ignore[arg-type]
        save_key(key, out, passphrase=secret)
    except OSError as exc:
        typer.echo(f"mcbadge keys generate: error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except MCBadgeError as exc:
        typer.echo(f"mcbadge keys generate: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(did_for_key(key))


@keys_app.command("did")
def did_command(
    key_file: Annotated[Path, typer.Argument(help="A key file (JWK, encrypted key file or PEM).")],
    web: Annotated[
        str | None,
        typer.Option("--web", help="Build a did:web document for DOMAIN or DOMAIN/PATH instead."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the did:web did.json here.")
    ] = None,
) -> None:
    """Print the key's DID, or the did:web document (did.json) an issuer publishes."""
    from mcbadge.did import build_did_web_document, did_for_key
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import load_public_key

    try:
        key = load_public_key(key_file)
    except MCBadgeError as exc:
        typer.echo(f"mcbadge keys did: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(EXIT_USAGE if exc.code == "key.unreadable" else EXIT_FAILED) from None
    if web is None:
        if out is not None:
            typer.echo("mcbadge keys did: error: --out needs --web", err=True)
            raise typer.Exit(EXIT_USAGE)
        typer.echo(did_for_key(key))
        return
    domain, _, path = web.partition("/")
    try:
        document = build_did_web_document(domain, [key], path or None)
    except MCBadgeError as exc:
        typer.echo(f"mcbadge keys did: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        typer.echo(f"mcbadge keys did: error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(document["id"])
