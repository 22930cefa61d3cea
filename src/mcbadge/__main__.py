"""``python -m mcbadge`` runs the command line."""

from __future__ import annotations

from mcbadge.cli import main

raise SystemExit(main())
