"""``mcbadge bake`` and ``mcbadge unbake``: put a credential into a badge image and take it out.

Only argument handling and file I/O live here; the rules are :mod:`mcbadge.baking`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app

_MAX_FILE_BYTES = 16 * 1024 * 1024


def _read(path: Path, command: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        typer.echo(f"mcbadge {command}: error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if len(data) > _MAX_FILE_BYTES:
        typer.echo(f"mcbadge {command}: error: {path} is larger than 16 MiB", err=True)
        raise typer.Exit(EXIT_FAILED)
    return data


def _write(path: Path, data: bytes, command: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        typer.echo(f"mcbadge {command}: error: cannot write {path}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _fail(command: str, message: str, code: str) -> typer.Exit:
    typer.echo(f"mcbadge {command}: error: {message} [{code}]", err=True)
    return typer.Exit(EXIT_FAILED)


@app.command("bake")
def bake_command(
    credential: Annotated[
        Path, typer.Argument(help="The credential: a .json file, or a .jwt/.jws compact JWS.")
    ],
    image: Annotated[Path, typer.Argument(help="The badge image: PNG or SVG.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the baked image.")],
) -> None:
    """Bake a credential into a PNG or SVG badge image (Open Badges 3.0 §5.3)."""
    from mcbadge._json import loads_object
    from mcbadge.baking import bake
    from mcbadge.errors import MCBadgeError

    raw = _read(credential, "bake")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _fail("bake", f"{credential} is not UTF-8 text", "input.not_utf8") from None
    try:
        payload: object = loads_object(text) if text.startswith("{") else text
        baked = bake(_read(image, "bake"), payload)  # type: ignore[arg-type]
    except MCBadgeError as exc:
        raise _fail("bake", exc.message, exc.code) from None
    _write(out, baked, "bake")
    typer.echo(f"baked {credential.name} into {out}")
    raise typer.Exit(EXIT_OK)


@app.command("unbake")
def unbake_command(
    image: Annotated[Path, typer.Argument(help="A baked PNG or SVG badge image.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the credential here, not stdout.")
    ] = None,
) -> None:
    """Print (or save) the credential baked into a PNG or SVG badge image."""
    from mcbadge.baking import unbake
    from mcbadge.errors import MCBadgeError

    try:
        credential = unbake(_read(image, "unbake"))
    except MCBadgeError as exc:
        raise _fail("unbake", exc.message, exc.code) from None
    if out is None:
        typer.echo(credential)
    else:
        _write(out, (credential + "\n").encode("utf-8"), "unbake")
    raise typer.Exit(EXIT_OK)
