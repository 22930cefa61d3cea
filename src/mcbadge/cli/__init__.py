"""The ``mcbadge`` command line: a thin typer layer over the library.

Each command group lives in its own module and only parses arguments, calls the library
and renders the result. Heavy modules are imported inside the commands so that
``mcbadge --help`` starts fast.
"""

from __future__ import annotations

from mcbadge.cli.app import app, main

__all__ = ["app", "main"]
