"""Ed25519 verification is safe to start from several threads at once (the service verifies
in a thread pool): its lazily imported libsodium binding is set up whole, whichever thread
gets there first."""

from __future__ import annotations

import threading

import mcbadge.keys as keys_module
from mcbadge.keys import Key, generate_key


def _race(key: Key, signature: bytes, message: bytes, threads: int) -> list[BaseException]:
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def verify() -> None:
        barrier.wait()
        try:
            key.verify(signature, message)
        except BaseException as exc:  # collected and asserted by the caller
            failures.append(exc)

    started = [threading.Thread(target=verify) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return failures


def test_first_verifications_racing_in_threads_all_succeed() -> None:
    key = generate_key("ed25519")
    message = b"the same message"
    signature = key.sign(message)
    for _ in range(20):
        keys_module._NACL.clear()  # as in a fresh process
        assert _race(key, signature, message, 8) == []
        assert len(keys_module._NACL) == 2
