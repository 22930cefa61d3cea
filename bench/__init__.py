"""Benchmarks for mcbadge (``python -m bench``)."""
