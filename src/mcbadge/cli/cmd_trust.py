"""``mcbadge trust create|sign|inspect|import``: the trust lists a licensure office relies on.

Only argument parsing and rendering live here; every check is :mod:`mcbadge.licensure.trust`'s.
Exit codes: 0 done, 1 the list is refused (``trust_list.*``) or the operation failed, 64 usage.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_USAGE, app

trust_app = typer.Typer(
    help="Create, sign, inspect and import trust lists (which issuers an office trusts).",
    no_args_is_help=True,
)
app.add_typer(trust_app, name="trust")

_MAX_INPUT = 4 * 1024 * 1024
_FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "jwt")


def _fail(command: str, message: str, exit_code: int) -> NoReturn:
    typer.echo(f"mcbadge trust {command}: error: {message}", err=True)
    raise typer.Exit(exit_code)


def _date(command: str, option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        _fail(command, f"{option} {value!r} is not an RFC 3339 date-time", EXIT_USAGE)
    if parsed.utcoffset() is None:
        _fail(command, f"{option} needs a time zone (for example 2027-06-30T00:00:00Z)", EXIT_USAGE)
    return parsed


def _read_json(command: str, path: Path) -> dict[str, Any]:
    from mcbadge._json import loads_object
    from mcbadge.errors import MCBadgeError

    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_INPUT + 1)
    except OSError as exc:
        _fail(command, f"cannot read {path}: {exc.strerror}", EXIT_USAGE)
    try:
        return loads_object(data, max_bytes=_MAX_INPUT)
    except MCBadgeError as exc:
        _fail(command, f"{path} is not acceptable JSON: {exc.message} [{exc.code}]", EXIT_USAGE)


def _write(command: str, text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(command, f"cannot write {out}: {exc.strerror}", EXIT_USAGE)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@trust_app.command("create")
def create_command(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A small JSON input: any of id, name, operator {id, name}, validUntil, "
            "issuers [...], acceptedLists [...]; the options below override it."
        ),
    ] = None,
    list_id: Annotated[str | None, typer.Option("--id", help="The list's URL or URN.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The list's name.")] = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="The operator's DID (who signs the list).")
    ] = None,
    operator_name: Annotated[
        str | None, typer.Option("--operator-name", help="The operator's name.")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="When the list expires (RFC 3339).")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="The list's version (increase it).")
    ] = None,
    issued: Annotated[
        str | None, typer.Option("--issued", help="Issue date (default: now).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here.")] = None,
) -> None:
    """Write a new trust list (format 1), checked as it would be loaded."""
    from mcbadge.licensure.trust import TrustListError, create_trust_list

    given: dict[str, Any] = _read_json("create", source) if source is not None else {}
    raw_operator = given.get("operator")
    raw_operator = raw_operator if isinstance(raw_operator, dict) else {}
    values = {
        "--id": list_id or given.get("id"),
        "--name": name or given.get("name"),
        "--operator": operator or raw_operator.get("id"),
        "--operator-name": operator_name or raw_operator.get("name"),
        "--valid-until": valid_until or given.get("validUntil"),
    }
    missing = [option for option, value in values.items() if not value]
    if missing:
        _fail("create", f"missing {', '.join(missing)} (as options or in the input)", EXIT_USAGE)
    if not all(isinstance(value, str) for value in values.values()):
        _fail("create", "id, name, operator and validUntil must be strings", EXIT_USAGE)
    until = _date("create", "--valid-until", str(values["--valid-until"]))
    assert until is not None
    chosen_version = version if version is not None else given.get("version", 1)
    try:
        document = create_trust_list(
            list_id=str(values["--id"]),
            name=str(values["--name"]),
            operator_id=str(values["--operator"]),
            operator_name=str(values["--operator-name"]),
            valid_until=until,
            issuers=given.get("issuers", []),
            accepted_lists=given.get("acceptedLists", []),
            version=chosen_version,
            issued=_date("create", "--issued", issued),
            description=given.get("description"),
        )
    except TrustListError as exc:
        _fail("create", f"{exc.message} [{exc.code}]", EXIT_FAILED)
    except (TypeError, ValueError, AttributeError) as exc:
        _fail("create", f"the input is not usable: {exc}", EXIT_USAGE)
    _write("create", _dump(document), out)


@trust_app.command("sign")
def sign_command(
    trust_list: Annotated[Path, typer.Argument(help="The plain trust list JSON file.")],
    key_file: Annotated[Path, typer.Option("--key", "-k", help="The operator's key file.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="eddsa-rdfc-2022, ecdsa-rdfc-2019 or jwt.")
    ] = "eddsa-rdfc-2022",
    verification_method: Annotated[
        str | None,
        typer.Option("--verification-method", help="The operator's VM id (did:web operators)."),
    ] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option("--passphrase-file", help="Passphrase of an encrypted key.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here.")] = None,
) -> None:
    """Sign a trust list as its operator: an OB 3.0 EndorsementCredential carrying the list."""
    from mcbadge.cli.cmd_keys import _passphrase
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import load_key
    from mcbadge.licensure.trust import sign_trust_list
    from mcbadge.signing import SigningRefusedError

    if fmt not in _FORMATS:
        _fail("sign", f"--format must be one of {', '.join(_FORMATS)}", EXIT_USAGE)
    document = _read_json("sign", trust_list)
    secret = _passphrase(passphrase_file, "trust sign")
    try:
        key = load_key(key_file, passphrase=secret)
    except MCBadgeError as exc:
        usage = exc.code in ("key.unreadable", "key.passphrase")
        _fail("sign", f"{exc.message} [{exc.code}]", EXIT_USAGE if usage else EXIT_FAILED)
    try:
        signed = sign_trust_list(document, key, format=fmt, verification_method=verification_method)
    except SigningRefusedError as exc:
        _fail("sign", f"{exc.message} [{exc.code}]", EXIT_FAILED)
    except MCBadgeError as exc:
        hint = ""
        if exc.code == "key_binding.issuer_mismatch":
            hint = (
                " (the key must be the operator's: the list's operator.id is the signer; "
                "use --verification-method for a did:web operator)"
            )
        _fail("sign", f"{exc.message}{hint} [{exc.code}]", EXIT_FAILED)
    text = signed.to_text()
    _write("sign", text if signed.jwt is None else text + "\n", out)


@trust_app.command("inspect")
def inspect_command(
    trust_list: Annotated[
        str,
        typer.Argument(help="A trust list (plain or signed); FILE#sha256=HEX checks a pin."),
    ],
    operator: Annotated[
        str | None, typer.Option("--operator", help="Require the list to be signed by this DID.")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Judge expiry at this RFC 3339 instant.")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Never use the network.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Check one trust list as verify would load it and show what it says; exit 1 if refused."""
    from mcbadge.licensure.trust import (
        TrustListError,
        TrustListSource,
        inspect_trust_list,
        render_trust_list,
    )
    from mcbadge.verify import VerificationPolicy

    if output_format not in ("text", "json"):
        _fail("inspect", "--format must be text or json", EXIT_USAGE)
    try:
        source = TrustListSource.parse(trust_list)
    except ValueError as exc:
        _fail("inspect", str(exc), EXIT_USAGE)
    if operator is not None:
        source = dataclasses.replace(source, operator=operator)
    try:
        item = inspect_trust_list(
            source, policy=VerificationPolicy(offline=offline), now=_date("inspect", "--now", now)
        )
    except TrustListError as exc:
        _fail("inspect", f"{exc.message} [{exc.code}]", EXIT_FAILED)
    if output_format == "json":
        record = {
            "file": item.source,
            "sha256": item.sha256,
            "signed_by": item.signed_by,
            "anchor": item.anchor,
            "list": dict(item.trust_list.document),
        }
        typer.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        return
    typer.echo(render_trust_list(item))


import_app = typer.Typer(
    help="Import another registry format as a trust list.", no_args_is_help=True
)
trust_app.add_typer(import_app, name="import")


@import_app.command("dcc")
def import_dcc_command(
    registry: Annotated[
        Path, typer.Argument(help="A Digital Credentials Consortium issuer registry JSON file.")
    ],
    list_id: Annotated[str, typer.Option("--id", help="The new list's URL or URN.")],
    name: Annotated[str, typer.Option("--name", help="The new list's name.")],
    operator: Annotated[str, typer.Option("--operator", help="Your DID (who signs the list).")],
    operator_name: Annotated[str, typer.Option("--operator-name", help="Your name.")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="Expiry (RFC 3339).")],
    achievement: Annotated[
        list[str] | None,
        typer.Option("--achievement", help="Achievement id or prefix* they may issue (repeat)."),
    ] = None,
    achievement_type: Annotated[
        list[str] | None,
        typer.Option("--achievement-type", help="Achievement type they may issue (repeat)."),
    ] = None,
    version: Annotated[int, typer.Option("--version", help="The list's version.")] = 1,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here.")] = None,
) -> None:
    """Turn a DCC registry (did -> name, location, url) into a trust list (no key pinned)."""
    from mcbadge.licensure.trust import TrustListError, import_dcc_registry

    if not achievement and not achievement_type:
        _fail(
            "import",
            "name what the imported issuers may issue: --achievement ID|PREFIX*|'*' and/or "
            "--achievement-type TYPE (the DCC registry says who they are, not what they issue)",
            EXIT_USAGE,
        )
    until = _date("import", "--valid-until", valid_until)
    assert until is not None
    try:
        with registry.open("rb") as handle:
            data = handle.read(_MAX_INPUT + 1)
    except OSError as exc:
        _fail("import", f"cannot read {registry}: {exc.strerror}", EXIT_USAGE)
    try:
        document = import_dcc_registry(
            data,
            list_id=list_id,
            name=name,
            operator_id=operator,
            operator_name=operator_name,
            valid_until=until,
            achievements=achievement,
            achievement_types=achievement_type,
            version=version,
        )
    except TrustListError as exc:
        _fail("import", f"{exc.message} [{exc.code}]", EXIT_FAILED)
    _write("import", _dump(document), out)
