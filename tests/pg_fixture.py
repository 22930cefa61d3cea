"""Shared PostgreSQL fixture: the URL of the throwaway server ``scripts/ci-postgres.sh`` starts.

Use ``from pg_fixture import pg_url`` (tests/ is on sys.path via its conftest) and mark the
test ``@pytest.mark.postgres``. When ``MCBADGE_TEST_PG_URL`` is unset the test is skipped
locally, but FAILS under ``CI=true`` so CI can never silently skip PostgreSQL.
"""

from __future__ import annotations

import os

import pytest


def pg_url_or_skip() -> str:
    url = os.environ.get("MCBADGE_TEST_PG_URL", "")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("MCBADGE_TEST_PG_URL is not set under CI=true (run scripts/ci-postgres.sh)")
        pytest.skip("MCBADGE_TEST_PG_URL is not set (PostgreSQL tests run in CI)")
    return url


@pytest.fixture
def pg_url() -> str:
    return pg_url_or_skip()
