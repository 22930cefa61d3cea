"""The typer application and the process entry point.

Exit codes (shared by every command): 0 success / all verified, 1 at least one credential
failed verification or an operation failed, 2 indeterminate (for instance a status list
that could not be retrieved), 64 usage error (bad arguments, unreadable input).
"""

from __future__ import annotations

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


def _register_commands() -> None:
    # Command modules register themselves on `app` when imported.
    from mcbadge.cli import commands  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the console-script entry point)."""
    _register_commands()
    try:
        result = app(args=argv, standalone_mode=False)
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
