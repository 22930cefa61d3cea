"""Batch verification on a process pool: results in input order, bounded memory.

Documents are handed to workers a window at a time (``jobs * chunk_size * 2`` in flight at
most), so 10,000 credentials never sit in memory at once; pass paths rather than bytes to
keep the parent small.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from mcbadge.verify._network import make_fetcher
from mcbadge.verify.pipeline import verify
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import VerificationResult

__all__ = ["verify_many"]


_worker_fetcher: Any = None


def _verify_one(item: tuple[Any, VerificationPolicy]) -> VerificationResult:
    # One fetcher per worker process, so its cache serves every credential it verifies.
    global _worker_fetcher
    document, policy = item
    if not policy.offline:
        if _worker_fetcher is None:
            _worker_fetcher = make_fetcher(policy)
        policy = dataclasses.replace(policy, fetcher=_worker_fetcher)
    return verify(document, policy)


def verify_many(
    documents: Iterable[Any],
    policy: VerificationPolicy | None = None,
    *,
    jobs: int = 1,
    chunk_size: int = 32,
) -> Iterator[VerificationResult]:
    """Verify each document (anything :func:`verify` accepts); yields results in input order.

    ``jobs`` > 1 uses that many worker processes. A result is yielded as soon as it and all
    earlier ones are ready.
    """
    if jobs < 1 or chunk_size < 1:
        raise ValueError("jobs and chunk_size must be at least 1")
    policy = policy if policy is not None else VerificationPolicy()
    if jobs == 1:
        created = None
        if policy.fetcher is None and not policy.offline:
            created = make_fetcher(policy)
            policy = dataclasses.replace(policy, fetcher=created)
        try:
            for document in documents:
                yield verify(document, policy)
        finally:
            if created is not None:
                created.close()
        return
    policy = dataclasses.replace(policy, fetcher=None)  # a fetcher cannot cross processes
    window = jobs * chunk_size * 2
    iterator = iter(documents)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while True:
            batch = [(document, policy) for document in itertools.islice(iterator, window)]
            if not batch:
                return
            yield from pool.map(_verify_one, batch, chunksize=chunk_size)
