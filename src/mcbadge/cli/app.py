"""The typer application and the process entry point.

Exit codes (shared by every command): 0 success / all verified, 1 at least one credential
failed verification or an operation failed, 2 indeterminate (for instance a status list
that could not be retrieved), 64 usage error (bad arguments, unreadable input).
"""

from __future__ import annotations

import logging
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


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # not setStream(): that flushes the old, maybe closed, one
        super().emit(record)


class _OneLine(logging.Formatter):
    """``mcbadge: warning: message``: never a traceback (those are for ``--debug``)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"mcbadge: {record.levelname.lower()}: {record.getMessage()}"


_HANDLER = _StderrHandler()


def configure_logging(debug: bool) -> None:
    """What the library logs reaches stderr as one plain line (warnings and worse), or, with
    ``--debug``, everything down to debug level with tracebacks (an internal error's detail).

    Without a handler of our own, Python's last-resort handler would print a library
    ``logger.exception`` traceback on the user's terminal.
    """
    logger = logging.getLogger("mcbadge")
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    if debug:
        _HANDLER.setFormatter(logging.Formatter("mcbadge: %(levelname)s: %(name)s: %(message)s"))
        _HANDLER.setLevel(logging.DEBUG)
        logger.setLevel(logging.DEBUG)
    else:
        _HANDLER.setFormatter(_OneLine())
        _HANDLER.setLevel(logging.WARNING)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_show_version,
        is_eager=True,
    ),
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Log internal details (an internal error's traceback) to stderr, for bug reports.",
    ),
) -> None:
    """Issue and verify Open Badges 3.0 credentials (W3C Verifiable Credentials)."""
    configure_logging(debug)


# Which module registers each top-level command or command group. A run of one command
# imports only that module, so the parser inspects one command's signature instead of every
# command's (with the plugin setting in main: mcbadge verify of one file 1,441 M -> 1,328 M
# instructions). Help, --version and a name not listed here
# register every module, so a command missing from this table still works (and
# tests/unit/test_cli_registration.py fails until it is listed).
COMMAND_MODULES: dict[str, str] = {
    "audit": "cmd_tokens",
    "bake": "cmd_bake",
    "clr": "cmd_clr",
    "challenge": "cmd_present",
    "unbake": "cmd_bake",
    "endorse": "cmd_evaluate",
    "evaluate": "cmd_evaluate",
    "issue": "cmd_issue",
    "issue-batch": "cmd_issue",
    "keys": "cmd_keys",
    "present": "cmd_present",
    "revoke": "cmd_revoke",
    "suspend": "cmd_revoke",
    "unsuspend": "cmd_revoke",
    "serve": "cmd_serve",
    "serve-client": "cmd_oauth",
    "serve-learner": "cmd_oauth",
    "serve-token": "cmd_tokens",
    "sign": "cmd_sign",
    "status": "cmd_status",
    "trust": "cmd_trust",
    "verify": "cmd_verify",
}


def _register_commands(args: list[str]) -> None:
    # Command modules register themselves on `app` when imported.
    import importlib

    first = next((arg for arg in args if arg != "--debug"), None)
    module = COMMAND_MODULES.get(first) if first is not None else None
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
    logger = logging.getLogger("mcbadge")
    level = logger.level
    configure_logging(debug=False)  # the root callback turns on --debug once it is parsed
    try:
        return _run(args)
    finally:  # in-process callers (tests, embedding) get the logger back as it was
        logger.removeHandler(_HANDLER)
        logger.setLevel(level)


def _run(args: list[str]) -> int:
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
    logging.getLogger("mcbadge").debug("uncaught", exc_info=exc)
    print(f"mcbadge: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
