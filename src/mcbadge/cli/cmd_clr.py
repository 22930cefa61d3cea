"""``mcbadge clr build``: assemble a teacher's credentials into a signed CLR 2.0 learner record.

The credentials come from files (``CRED...``: JSON or VC-JWT) or from the issuer's registry
(``--from-registry EMAIL --issuer-did DID``). Every decision is :func:`mcbadge.clr.build_clr`'s;
this module parses the arguments and renders refusals (with their codes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_USAGE, app

clr_app = typer.Typer(
    help="Comprehensive Learner Records (CLR 2.0): assemble a teacher's credentials into one.",
    no_args_is_help=True,
)
app.add_typer(clr_app, name="clr")

_FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "jwt")
_MAX_BYTES = 8 * 1024 * 1024


def _error(message: str, exit_code: int) -> typer.Exit:
    typer.echo(f"mcbadge clr build: error: {message}", err=True)
    return typer.Exit(exit_code)


def _read_credential(path: Path) -> dict[str, Any] | str:
    from mcbadge._json import loads_object
    from mcbadge.errors import MCBadgeError

    if not path.is_file():
        raise _error(f"cannot read {path}: no such file", EXIT_USAGE)
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise _error(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    if len(raw) > _MAX_BYTES:
        raise _error(f"{path} is larger than {_MAX_BYTES} bytes", EXIT_USAGE)
    text = raw.decode("utf-8", "replace").strip()
    if text and not text.startswith("{"):
        return text  # a VC-JWT; build_clr refuses anything that is not a compact JWS
    try:
        return loads_object(raw)
    except MCBadgeError as exc:
        message = f"{path} is not acceptable JSON: {exc.message} [{exc.code}]"
        raise _error(message, EXIT_USAGE) from None


def _issuer(value: str | None, key: Any) -> str | dict[str, Any]:
    from mcbadge.did import did_for_key

    if value is None:
        return str(did_for_key(key))
    path = Path(value)
    if value.endswith(".json") or path.is_file():
        from mcbadge.errors import MCBadgeError
        from mcbadge.issuer import load_profile

        try:
            return load_profile(path)
        except (MCBadgeError, OSError, ValueError) as exc:
            raise _error(f"--issuer {value}: {exc}", EXIT_USAGE) from None
    return value


def _associations(values: list[str]) -> list[tuple[str, str, str]]:
    parsed = []
    for value in values:
        parts = value.split()
        if len(parts) != 3:
            raise _error(
                f"--associate {value!r}: write SOURCE_ID TYPE TARGET_ID "
                "(e.g. 'urn:a isPartOf urn:b')",
                EXIT_USAGE,
            )
        parsed.append((parts[0], parts[1], parts[2]))
    return parsed


def _from_registry(db: str | None, issuer_did: str | None, email: str) -> list[Any]:
    from mcbadge.cli.cmd_issue import say_registry
    from mcbadge.clr import registry_credentials
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import IssuerStore

    if issuer_did is None:
        raise _error("--from-registry needs --issuer-did (whose credentials)", EXIT_USAGE)
    try:
        with IssuerStore(db) as store:
            say_registry("clr build", store.location)
            return registry_credentials(store.registry, issuer_did, email)
    except MCBadgeError as exc:
        raise _error(f"{exc.message} [{exc.code}]", EXIT_FAILED) from None


@clr_app.command("build")
def build_command(
    key_file: Annotated[
        Path, typer.Option("--key", "-k", help="The assembler's signing key file.")
    ],
    credentials: Annotated[
        list[Path] | None,
        typer.Argument(help="Signed credential files (JSON or VC-JWT) to put in the record."),
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option("--issuer", help="The assembler: a DID, or an issuer.json Profile file."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="eddsa-rdfc-2022, ecdsa-rdfc-2019 or jwt.")
    ] = "eddsa-rdfc-2022",
    verification_method: Annotated[
        str | None,
        typer.Option("--verification-method", help="The issuer's VM id for this key."),
    ] = None,
    recipient: Annotated[
        str | None,
        typer.Option("--recipient", help="The learner's e-mail address or id (checked)."),
    ] = None,
    associate: Annotated[
        list[str] | None,
        typer.Option("--associate", help="'SOURCE_ID TYPE TARGET_ID' (repeatable)."),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="The record's name.")
    ] = "Comprehensive Learner Record",
    from_registry: Annotated[
        str | None,
        typer.Option("--from-registry", help="Take the credentials issued to this e-mail."),
    ] = None,
    issuer_did: Annotated[
        str | None, typer.Option("--issuer-did", help="With --from-registry: whose registry.")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Registry SQLAlchemy URL (--from-registry).")
    ] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option("--passphrase-file", help="Passphrase of an encrypted key file.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Build and sign a ClrCredential holding the given credentials, untouched."""
    from mcbadge.cli.cmd_keys import _passphrase
    from mcbadge.clr import build_clr
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import load_key
    from mcbadge.signing import SigningRefusedError

    if fmt not in _FORMATS:
        raise _error(f"--format must be one of {', '.join(_FORMATS)}", EXIT_USAGE)
    if not credentials and from_registry is None:
        raise _error("name credential files, or --from-registry EMAIL", EXIT_USAGE)
    documents: list[Any] = [_read_credential(path) for path in credentials or []]
    if from_registry is not None:
        documents.extend(_from_registry(db, issuer_did, from_registry))
        recipient = recipient or from_registry
    secret = _passphrase(passphrase_file, "clr build")
    try:
        key = load_key(key_file, passphrase=secret)
    except MCBadgeError as exc:
        usage = exc.code in ("key.unreadable", "key.passphrase")
        raise _error(f"{exc.message} [{exc.code}]", EXIT_USAGE if usage else EXIT_FAILED) from None
    try:
        signed = build_clr(
            documents,
            key,
            issuer=_issuer(issuer, key),
            format=fmt,  # type: ignore[arg-type]  # checked above
            verification_method=verification_method,
            recipient=recipient,
            associations=_associations(associate or []),
            name=name,
        )
    except SigningRefusedError as exc:
        lines = "".join(f"\n  {c.id}: {c.message} [{c.code}]" for c in exc.checks)
        raise _error(f"refusing to sign the record:{lines}\n[{exc.code}]", EXIT_FAILED) from None
    except MCBadgeError as exc:
        raise _error(f"{exc.message} [{exc.code}]", EXIT_FAILED) from None
    text = signed.to_text() + ("\n" if signed.jwt is not None else "")
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text)
    except OSError as exc:
        raise _error(f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None
    typer.echo(f"wrote {out} ({len(documents)} credentials)", err=True)
