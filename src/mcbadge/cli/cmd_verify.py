"""``mcbadge verify FILE...``: verify credentials and print a report per file.

Only argument parsing and rendering live here; every decision is :mod:`mcbadge.verify`'s.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_INDETERMINATE, EXIT_OK, EXIT_USAGE, app

if TYPE_CHECKING:
    from mcbadge.licensure import TrustDecision
    from mcbadge.licensure.trust import TrustLists
    from mcbadge.verify import VerificationPolicy


def _usage(message: str) -> typer.Exit:
    typer.echo(f"mcbadge verify: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _usage(f"--now {value!r} is not an RFC 3339 date-time") from None
    if parsed.utcoffset() is None:
        raise _usage("--now needs a time zone (for example 2026-01-01T00:00:00Z)")
    return parsed


def _policy(**options: Any) -> VerificationPolicy:
    from mcbadge.verify import VerificationPolicy

    try:
        return VerificationPolicy(**options)
    except ValueError as exc:
        raise _usage(str(exc)) from None


def _check_files(files: list[Path]) -> None:
    for path in files:
        if not path.exists():
            raise _usage(f"cannot read {path}: no such file")
        if path.is_dir():
            raise _usage(f"cannot read {path}: it is a directory")
        if not path.is_file():
            # a device or a pipe could block or never end; credentials are regular files
            raise _usage(f"cannot read {path}: not a regular file")
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise _usage(f"cannot read {path}: {exc.strerror}") from None


def _check_ca_bundle(ca_bundle: Path | None) -> None:
    if ca_bundle is None:
        return
    if not ca_bundle.is_file():
        raise _usage(f"--ca-bundle {ca_bundle} is not a readable file")
    import ssl

    try:
        ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError, ValueError):
        raise _usage(f"--ca-bundle {ca_bundle} holds no usable PEM certificate") from None


@app.command("verify")
def verify_command(
    files: Annotated[list[Path], typer.Argument(help="Credential files: JSON, JWT, PNG or SVG.")],
    output_format: Annotated[
        str, typer.Option("--format", help="text, or json (one object per line per file).")
    ] = "text",
    now: Annotated[
        str | None, typer.Option("--now", help="Judge validity at this RFC 3339 instant.")
    ] = None,
    recipient: Annotated[
        str | None, typer.Option("--recipient", help="Expected recipient email address.")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Never use the network.")] = False,
    resolve: Annotated[
        list[str] | None, typer.Option("--resolve", help="Pin HOST:PORT:ADDR (repeatable).")
    ] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option("--ca-bundle", help="PEM file of trusted CAs.")
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds per network request.")
    ] = 10.0,
    trusted_issuer: Annotated[
        list[str] | None, typer.Option("--trusted-issuer", help="Allowed issuer id (repeatable).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Worker processes for many files.")] = 1,
    trust_embedded_keys: Annotated[
        bool,
        typer.Option("--trust-embedded-keys", help="Accept keys published inside the credential."),
    ] = False,
    trust_list: Annotated[
        list[str] | None,
        typer.Option(
            "--trust-list",
            help="FILE#sha256=HEX, FILE#operator=DID, or FILE accepted by another list "
            "(repeatable, in order); an untrusted issuer exits 1 (trust.*).",
        ),
    ] = None,
) -> None:
    """Verify Open Badges 3.0 credentials; exit 0 verified, 1 failed, 2 indeterminate."""
    if output_format not in ("text", "json"):
        raise _usage("--format must be text or json")
    if jobs < 1:
        raise _usage("--jobs must be at least 1")
    _check_ca_bundle(ca_bundle)
    _check_files(files)
    policy = _policy(
        now=_parse_now(now),
        expected_recipient=recipient,
        offline=offline,
        resolve=tuple(resolve or ()),
        ca_bundle=ca_bundle,
        timeout=timeout,
        trusted_issuers=frozenset(trusted_issuer) if trusted_issuer else None,
        trust_embedded_keys=trust_embedded_keys,
        clock_skew=timedelta(seconds=300),
    )
    trust = _trust_lists(trust_list, policy) if trust_list else None
    # more workers than files only costs start-up time (and memory)
    raise typer.Exit(_run(files, policy, output_format, min(jobs, len(files)), trust))


def _trust_lists(specs: list[str], policy: VerificationPolicy) -> TrustLists:
    from mcbadge.licensure.trust import TrustListError, TrustListSource, load_trust_lists

    try:
        sources = [TrustListSource.parse(spec) for spec in specs]
    except ValueError as exc:
        raise _usage(str(exc)) from None
    try:
        return load_trust_lists(sources, policy=policy)
    except TrustListError as exc:
        typer.echo(f"mcbadge verify: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(EXIT_FAILED) from None


def _decide(trust: TrustLists, path: Path, result: Any) -> TrustDecision:
    from mcbadge.licensure.trust import decide_file

    return decide_file(trust, path, result)


def _said(decision: TrustDecision) -> str:
    from mcbadge.licensure.trust import describe_decision

    return describe_decision(decision)


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """``[#########.....................]  3/10`` (stderr, on a terminal only)."""
    filled = width * done // total if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total}"


def _run(
    files: list[Path],
    policy: VerificationPolicy,
    output_format: str,
    jobs: int,
    trust: TrustLists | None = None,
) -> int:
    import json

    from mcbadge.verify import exit_code_for, render_text, verify_many

    colour = output_format == "text" and sys.stdout.isatty()
    show_progress = len(files) > 1 and sys.stderr.isatty()
    worst = EXIT_OK
    for done, (path, result) in enumerate(
        zip(files, verify_many(files, policy, jobs=jobs), strict=True), 1
    ):
        decision = _decide(trust, path, result) if trust is not None else None
        if output_format == "json":
            record = {"file": str(path), **result.to_dict()}
            if decision is not None:
                record["trust"] = decision.to_dict()
            typer.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        else:
            said = _said(decision) if decision is not None else None
            trusted = decision.trusted if decision is not None else None
            typer.echo(
                render_text(result, name=str(path), colour=colour, trust=said, trusted=trusted)
            )
        code = exit_code_for(result)
        if code == EXIT_OK and decision is not None and decision.trusted is not True:
            code = EXIT_FAILED  # verified, but the issuer is not trusted for it
        if code == EXIT_FAILED or (code == EXIT_INDETERMINATE and worst == EXIT_OK):
            worst = code
        if show_progress:
            typer.echo(f"\r{progress_bar(done, len(files))}", err=True, nl=False)
    if show_progress:
        typer.echo("", err=True)
    return worst
