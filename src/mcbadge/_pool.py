"""What the issuing and the verifying process pools share about starting their workers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["heap_frozen_for_fork"]


@contextmanager
def heap_frozen_for_fork(start_method: str) -> Iterator[None]:
    """Around the submit that forks a pool's workers: every object this process has is moved
    out of the garbage collector's reach first, so a forked worker's collections never walk
    (and so copy, page by page) the heap it inherited, which after a long session can be most
    of the process (the gc module's documented use of freeze before fork). A caller who froze
    objects itself keeps them frozen (nothing is unfrozen then); other start methods are
    untouched."""
    frozen = start_method == "fork" and gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()
