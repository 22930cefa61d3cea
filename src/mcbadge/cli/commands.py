"""Finds the command modules (``mcbadge/cli/cmd_*.py``) and imports them.

Each command module registers its commands on :data:`mcbadge.cli.app.app` at import time, so
adding a command group never means editing a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil

import mcbadge.cli as _cli_package

for _module in sorted(pkgutil.iter_modules(_cli_package.__path__), key=lambda m: m.name):
    if _module.name.startswith("cmd_"):
        importlib.import_module(f"mcbadge.cli.{_module.name}")
