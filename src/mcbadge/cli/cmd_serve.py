"""``mcbadge serve``: run the HTTP service (see docs/service.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from mcbadge.cli.app import EXIT_USAGE, app


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="An issuer key file (mcbadge keys generate); repeatable."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Registry URL (default: the per-user registry).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="The public URL clients use.")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes.")] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="A TOML configuration file.")
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
    import uvicorn

    from mcbadge.server.config import (
        ENVIRONMENT_VARIABLE,
        ConfigError,
        IssuerConfig,
        ServiceConfig,
        load_config,
        to_environment,
    )

    overrides = {
        "host": host,
        "port": port,
        "db": db,
        "base_url": base_url,
        "workers": workers,
        "allow_unauthenticated": allow_unauthenticated or None,
    }
    try:
        if config_file is not None:
            config = load_config(config_file, **overrides)
        else:
            chosen = {k: v for k, v in overrides.items() if v is not None}
            config = ServiceConfig(**chosen)  # type: ignore[arg-type]
        if key:
            from dataclasses import replace

            extra = tuple(IssuerConfig(key=str(path)) for path in key)
            config = replace(config, issuers=config.issuers + extra)
        config.check()
    except ConfigError as exc:
        typer.echo(f"mcbadge serve: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    os.environ[ENVIRONMENT_VARIABLE] = to_environment(config)
    typer.echo(f"mcbadge serve: listening on {config.public_url}")
    uvicorn.run(
        "mcbadge.server.app:create_app_from_environment",
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level="warning",
    )
