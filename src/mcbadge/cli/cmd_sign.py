"""``mcbadge sign``: add a Data Integrity proof to a credential, or make a VC-JWT (``jwt``) or
a VC-JOSE-COSE ``vc+jwt`` of it.

A credential that fails the verifier's document checks is refused by the library
(:func:`mcbadge.signing.sign`); this command renders the refusal (check id and code).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_USAGE, app

_FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt")
_MAX_BYTES = 16 * 1024 * 1024


def _error(message: str, exit_code: int) -> typer.Exit:
    typer.echo(f"mcbadge sign: error: {message}", err=True)
    return typer.Exit(exit_code)


@app.command("sign")
def sign_command(
    credential: Annotated[
        str, typer.Argument(help="The unsigned credential JSON file, or - for stdin.")
    ],
    key_file: Annotated[Path, typer.Option("--key", "-k", help="The signing key file.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="eddsa-rdfc-2022, ecdsa-rdfc-2019, ed25519-2020, jwt (OB 3.0 VC-JWT) or "
            "vc+jwt (VC-JOSE-COSE, VCDM 2.0 only).",
        ),
    ] = "eddsa-rdfc-2022",
    verification_method: Annotated[
        str | None,
        typer.Option(
            "--verification-method", help="The issuer's VM id for this key (URL/did:web issuers)."
        ),
    ] = None,
    set_issuer: Annotated[
        bool,
        typer.Option("--set-issuer", help="Replace the issuer id by the key's DID before signing."),
    ] = False,
    passphrase_file: Annotated[
        Path | None, typer.Option("--passphrase-file", help="Passphrase of an encrypted key file.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    unsafe_skip_checks: Annotated[
        bool,
        typer.Option(
            "--unsafe-skip-checks",
            help="UNSAFE: sign even if the credential fails the data model, JSON Schema, "
            "context or date checks every verifier runs (the result may never verify).",
        ),
    ] = False,
) -> None:
    """Sign a credential: JSON with a proof for Data Integrity, a compact JWS for jwt/vc+jwt."""
    from mcbadge._json import loads_object
    from mcbadge.cli.cmd_keys import _passphrase
    from mcbadge.did import did_for_key
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import load_key
    from mcbadge.signing import SigningRefusedError, sign

    if fmt not in _FORMATS:
        raise _error(f"--format must be one of {', '.join(_FORMATS)}", EXIT_USAGE)
    try:
        raw = (
            sys.stdin.buffer.read(_MAX_BYTES + 1)
            if credential == "-"
            else Path(credential).read_bytes()
        )
    except OSError as exc:
        raise _error(f"cannot read {credential}: {exc.strerror}", EXIT_USAGE) from None
    secret = _passphrase(passphrase_file, "sign")
    try:
        document = loads_object(raw)
    except MCBadgeError as exc:
        raise _error(
            f"the credential is not acceptable JSON: {exc.message} [{exc.code}]", EXIT_USAGE
        ) from None
    try:
        key = load_key(key_file, passphrase=secret)
    except MCBadgeError as exc:
        usage = exc.code in ("key.unreadable", "key.passphrase")
        raise _error(f"{exc.message} [{exc.code}]", EXIT_USAGE if usage else EXIT_FAILED) from None
    if set_issuer:
        issuer = document.get("issuer")
        if isinstance(issuer, dict):
            document["issuer"] = dict(issuer, id=did_for_key(key))
        else:
            document["issuer"] = did_for_key(key)
    if unsafe_skip_checks:
        typer.echo(
            "mcbadge sign: warning: --unsafe-skip-checks: the credential is signed WITHOUT "
            "the data model, schema, context and date checks",
            err=True,
        )
    try:
        signed = sign(
            document,
            key,
            format=fmt,  # type: ignore[arg-type]
            verification_method=verification_method,
            check=not unsafe_skip_checks,
        )
    except SigningRefusedError as exc:
        lines = "".join(f"\n  {c.id}: {c.message} [{c.code}]" for c in exc.checks)
        raise _error(
            f"refusing to sign: the credential fails checks every verifier runs "
            f"(mcbadge verify reports the same){lines}\n[{exc.code}]",
            EXIT_FAILED,
        ) from None
    except MCBadgeError as exc:
        hint = ""
        if exc.code == "key_binding.issuer_mismatch":
            hint = " (use --set-issuer, or --verification-method for a URL or did:web issuer)"
        raise _error(f"{exc.message}{hint} [{exc.code}]", EXIT_FAILED) from None
    text = signed.to_text()
    if signed.jwt is not None:
        text += "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        raise _error(f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None
