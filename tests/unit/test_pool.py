"""mcbadge._pool.heap_frozen_for_fork: the heap is frozen only around a fork, and a caller's
own freeze is left as it was."""

from __future__ import annotations

import gc

import pytest

from mcbadge._pool import heap_frozen_for_fork


@pytest.fixture(autouse=True)
def _nothing_frozen() -> None:
    gc.unfreeze()


def test_the_heap_is_frozen_for_a_fork_and_unfrozen_after() -> None:
    with heap_frozen_for_fork("fork"):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_it_is_unfrozen_even_when_the_fork_fails() -> None:
    with pytest.raises(OSError, match="fork failed"), heap_frozen_for_fork("fork"):
        raise OSError("fork failed")
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_other_start_methods_freeze_nothing(method: str) -> None:
    with heap_frozen_for_fork(method):
        assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_is_kept() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        with heap_frozen_for_fork("fork"):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
