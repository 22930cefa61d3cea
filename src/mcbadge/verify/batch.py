"""Batch verification on a process pool: results in input order, bounded memory.

Workers start once with the policy; documents go to them a chunk at a time (``jobs * 3``
chunks in flight at most), so 10,000 credentials never sit in memory at once; pass paths
rather than bytes to keep the parent small.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from mcbadge.verify._network import make_fetcher
from mcbadge.verify.pipeline import verify
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import VerificationResult

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["verify_many"]


_worker_policy: VerificationPolicy | None = None
_worker_fetcher: Any = None


def _init_worker(policy: VerificationPolicy) -> None:
    # The policy crosses to each worker once, not with every document.
    global _worker_policy, _worker_fetcher
    _worker_policy = policy
    _worker_fetcher = None


def _verify_chunk(documents: list[Any]) -> list[VerificationResult]:
    # One fetcher per worker process, so its cache serves every credential it verifies.
    global _worker_fetcher
    policy = _worker_policy
    if policy is None:  # pragma: no cover - the pool always runs the initializer
        raise RuntimeError("verify worker used without its policy")
    if not policy.offline:
        if _worker_fetcher is None:
            _worker_fetcher = make_fetcher(policy)
        policy = dataclasses.replace(policy, fetcher=_worker_fetcher)
    return [verify(document, policy) for document in documents]


def verify_many(
    documents: Iterable[Any],
    policy: VerificationPolicy | None = None,
    *,
    jobs: int = 1,
    chunk_size: int = 32,
) -> Iterator[VerificationResult]:
    """Verify each document (anything :func:`verify` accepts); yields results in input order.

    ``jobs`` > 1 uses that many worker processes, started once with the policy; documents go
    to them ``chunk_size`` at a time with at most ``jobs * 3`` chunks in flight (workers never
    idle between windows, memory stays bounded). A result is yielded as soon as it and all
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
    # Imported here: a one-process run (mcbadge verify of one file) never needs the pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from mcbadge._pool import heap_frozen_for_fork

    policy = dataclasses.replace(policy, fetcher=None)  # a fetcher cannot cross processes
    iterator = iter(documents)
    in_flight: deque[Future[list[VerificationResult]]] = deque()
    context = multiprocessing.get_context()
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(policy,)
    ) as pool:
        first = list(itertools.islice(iterator, chunk_size))
        if first:
            with heap_frozen_for_fork(context.get_start_method()):  # this submit forks them
                in_flight.append(pool.submit(_verify_chunk, first))
        while chunk := list(itertools.islice(iterator, chunk_size)):
            in_flight.append(pool.submit(_verify_chunk, chunk))
            if len(in_flight) >= jobs * 3:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()
