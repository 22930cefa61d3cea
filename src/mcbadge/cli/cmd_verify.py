"""``mcbadge verify FILE|FOLDER...``: verify credentials and print a report per file.

Folders are walked recursively; what is not a credential is skipped, saying so per file.
``--format text|json|html|csv`` and ``--out FILE`` choose the report (:mod:`mcbadge.report`);
``--did-document`` / ``--status-list`` hand the verifier saved documents for offline checks.
A presentation (:func:`mcbadge.verify_presentation`) or a CLR 2.0 learner record
(:func:`mcbadge.verify_clr`) is verified as a bundle: the outer checks and one result per
credential inside.
Only argument parsing and rendering live here; every decision is :mod:`mcbadge.verify`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_INDETERMINATE, EXIT_OK, EXIT_USAGE, app

if TYPE_CHECKING:
    from mcbadge.licensure import TrustDecision
    from mcbadge.licensure.trust import TrustLists
    from mcbadge.verify import BundleResult, VerificationPolicy, VerificationResult
    from mcbadge.verify.files import FoundFile

_FORMATS = ("text", "json", "html", "csv")


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
            continue  # walked for credential files (mcbadge.verify.files)
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
    files: Annotated[
        list[Path],
        typer.Argument(help="Credential files (JSON, JWT, PNG, SVG) or folders (recursive)."),
    ],
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="text, json (one object per line per file), html or csv (a report)."
        ),
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the report to this file, not stdout.")
    ] = None,
    did_document: Annotated[
        list[Path] | None,
        typer.Option("--did-document", help="A saved did.json of a did:web issuer (repeatable)."),
    ] = None,
    status_list: Annotated[
        list[Path] | None,
        typer.Option("--status-list", help="A saved status list credential (repeatable)."),
    ] = None,
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
    challenge: Annotated[
        str | None, typer.Option("--challenge", help="Presentations: the challenge you issued.")
    ] = None,
    domain: Annotated[
        str | None, typer.Option("--domain", help="Presentations: your domain (aud).")
    ] = None,
    holder_binding: Annotated[
        str,
        typer.Option(
            "--holder-binding",
            help="Presentations: required (default), or NOT-CHECKED-UNSAFE.",
        ),
    ] = "required",
    max_age: Annotated[
        int, typer.Option("--max-age", help="Presentations: oldest acceptable, in seconds.")
    ] = 600,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Presentations: consume the challenge from this registry."),
    ] = None,
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
    if output_format not in _FORMATS:
        raise _usage(f"--format must be one of {', '.join(_FORMATS)}")
    if out is not None and out.is_dir():
        raise _usage(f"--out {out} is a directory")
    if jobs < 1:
        raise _usage("--jobs must be at least 1")
    _check_ca_bundle(ca_bundle)
    _check_files(files)
    found = _find(files)
    saved_dids = _saved_dids(did_document or [])
    policy = _policy(
        did_documents={did: document for did, (_, document) in saved_dids.items()},
        status_lists=_saved_status_lists(status_list or []),
        now=_parse_now(now),
        expected_recipient=recipient,
        offline=offline,
        resolve=tuple(resolve or ()),
        ca_bundle=ca_bundle,
        timeout=timeout,
        trusted_issuers=frozenset(trusted_issuer) if trusted_issuer else None,
        trust_embedded_keys=trust_embedded_keys,
        clock_skew=timedelta(seconds=300),
        challenge=challenge,
        domain=domain,
        holder_binding=holder_binding,
        presentation_max_age=timedelta(seconds=max_age),
    )
    candidates = [item.path for item in found if item.skipped is None]
    presentations = {path for path in candidates if _is_presentation(path)}
    wanted = len(candidates) - len(presentations)
    trust = _trust_lists(trust_list, policy) if trust_list else None
    # more workers than files only costs start-up time (and memory)
    report = _Report(output_format, out, colour=output_format == "text" and sys.stdout.isatty())
    code = _run(found, policy, report, max(1, min(jobs, wanted)), presentations, db, trust)
    _note_unused_dids(saved_dids, report)
    raise typer.Exit(code)


def _find(paths: list[Path]) -> list[FoundFile]:
    from mcbadge.verify.files import find_credential_files

    found = find_credential_files(paths)
    if not any(item.skipped is None for item in found):
        raise _usage("no credential files found in " + ", ".join(str(p) for p in paths))
    return found


def _saved_dids(paths: list[Path]) -> dict[str, tuple[Path, dict[str, Any]]]:
    from mcbadge.errors import MCBadgeError
    from mcbadge.verify.saved import load_did_document

    saved: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in paths:
        try:
            did, document = load_did_document(path)
        except MCBadgeError as exc:
            raise _usage(f"--did-document {exc.message}") from None
        if did in saved:
            raise _usage(f"--did-document {path} and {saved[did][0]} both describe {did}")
        saved[did] = (path, document)
    return saved


def _saved_status_lists(paths: list[Path]) -> dict[str, dict[str, Any] | str]:
    from mcbadge.errors import MCBadgeError
    from mcbadge.verify.saved import load_status_list

    saved: dict[str, dict[str, Any] | str] = {}
    for path in paths:
        try:
            url, document = load_status_list(path)
        except MCBadgeError as exc:
            raise _usage(f"--status-list {exc.message}") from None
        if url in saved:
            raise _usage(f"--status-list {path}: another file is also the list {url}")
        saved[url] = document
    return saved


def _note_unused_dids(saved: dict[str, tuple[Path, dict[str, Any]]], report: _Report) -> None:
    """Say when a saved DID document was for no credential given: its id must match the DID
    the credential names, so a mismatched file is never used (and the key stays unresolved)."""
    for did, (path, _) in saved.items():
        if did not in report.issuers:
            typer.echo(
                f"mcbadge verify: note: --did-document {path} describes {did}, "
                "which issued none of the credentials verified; it was not used",
                err=True,
            )


def _is_presentation(path: Path) -> bool:
    """Cheap look first (a presentation names VerifiablePresentation, a VP-JWT is a JWS), a
    full read only for the candidates."""
    from mcbadge.verify._input import looks_like_jws

    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024 * 1024 + 1)
    except OSError:
        return False
    text = head[:8192].decode("utf-8", "replace")
    if b"VerifiablePresentation" not in head and not looks_like_jws(text):
        return False
    from mcbadge.verify import is_presentation

    return is_presentation(head)


@contextmanager
def _presentation_policy(
    policy: VerificationPolicy, db: str | None
) -> Iterator[VerificationPolicy]:
    """The policy for presentations: with ``--db``, challenges are consumed from that registry
    (single use); without it they are only compared (the report warns)."""
    if db is None:
        yield policy
        return
    import dataclasses

    from mcbadge.cli.cmd_issue import say_registry
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry import ChallengeStore, Registry

    try:
        registry = Registry.open(db)
    except MCBadgeError as exc:
        typer.echo(f"mcbadge verify: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(EXIT_INDETERMINATE) from None
    say_registry("verify", registry.location)
    try:
        yield dataclasses.replace(policy, challenge_store=ChallengeStore(registry))
    finally:
        registry.close()


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
    found: list[FoundFile],
    policy: VerificationPolicy,
    report: _Report,
    jobs: int,
    presentations: set[Path],
    db: str | None,
    trust: TrustLists | None = None,
) -> int:
    from mcbadge.verify import (
        VerificationResult,
        exit_code_for,
        verify_many,
        verify_presentation,
    )
    from mcbadge.verify.clr import verify_clr

    files = [item.path for item in found if item.skipped is None and item.path not in presentations]
    show_progress = len(found) > 1 and sys.stderr.isatty()
    results = verify_many(files, policy, jobs=jobs)
    worst = EXIT_OK
    with _presentation_policy(policy, db) if presentations else nullcontext(policy) as vp_policy:
        for done, item in enumerate(found, 1):
            if item.skipped is not None:
                report.skip(str(item.path), item.skipped)
                continue
            result: VerificationResult | BundleResult
            if item.path in presentations:
                result = verify_presentation(item.path, vp_policy)
            else:
                result = next(results)
                if result.check("input").code == "input.clr":
                    # a CLR learner record: the record and every credential inside, each judged
                    result = verify_clr(item.path, policy)
            decision = None
            if trust is not None and isinstance(result, VerificationResult):
                decision = _decide(trust, item.path, result)
            report.add(str(item.path), result, decision)
            code = exit_code_for(result)
            if code == EXIT_OK and decision is not None and decision.trusted is not True:
                code = EXIT_FAILED  # verified, but the issuer is not trusted for it
            if code == EXIT_FAILED or (code == EXIT_INDETERMINATE and worst == EXIT_OK):
                worst = code
            if show_progress:
                typer.echo(f"\r{progress_bar(done, len(found))}", err=True, nl=False)
    if show_progress:
        typer.echo("", err=True)
    report.finish()
    return worst


class _Report:
    """Where the report goes: text and JSON stream one record per file (text ends with the
    tally of many files); HTML and CSV are one document, written when every file is done."""

    def __init__(self, output_format: str, out: Path | None, *, colour: bool) -> None:
        from mcbadge.report import Tally

        self.format = output_format
        self.out = out
        self.colour = colour and out is None
        self.tally = Tally()
        self.items: list[Any] = []
        self.lines: list[str] = []
        self.issuers: set[str] = set()

    def _emit(self, text: str) -> None:
        if self.out is None:
            typer.echo(text)
        else:
            self.lines.append(text)

    def skip(self, name: str, reason: str) -> None:
        import json

        from mcbadge.report import ReportItem

        self.tally.add(None)
        self.items.append(ReportItem(name, skipped=reason))
        if self.format == "text":
            self._emit(f"{name}: SKIPPED ({reason})")
        elif self.format == "json":
            record = {"file": name, "skipped": reason}
            self._emit(json.dumps(record, ensure_ascii=False, separators=(",", ":")))

    def add(
        self,
        name: str,
        result: VerificationResult | BundleResult,
        decision: TrustDecision | None = None,
    ) -> None:
        import json

        from mcbadge.report import ReportItem
        from mcbadge.verify import (
            BundleResult,
            VerificationResult,
            render_bundle_text,
            render_text,
        )

        self.tally.add(result)
        if isinstance(result, VerificationResult) and result.summary.issuer_id:
            self.issuers.add(result.summary.issuer_id)
        if self.format == "json":
            record = {"file": name, **result.to_dict()}
            if decision is not None:
                record["trust"] = decision.to_dict()
            self._emit(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        elif self.format == "text" and isinstance(result, VerificationResult):
            said = _said(decision) if decision is not None else None
            trusted = decision.trusted if decision is not None else None
            self._emit(
                render_text(result, name=name, colour=self.colour, trust=said, trusted=trusted)
            )
        elif self.format == "text" and isinstance(result, BundleResult):
            self._emit(render_bundle_text(result, name=name, colour=self.colour))
        else:  # html and csv are whole documents
            self.items.append(ReportItem(name, result, trust=decision))

    def finish(self) -> None:
        from mcbadge.report import render_batch_html, render_credential_html, render_csv
        from mcbadge.verify import VerificationResult

        if self.format == "text" and self.tally.total > 1:
            self._emit(self.tally.text())
        elif self.format == "csv":
            self._emit(render_csv(self.items).rstrip("\r\n"))
        elif self.format == "html":
            single = self.items[0] if len(self.items) == 1 else None
            if single is not None and isinstance(single.result, VerificationResult):
                self._emit(render_credential_html(single.result, name=single.name))
            else:
                self._emit(render_batch_html(self.items))
        if self.out is not None:
            self._write()

    def _write(self) -> None:
        from mcbadge.publish import write_atomic

        assert self.out is not None
        text = "\n".join(self.lines) + "\n"
        try:
            write_atomic(self.out, text.encode("utf-8"))
        except OSError as exc:
            raise _usage(f"cannot write --out {self.out}: {exc.strerror}") from None
