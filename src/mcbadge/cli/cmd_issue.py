"""``mcbadge issue`` and ``mcbadge issue-batch``: sign credentials for one earner or a roster.

Only argument handling, file output and rendering live here; issuing is :mod:`mcbadge.issuer`'s.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app

if TYPE_CHECKING:
    from mcbadge.issuer import IssuedCredential, Issuer

_FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt")


def usage(command: str, message: str) -> typer.Exit:
    typer.echo(f"mcbadge {command}: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def failure(command: str, message: str, code: str) -> typer.Exit:
    typer.echo(f"mcbadge {command}: error: {message} [{code}]", err=True)
    return typer.Exit(EXIT_FAILED)


def say_registry(command: str, location: str) -> None:
    """Every command that opens a registry says which one (on stderr, so stdout stays the
    command's output): without ``--db`` it is the per-user default file."""
    typer.echo(f"mcbadge {command}: registry {location}", err=True)


def require_file(command: str, option: str, path: Path) -> None:
    if not path.is_file():
        raise usage(command, f"{option} {path}: no such file")


def open_issuer(
    command: str,
    issuer_file: Path,
    key_file: Path,
    *,
    signature_format: str | None,
    db: str | None,
    status_url: str | None,
    suspension: bool = False,
    did: str | None = None,
) -> Issuer:
    """Build the Issuer from files; bad input becomes a clean error and exit code."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import Issuer

    require_file(command, "--issuer", issuer_file)
    require_file(command, "--key", key_file)
    if signature_format is not None and signature_format not in _FORMATS:
        raise usage(command, f"--format must be one of {', '.join(_FORMATS)}")
    try:
        the_issuer = Issuer.from_files(
            issuer_file,
            key_file,
            format=signature_format,
            registry=db,
            status_base_url=status_url,
            suspension=suspension,
            issuer_id=did,
        )
    except ValueError as exc:
        raise usage(command, str(exc)) from None
    except MCBadgeError as exc:
        raise failure(command, exc.message, exc.code) from None
    say_registry(command, the_issuer.registry.location)
    return the_issuer


def _bake(command: str, image: Path, issued: IssuedCredential) -> bytes:
    from mcbadge.baking import bake
    from mcbadge.errors import MCBadgeError

    try:
        return bake(image.read_bytes(), issued.document)
    except OSError as exc:
        raise usage(command, f"cannot read {image}: {exc.strerror}") from None
    except MCBadgeError as exc:
        raise failure(command, exc.message, exc.code) from None


def _write(command: str, path: Path, data: bytes) -> None:
    from mcbadge.publish import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        raise usage(command, f"cannot write {path}: {exc.strerror}") from None


@app.command("issue")
def issue_command(
    achievement: Annotated[Path, typer.Option("--achievement", help="The Achievement JSON file.")],
    issuer: Annotated[Path, typer.Option("--issuer", help="The issuer Profile JSON file.")],
    key: Annotated[Path, typer.Option("--key", help="The issuer's private key (JWK file).")],
    recipient: Annotated[str, typer.Option("--recipient", help="The earner's e-mail address.")],
    level: Annotated[
        str | None, typer.Option("--level", help="Achieved rubric level (its id or name).")
    ] = None,
    evidence: Annotated[
        list[str] | None, typer.Option("--evidence", help="Evidence URL (repeatable).")
    ] = None,
    signature_format: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(_FORMATS)}.")
    ] = None,
    bake_image: Annotated[
        Path | None, typer.Option("--bake", help="PNG or SVG badge image to bake into.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here (default: stdout).")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="Registry SQLAlchemy URL.")] = None,
    status_url: Annotated[
        str | None, typer.Option("--status-url", help="Base URL where status lists are served.")
    ] = None,
    suspension: Annotated[
        bool, typer.Option("--suspension", help="Make credentials suspendable.")
    ] = False,
    did: Annotated[
        str | None,
        typer.Option("--did", help="Issuer DID (default: the profile's DID id, else did:key)."),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            help="Name this award by your own key (e.g. your award id); a new key issues "
            "again on purpose. Default: the award (issuer, achievement, recipient).",
        ),
    ] = None,
) -> None:
    """Issue one signed credential. Issuing the same award again (same issuer, achievement
    and recipient, or the same --idempotency-key) re-emits the credential already issued."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import load_achievement
    from mcbadge.registry.audit import operator_actor

    require_file("issue", "--achievement", achievement)
    if bake_image is not None:
        require_file("issue", "--bake", bake_image)
        if out is None:
            raise usage("issue", "--bake needs --out")
    the_issuer = open_issuer(
        "issue",
        issuer,
        key,
        signature_format=signature_format,
        db=db,
        status_url=status_url,
        suspension=suspension,
        did=did,
    )
    try:
        issued = the_issuer.issue(
            load_achievement(achievement),
            recipient,
            achieved_level=level,
            evidence=tuple(evidence or ()),
            idempotency_key=idempotency_key,
            actor=operator_actor(),
        )
    except MCBadgeError as exc:
        raise failure("issue", exc.message, exc.code) from None
    finally:
        the_issuer.registry.close()
    data = _bake("issue", bake_image, issued) if bake_image is not None else issued.to_bytes()
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        _write("issue", out, data)
    where = f" -> {out}" if out is not None else ""
    if issued.reemitted:
        typer.echo(
            f"already issued: {issued.credential_id}; re-emitted the stored credential, "
            f"nothing new was signed{where}",
            err=True,
        )
    elif out is not None:
        typer.echo(f"issued {issued.credential_id}{where}", err=True)
    raise typer.Exit(EXIT_OK)


def _safe_name(text: str, fallback: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80]
    return name or fallback


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    typer.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=False)


@app.command("issue-batch")
def issue_batch_command(
    roster: Annotated[Path, typer.Option("--roster", help="Roster CSV file.")],
    catalog: Annotated[Path, typer.Option("--catalog", help="Directory of Achievement JSON.")],
    issuer: Annotated[Path, typer.Option("--issuer", help="The issuer Profile JSON file.")],
    key: Annotated[Path, typer.Option("--key", help="The issuer's private key (JWK file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")],
    bake_image: Annotated[
        Path | None, typer.Option("--bake", help="PNG or SVG badge image to bake into.")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", help="Worker processes issuing chunks of the roster.")
    ] = 1,
    db: Annotated[str | None, typer.Option("--db", help="Registry SQLAlchemy URL.")] = None,
    signature_format: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(_FORMATS)}.")
    ] = None,
    status_url: Annotated[
        str | None, typer.Option("--status-url", help="Base URL where status lists are served.")
    ] = None,
    suspension: Annotated[
        bool, typer.Option("--suspension", help="Make credentials suspendable.")
    ] = False,
    did: Annotated[
        str | None,
        typer.Option("--did", help="Issuer DID (default: the profile's DID id, else did:key)."),
    ] = None,
    key_column: Annotated[
        str | None,
        typer.Option(
            "--key-column",
            help="Roster column holding each row's idempotency key (e.g. row_id, to keep your "
            "award ids as keys). Default: an idempotency_key column if present, else the "
            "award (issuer, achievement, e-mail).",
        ),
    ] = None,
) -> None:
    """Issue a whole roster; writes one file per row and manifest.json. Re-running is safe:
    an award issued before (here or by `mcbadge issue`) is re-emitted, never issued twice."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import load_catalog, load_roster

    if jobs < 1:
        raise usage("issue-batch", "--jobs must be at least 1")
    require_file("issue-batch", "--roster", roster)
    if not catalog.is_dir():
        raise usage("issue-batch", f"--catalog {catalog}: not a directory")
    if bake_image is not None:
        require_file("issue-batch", "--bake", bake_image)
    the_issuer = open_issuer(
        "issue-batch",
        issuer,
        key,
        signature_format=signature_format,
        db=db,
        status_url=status_url,
        suspension=suspension,
        did=did,
    )
    try:
        rows = load_roster(roster, key_column=key_column)
        achievements = load_catalog(catalog)
        result = the_issuer.issue_batch(
            rows,
            catalog=achievements,
            jobs=jobs,
            progress=_progress if sys.stderr.isatty() else None,
        )
    except MCBadgeError as exc:
        raise failure("issue-batch", exc.message, exc.code) from None
    finally:
        the_issuer.registry.close()
    if sys.stderr.isatty():
        typer.echo("", err=True)
    manifest = _write_outputs(out, result, bake_image, the_issuer)
    _write("issue-batch", out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    summary = result.summary()
    typer.echo(f"{'issued':<11}{summary['issued']:>6}")
    typer.echo(f"{'re-emitted':<11}{summary['reemitted']:>6}")
    typer.echo(f"{'failed':<11}{summary['failed']:>6}")
    typer.echo(f"manifest: {out / 'manifest.json'}")
    if summary["reemitted"]:
        typer.echo(
            f"already issued: {summary['reemitted']} row(s) named an award issued before; "
            "their stored credentials were re-emitted, nothing new was signed"
        )
    for outcome in result.outcomes:
        if not outcome.ok:
            label = outcome.row.row_id or outcome.row.idempotency_key
            typer.echo(f"  failed {label}: {outcome.message} [{outcome.code}]", err=True)
    raise typer.Exit(EXIT_FAILED if summary["failed"] else EXIT_OK)


def _write_outputs(
    out: Path, result: Any, bake_image: Path | None, issuer: Issuer
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    used: set[str] = set()
    for number, outcome in enumerate(result.outcomes, start=1):
        row = outcome.row
        if outcome.issued is None:
            failed.append(
                {
                    "row_id": row.row_id,
                    "key": row.idempotency_key,
                    "code": outcome.code,
                    "message": outcome.message,
                }
            )
            continue
        issued = outcome.issued
        stem = _safe_name(row.row_id, f"row-{number}")
        while stem in used:
            stem = f"{stem}-{number}"
        used.add(stem)
        name = f"{stem}.jwt" if issued.is_jwt else f"{stem}.json"
        _write("issue-batch", out / name, issued.to_bytes())
        entry: dict[str, Any] = {
            "row_id": row.row_id,
            "key": issued.idempotency_key,
            "credential_id": issued.credential_id,
            "file": name,
            "reemitted": issued.reemitted,
            "status": {
                purpose: {"list": url, "index": index}
                for purpose, (url, index) in issued.status_indexes.items()
            },
        }
        if bake_image is not None:
            suffix = ".svg" if bake_image.suffix.lower() == ".svg" else ".png"
            _write("issue-batch", out / f"{stem}{suffix}", _bake("issue-batch", bake_image, issued))
            entry["baked"] = f"{stem}{suffix}"
        entries.append(entry)
    return {
        "issuer": issuer.issuer_id,
        "format": issuer.format,
        "summary": result.summary(),
        "credentials": entries,
        "failed": failed,
    }
