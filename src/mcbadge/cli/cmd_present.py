"""``mcbadge present`` (the teacher signs a presentation of credentials) and ``mcbadge
challenge new`` (the office issues the single-use challenge the presentation must answer).

Only argument parsing and rendering live here: :mod:`mcbadge.present` and
:class:`mcbadge.registry.ChallengeStore` decide.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app

challenge_app = typer.Typer(
    help="Issue single-use challenges for presentations.", no_args_is_help=True
)
app.add_typer(challenge_app, name="challenge")

#: CLI format name -> mcbadge.present format
_FORMATS = {
    "di": "di",
    "eddsa-rdfc-2022": "eddsa-rdfc-2022",
    "ecdsa-rdfc-2019": "ecdsa-rdfc-2019",
    "jwt": "jwt",
    "vc+jwt": "vp+jwt",
    "vp+jwt": "vp+jwt",
}
_MAX_BYTES = 16 * 1024 * 1024
_DB_HELP = "Registry SQLAlchemy URL (default: the per-user registry file)."


def _error(command: str, message: str, exit_code: int) -> typer.Exit:
    typer.echo(f"mcbadge {command}: error: {message}", err=True)
    return typer.Exit(exit_code)


def _read_credential(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise _error("present", f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    if len(data) > _MAX_BYTES:
        raise _error("present", f"{path} is larger than {_MAX_BYTES} bytes", EXIT_USAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _error("present", f"{path} is not UTF-8 text", EXIT_USAGE) from None


@app.command("present")
def present_command(
    credentials: Annotated[
        list[Path], typer.Argument(help="Signed credentials: JSON (Data Integrity) or VC-JWT.")
    ],
    key_file: Annotated[Path, typer.Option("--key", "-k", help="The holder's key file.")],
    challenge: Annotated[
        str, typer.Option("--challenge", help="The verifier's challenge (required).")
    ],
    domain: Annotated[
        str | None, typer.Option("--domain", help="The verifier's domain (optional).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="di (Data Integrity), jwt (VC-JWT 1.1 vp claim) or vc+jwt (VC-JOSE-COSE "
            "vp+jwt); or a suite name: eddsa-rdfc-2022, ecdsa-rdfc-2019.",
        ),
    ] = "di",
    holder: Annotated[
        str | None, typer.Option("--holder", help="The holder's DID (default: the key's DID).")
    ] = None,
    verification_method: Annotated[
        str | None, typer.Option("--verification-method", help="The holder's VM id for the key.")
    ] = None,
    vcdm: Annotated[str, typer.Option("--vcdm", help="2.0 or 1.1 (Data Integrity only).")] = "2.0",
    passphrase_file: Annotated[
        Path | None, typer.Option("--passphrase-file", help="Passphrase of an encrypted key file.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Sign a verifiable presentation of CREDENTIALS as their holder, answering a challenge."""
    from mcbadge.cli.cmd_keys import _passphrase
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import load_key
    from mcbadge.present import present

    if fmt not in _FORMATS:
        raise _error("present", f"--format must be one of {', '.join(_FORMATS)}", EXIT_USAGE)
    if vcdm not in ("2.0", "1.1"):
        raise _error("present", "--vcdm must be 2.0 or 1.1", EXIT_USAGE)
    if not challenge.strip():
        raise _error("present", "--challenge must not be empty", EXIT_USAGE)
    texts = [_read_credential(path) for path in credentials]
    secret = _passphrase(passphrase_file, "present")
    try:
        key = load_key(key_file, passphrase=secret)
    except MCBadgeError as exc:
        usage = exc.code in ("key.unreadable", "key.passphrase")
        raise _error(
            "present", f"{exc.message} [{exc.code}]", EXIT_USAGE if usage else EXIT_FAILED
        ) from None
    try:
        signed = present(
            texts,
            key,
            challenge=challenge,
            domain=domain,
            format=_FORMATS[fmt],  # type: ignore[arg-type]
            holder=holder,
            version=vcdm,  # type: ignore[arg-type]
            verification_method=verification_method,
        )
    except MCBadgeError as exc:
        raise _error("present", f"{exc.message} [{exc.code}]", EXIT_FAILED) from None
    text = signed.to_text()
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        raise _error("present", f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None
    raise typer.Exit(EXIT_OK)


@challenge_app.command("new")
def challenge_new_command(
    ttl: Annotated[
        int, typer.Option("--ttl", help="Seconds the challenge stays valid (default 600).")
    ] = 600,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Issue a random, single-use challenge and print it (give it to the holder)."""
    from mcbadge.cli.cmd_issue import say_registry
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import ChallengeStore, Registry
    from mcbadge.registry.challenges import MAX_TTL

    if not 0 < ttl <= MAX_TTL.total_seconds():
        raise _error(
            "challenge", f"--ttl must be 1..{int(MAX_TTL.total_seconds())} seconds", EXIT_USAGE
        )
    try:
        with Registry.open(db) as registry:
            say_registry("challenge", registry.location)
            issued = ChallengeStore(registry).issue(timedelta(seconds=ttl))
    except MCBadgeError as exc:
        raise _error("challenge", f"{exc.message} [{exc.code}]", EXIT_FAILED) from None
    typer.echo(issued.value)
    typer.echo(
        f"mcbadge challenge: single use, expires {issued.expires_at:%Y-%m-%dT%H:%M:%SZ}", err=True
    )
    raise typer.Exit(EXIT_OK)
