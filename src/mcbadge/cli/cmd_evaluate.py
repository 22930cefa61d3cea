"""``mcbadge evaluate RULE CREDENTIALS...`` and ``mcbadge endorse RULE CREDENTIALS...``.

``evaluate`` verifies every credential, decides the stack rule and prints why (exit 0 met,
1 not met, 2 undecided, 64 usage). ``endorse`` does the same and, only when the rule is met,
issues the micro-endorsement with the endorsing body's issuer profile and key. Every
decision is :mod:`mcbadge.licensure`'s; this module parses and renders.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcbadge.cli.app import EXIT_USAGE, app

if TYPE_CHECKING:
    from mcbadge.licensure.decision import IssuerTrust
    from mcbadge.licensure.evaluation import EvaluationResult
    from mcbadge.licensure.rules import StackRule
    from mcbadge.verify import VerificationPolicy


def _usage(command: str, message: str) -> typer.Exit:
    typer.echo(f"mcbadge {command}: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _parse_now(command: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _usage(command, f"--now {value!r} is not an RFC 3339 date-time") from None
    if parsed.utcoffset() is None:
        raise _usage(command, "--now needs a time zone (for example 2026-01-01T00:00:00Z)")
    return parsed


def _load_rule(command: str, path: Path) -> StackRule:
    from mcbadge.errors import RuleError
    from mcbadge.licensure.rules import load_rule

    if not path.is_file():
        raise _usage(command, f"cannot read the rule {path}: no such file")
    try:
        return load_rule(path)
    except RuleError as exc:
        raise _usage(command, f"{path}: {exc.message} [{exc.code}]") from None


def _check_inputs(command: str, paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise _usage(command, f"cannot read {path}: no such file or folder")
        if not (path.is_file() or path.is_dir()):
            raise _usage(command, f"cannot read {path}: not a regular file or a folder")


def _policy(
    command: str,
    *,
    now: str | None,
    offline: bool,
    resolve: list[str] | None,
    ca_bundle: Path | None,
    challenge: str | None = None,
    domain: str | None = None,
) -> VerificationPolicy:
    from mcbadge.verify import VerificationPolicy

    if ca_bundle is not None and not ca_bundle.is_file():
        raise _usage(command, f"--ca-bundle {ca_bundle} is not a readable file")
    try:
        return VerificationPolicy(
            now=_parse_now(command, now),
            offline=offline,
            resolve=tuple(resolve or ()),
            ca_bundle=ca_bundle,
            challenge=challenge,
            domain=domain,
        )
    except ValueError as exc:
        raise _usage(command, str(exc)) from None


def _trust_for_rule(
    command: str, rule: StackRule, specs: list[str] | None, policy: VerificationPolicy
) -> dict[str, IssuerTrust]:
    """The loaded lists (in the order given) for each list the rule names, matched by the
    list's id or name; a name no loaded list matches stays unloaded (the rule is then
    undecided for it, never met)."""
    if not specs:
        return {}
    from mcbadge.licensure.evaluation import trust_for_rule
    from mcbadge.licensure.trust import TrustListError, TrustListSource, load_trust_lists

    try:
        sources = [TrustListSource.parse(spec) for spec in specs]
    except ValueError as exc:
        raise _usage(command, f"--trust-list {exc}") from None
    try:
        loaded = load_trust_lists(sources, policy=policy)
    except TrustListError as exc:
        typer.echo(f"mcbadge {command}: error: {exc.message} [{exc.code}]", err=True)
        raise typer.Exit(1) from None
    return trust_for_rule(rule, loaded)


def _evaluate(
    command: str,
    rule_file: Path,
    credentials: list[Path],
    *,
    recipient: str | None,
    policy: VerificationPolicy,
    trust_list: list[str] | None = None,
) -> EvaluationResult:
    from mcbadge.licensure.evaluation import evaluate_documents

    rule = _load_rule(command, rule_file)
    _check_inputs(command, credentials)
    trust = _trust_for_rule(command, rule, trust_list, policy)
    return evaluate_documents(rule, credentials, policy=policy, recipient=recipient, trust=trust)


def _emit(command: str, text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    from mcbadge.publish import write_atomic

    try:
        write_atomic(out, text.encode("utf-8"))
    except OSError as exc:
        raise _usage(command, f"cannot write {out}: {exc.strerror}") from None


RuleArgument = Annotated[Path, typer.Argument(help="The stack rule file (JSON).")]
CredentialsArgument = Annotated[
    list[Path], typer.Argument(help="Credential files or folders (searched recursively).")
]
TrustListOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trust-list",
        help="FILE#sha256=HEX, FILE#operator=DID, or FILE accepted by another list "
        "(repeatable, in order); matched to the rule's trustList by the list's id or name.",
    ),
]
RecipientOption = Annotated[
    str | None,
    typer.Option("--recipient", help="The teacher's e-mail address (or subject id)."),
]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Judge validity and ages at this RFC 3339 instant.")
]
OfflineOption = Annotated[bool, typer.Option("--offline", help="Never use the network.")]
ResolveOption = Annotated[
    list[str] | None, typer.Option("--resolve", help="Pin HOST:PORT:ADDR (repeatable).")
]
ChallengeOption = Annotated[
    str | None,
    typer.Option("--challenge", help="A presentation among the credentials: your challenge."),
]
DomainOption = Annotated[
    str | None, typer.Option("--domain", help="A presentation among them: your domain.")
]
CaBundleOption = Annotated[
    Path | None, typer.Option("--ca-bundle", help="PEM file of trusted CAs.")
]


@app.command("evaluate")
def evaluate_command(
    rule: RuleArgument,
    credentials: CredentialsArgument,
    trust_list: TrustListOption = None,
    recipient: RecipientOption = None,
    output_format: Annotated[
        str,
        typer.Option("--format", help="text, json (one object), html or csv (a report to file)."),
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here (default: stdout).")
    ] = None,
    now: NowOption = None,
    offline: OfflineOption = False,
    resolve: ResolveOption = None,
    ca_bundle: CaBundleOption = None,
    challenge: ChallengeOption = None,
    domain: DomainOption = None,
) -> None:
    """Decide a stack rule over credentials; exit 0 met, 1 not met, 2 undecided."""
    if output_format not in ("text", "json", "html", "csv"):
        raise _usage("evaluate", "--format must be text, json, html or csv")
    policy = _policy(
        "evaluate",
        now=now,
        offline=offline,
        resolve=resolve,
        ca_bundle=ca_bundle,
        challenge=challenge,
        domain=domain,
    )
    result = _evaluate(
        "evaluate", rule, credentials, recipient=recipient, policy=policy, trust_list=trust_list
    )
    if output_format == "html":
        from mcbadge.report import render_evaluation_html

        text = render_evaluation_html(result)
    elif output_format == "csv":
        from mcbadge.report import render_evaluation_csv

        text = render_evaluation_csv(result)
    else:
        text = result.to_json() + "\n" if output_format == "json" else result.render_text()
    _emit("evaluate", text, out)
    raise typer.Exit(result.exit_code)


@app.command("endorse")
def endorse_command(
    rule: RuleArgument,
    credentials: CredentialsArgument,
    issuer: Annotated[
        Path, typer.Option("--issuer", help="The endorsing body's issuer Profile JSON file.")
    ],
    key: Annotated[Path, typer.Option("--key", help="The endorsing body's private key.")],
    recipient: Annotated[str, typer.Option("--recipient", help="The teacher's e-mail address.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the credential here.")
    ] = None,
    trust_list: TrustListOption = None,
    db: Annotated[str | None, typer.Option("--db", help="Registry SQLAlchemy URL.")] = None,
    status_url: Annotated[
        str | None, typer.Option("--status-url", help="Base URL where status lists are served.")
    ] = None,
    now: NowOption = None,
    offline: OfflineOption = False,
    resolve: ResolveOption = None,
    ca_bundle: CaBundleOption = None,
    challenge: ChallengeOption = None,
    domain: DomainOption = None,
) -> None:
    """Evaluate a stack rule and, when it is met, issue the micro-endorsement (exit 0);
    exit 1 not met, 2 undecided (nothing is issued then)."""
    from mcbadge.cli.cmd_issue import failure, open_issuer
    from mcbadge.errors import MCBadgeError
    from mcbadge.licensure.endorse import endorse

    policy = _policy(
        "endorse",
        now=now,
        offline=offline,
        resolve=resolve,
        ca_bundle=ca_bundle,
        challenge=challenge,
        domain=domain,
    )
    result = _evaluate(
        "endorse", rule, credentials, recipient=recipient, policy=policy, trust_list=trust_list
    )
    if not result.met:
        typer.echo(result.render_text(), err=True)
        typer.echo(f"mcbadge endorse: the rule is {result.verdict}; nothing was issued", err=True)
        raise typer.Exit(result.exit_code)
    body = open_issuer("endorse", issuer, key, signature_format=None, db=db, status_url=status_url)
    try:
        issued = endorse(body, result, recipient)
    except MCBadgeError as exc:
        raise failure("endorse", exc.message, exc.code) from None
    finally:
        body.registry.close()
    typer.echo(result.render_text(), err=True)
    _emit("endorse", issued.to_bytes().decode("utf-8"), out)
    raise typer.Exit(0)
