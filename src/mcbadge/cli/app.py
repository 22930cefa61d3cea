"""The typer application and the process entry point.

Exit codes (shared by every command): 0 success / all verified, 1 at least one credential
failed verification or an operation failed, 2 indeterminate (for instance a status list
that could not be retrieved), 64 usage error (bad arguments, unreadable input).
"""

from __future__ import annotations

import os
import sys

import typer

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INDETERMINATE = 2
EXIT_USAGE = 64

app = typer.Typer(
    name="mcbadge",
    help="Issue and verify Open Badges 3.0 credentials (W3C Verifiable Credentials).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help and usage errors: Rich's formatter costs ~0.3 s of imports per run.
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from mcbadge import __version__

        typer.echo(f"mcbadge {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_show_version,
        is_eager=True,
    ),
) -> None:
    """Issue and verify Open Badges 3.0 credentials (W3C Verifiable Credentials)."""


# Which module registers each top-level command or command group. A run of one command
# imports only that module, so the parser inspects one command's signature instead of every
# command's (with the plugin setting in main: mcbadge verify of one file 1,441 M -> 1,328 M
# instructions). Help, --version and a name not listed here
# register every module, so a command missing from this table still works (and
# tests/unit/test_cli_registration.py fails until it is listed).
COMMAND_MODULES: dict[str, str] = {
    "bake": "cmd_bake",
    "unbake": "cmd_bake",
    "issue": "cmd_issue",
    "issue-batch": "cmd_issue",
    "keys": "cmd_keys",
    "revoke": "cmd_revoke",
    "suspend": "cmd_revoke",
    "unsuspend": "cmd_revoke",
    "sign": "cmd_sign",
    "status": "cmd_status",
    "verify": "cmd_verify",
}


def _register_commands(args: list[str]) -> None:
    # Command modules register themselves on `app` when imported.
    import importlib

    module = COMMAND_MODULES.get(args[0]) if args else None
    if module is None:  # the root's own options (--help, --version) or an unknown command
        importlib.import_module("mcbadge.cli.commands")
    else:
        importlib.import_module(f"mcbadge.cli.{module}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the console-script entry point)."""
    args = sys.argv[1:] if argv is None else argv
    # The CLI runs no pydantic plugins (third-party validation hooks found through package
    # metadata): looking them up costs ~10 ms of every start. A user's own setting stands.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    _register_commands(args)
    try:
        result = app(args=args, standalone_mode=False)
    except typer.Exit as exc:  # raised by commands to set their exit code
        return int(exc.exit_code)
    except SystemExit as exc:  # pragma: no cover - click may still raise it
        return int(exc.code or 0)
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # usage errors from the parser, and anything a command missed
        return _report_uncaught(exc)
    return int(result) if isinstance(result, int) else EXIT_OK


def _report_uncaught(exc: Exception) -> int:
    show = getattr(exc, "show", None)
    if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
        # The argument parser's own errors (typer vendors click, so match on shape, not class).
        show()
        return EXIT_USAGE
    from mcbadge.errors import MCBadgeError

    if isinstance(exc, MCBadgeError):
        print(f"mcbadge: error: {exc.message} [{exc.code}]", file=sys.stderr)
        return EXIT_FAILED
    print(f"mcbadge: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
