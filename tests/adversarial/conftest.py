"""The adversarial suite's fixtures live in _helpers.py (shared with tests/property)."""

from __future__ import annotations

from _helpers import host

__all__ = ["host"]
