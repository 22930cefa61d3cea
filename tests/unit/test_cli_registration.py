"""The CLI registers only the command a run names (mcbadge.cli.app.COMMAND_MODULES), and that
table names exactly the commands each cmd_*.py module registers."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _registered_by_module() -> dict[str, str]:
    """Every top-level command and group, and the module that registered it (all imported)."""
    import mcbadge.cli.commands  # noqa: F401  (registers every command module)
    from mcbadge.cli.app import app

    found: dict[str, str] = {}
    for command in app.registered_commands:
        assert command.name is not None
        assert command.callback is not None
        found[command.name] = command.callback.__module__
    for group in app.registered_groups:
        assert group.name is not None
        assert group.typer_instance is not None
        modules = {
            c.callback.__module__ for c in group.typer_instance.registered_commands if c.callback
        }
        assert len(modules) == 1, (group.name, modules)
        found[group.name] = modules.pop()
    return found


def test_the_command_table_names_every_command_and_its_module() -> None:
    from mcbadge.cli.app import COMMAND_MODULES

    registered = _registered_by_module()
    assert {name: f"mcbadge.cli.{module}" for name, module in COMMAND_MODULES.items()} == registered


def _modules_loaded_by(args: list[str]) -> set[str]:
    code = textwrap.dedent(
        f"""
        import sys
        from mcbadge.cli.app import main
        main({args!r})
        print(" ".join(sorted(m for m in sys.modules if m.startswith("mcbadge.cli."))))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(run.stdout.strip().splitlines()[-1].split())


def test_a_run_of_one_command_imports_only_its_module() -> None:
    loaded = _modules_loaded_by(["verify", "--help"])
    assert "mcbadge.cli.cmd_verify" in loaded
    assert not {m for m in loaded if m.startswith("mcbadge.cli.cmd_")} - {"mcbadge.cli.cmd_verify"}


def test_help_and_unknown_commands_register_every_command() -> None:
    every = set(_registered_by_module().values())
    assert every <= _modules_loaded_by(["--help"])
    assert every <= _modules_loaded_by(["no-such-command"])
