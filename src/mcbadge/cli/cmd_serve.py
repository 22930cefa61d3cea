"""``mcbadge serve``: run the HTTP service (see docs/service.md).

The command checks everything it can before it listens (the configuration, each issuer's
key, the registry), prints the registry it uses, each issuer id and the URL it listens on,
then serves until SIGTERM or Ctrl-C and exits 0.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcbadge.cli.app import EXIT_FAILED, EXIT_USAGE, app

if TYPE_CHECKING:
    from mcbadge.server.config import ServiceConfig
    from mcbadge.server.state import ServiceState

COMMAND = "serve"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"mcbadge {COMMAND}: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _failure(message: str) -> typer.Exit:
    typer.echo(f"mcbadge {COMMAND}: error: {message}", err=True)
    return typer.Exit(EXIT_FAILED)


def _configuration(config_file: Path | None, keys: list[Path], **flags: object) -> ServiceConfig:
    """The file's settings (if any), the flags that were given on top, then each ``--key``
    as one more did:key issuer (unless the file already names that key file)."""
    from mcbadge.server.config import IssuerConfig, ServiceConfig, load_config

    chosen = {name: value for name, value in flags.items() if value is not None}
    config = load_config(config_file, **chosen) if config_file else ServiceConfig(**chosen)  # type: ignore[arg-type]
    held = {Path(issuer.key).resolve() for issuer in config.issuers}
    extra = []
    for key in keys:
        if key.resolve() not in held:
            extra.append(IssuerConfig(key=str(key.resolve())))
            held.add(key.resolve())
    return replace(config, issuers=config.issuers + tuple(extra)).check()


def _document_url(config: ServiceConfig) -> str:
    """Where this instance serves its did:web document (``<base>/.well-known/did.json``, or
    ``<base>/did.json`` when the base URL has a path, as did:web resolves it)."""
    from urllib.parse import urlsplit

    if urlsplit(config.public_url).path.strip("/"):
        return f"{config.public_url}/did.json"
    return f"{config.public_url}/.well-known/did.json"


def _describe(config: ServiceConfig, state: ServiceState) -> None:
    """What a person starting the service needs to read: registry (stderr, as every command
    says it), then each issuer id and key file, and the mode."""
    from mcbadge.cli.cmd_issue import say_registry

    say_registry(COMMAND, state.registry.location)
    for (issuer_id, issuer), item in zip(state.issuers.items(), config.issuers, strict=True):
        line = f"issuer {issuer_id} (key {item.key}, signs {issuer.format})"
        if issuer_id.startswith("did:web:"):
            line += f"; DID document {_document_url(config)}"
        typer.echo(line)
    if not state.issuers:
        typer.echo("no issuer keys: this instance only verifies (add --key KEY_FILE to issue)")
    if config.allow_unauthenticated:
        typer.echo(
            "authentication is OFF (--allow-unauthenticated): anything on this machine may"
            " issue and change status; for local testing only"
        )
    if config.base_url:
        typer.echo(f"public URL {config.public_url} (TLS at the front proxy)")
    if config.fetch.enabled:
        typer.echo(
            "verification fetches other providers' did:web documents and status lists"
            " ([verify] fetch = true): HTTPS to public addresses only, at most"
            f" {config.fetch.max_fetches} documents per verification"
        )
    else:
        typer.echo(
            "verification is offline: another provider's did:web key or status list is not"
            " fetched, so its credentials come back undecided ([verify] fetch = true fetches)"
        )


def _check_state(config: ServiceConfig) -> ServiceState:
    """Open the registry and load each key once here, so a bad key or an unreachable
    database is one clear sentence now, not a worker's traceback later."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.server.config import ConfigError
    from mcbadge.server.state import build_state

    try:
        return build_state(config)
    except ConfigError as exc:
        raise _usage(str(exc)) from None
    except ValueError as exc:  # an issuer setting the library refuses (format for the key)
        raise _usage(str(exc)) from None
    except MCBadgeError as exc:
        raise _failure(f"{exc.message} [{exc.code}]") from None


@app.command("serve")
def serve_command(
    host: Annotated[
        str | None,
        typer.Option("--host", metavar="HOST", help="Address to listen on (default 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", metavar="PORT", help="Port to listen on (default 8080).")
    ] = None,
    key: Annotated[
        list[Path] | None,
        typer.Option(
            "--key",
            metavar="KEY_FILE",
            help="An issuer key file (mcbadge keys generate); repeatable. The issuer is the "
            "key's did:key (a config file's [[issuers]] can make it the did:web instead).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="Registry URL (default: the per-user one)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", metavar="URL", help="The public https URL clients use (behind a proxy)."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", metavar="N", help="Worker processes (default 1).")
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="FILE", help="A TOML configuration file; flags override it."
        ),
    ] = None,
    allow_unauthenticated: Annotated[
        bool,
        typer.Option(
            "--allow-unauthenticated",
            help="Turn authentication off (local testing; refused unless HOST is loopback).",
        ),
    ] = False,
) -> None:
    """Serve the VC API, the OB 3.0 REST API, status lists and the verification page."""
    from mcbadge.server.config import ConfigError
    from mcbadge.server.runner import ListenError, listen, run

    try:
        config = _configuration(
            config_file,
            key or [],
            host=host,
            port=port,
            db=db,
            base_url=base_url,
            workers=workers,
            allow_unauthenticated=allow_unauthenticated or None,
        )
    except ConfigError as exc:
        raise _usage(str(exc)) from None
    for item in config.issuers:
        if not Path(item.key).is_file():
            raise _usage(f"issuer key {item.key}: no such file")
    state = _check_state(config)
    try:
        _describe(config, state)
        # every worker opens the same registry, also when it is the per-user default
        config = replace(config, db=state.registry.url)
    finally:
        state.close()
    try:
        sock = listen(config.host, config.port)
    except ListenError as exc:
        raise _failure(str(exc)) from None
    bound = f"[{config.host}]" if ":" in config.host else config.host

    def announce() -> None:
        typer.echo(f"listening on http://{bound}:{config.port} (stop with Ctrl-C or SIGTERM)")

    if not run(config, sock, environ=os.environ, announce=announce):
        raise _failure("the service did not start (see the message above)")
    typer.echo("stopped: requests in flight finished, registry closed")
