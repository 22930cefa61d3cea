"""After a registry is restored from a backup: make sure no status index is handed out twice.

A backup is the registry at one moment. Credentials issued after it were given status
indexes that the restored registry believes free, and lists it never saw may have been
started (their URLs are in those credentials). Handing one of those indexes out again would
tie two credentials to one bit: revoking one would revoke the other. :func:`seal_after_restore`
closes every list the restored registry knows (no new index in any of them) and skips
``skip`` list numbers per issuer and purpose, so that the next credential starts a list at
a URL no earlier credential can name::

    with Registry.open("sqlite:///registry.db") as registry:  # the restored file
        sealed = seal_after_restore(registry)

Run it once after the restore and before the service starts again. It is idempotent in
effect (running it twice skips twice as many numbers, which costs nothing). It does not
bring back what the backup lacks: status changes made after the backup must be made again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from mcbadge.registry.core import Registry, status_lists_t

__all__ = ["DEFAULT_SKIP", "SealedLists", "seal_after_restore"]

#: List numbers skipped per issuer and purpose: a list holds half its 131,072 entries before
#: the next one starts, so 1,000 lists are 65 million credentials issued after the backup.
DEFAULT_SKIP = 1000
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


@dataclass(frozen=True)
class SealedLists:
    """What :func:`seal_after_restore` did: lists closed, and per (issuer, purpose) the list
    number the next list will have."""

    closed: int
    next_numbers: dict[tuple[str, str], int]


def _skipped_url(url: str, seq: int, new_seq: int) -> str:
    """``url`` (the list numbered ``seq``) with its number replaced by ``new_seq``: the URL
    the list template gives ``new_seq`` (the number is the last one in the URL)."""
    match = _LAST_NUMBER.search(url)
    if match is None or int(match.group(1)) != seq:
        return f"{url.rstrip('/')}/retired-{new_seq}"
    return f"{url[: match.start()]}{new_seq}{url[match.end() :]}"


def seal_after_restore(registry: Registry, *, skip: int = DEFAULT_SKIP) -> SealedLists:
    """Close every status list and skip ``skip`` list numbers per issuer and purpose (one
    transaction). The skipped numbers are held by one empty, closed list each, at the URL the
    issuer's list naming gives the last of them: an all-zero list if anyone asks for it."""
    if skip < 1:
        raise ValueError("skip must be at least 1")

    def work(conn: sa.Connection) -> SealedLists:
        closed = conn.execute(
            sa.update(status_lists_t).where(status_lists_t.c.full.is_(False)).values(full=True)
        ).rowcount
        latest = conn.execute(
            sa.select(status_lists_t).order_by(
                status_lists_t.c.issuer_id, status_lists_t.c.purpose, status_lists_t.c.seq
            )
        ).all()
        last: dict[tuple[str, str], sa.Row[tuple[object, ...]]] = {}
        for row in latest:
            last[(row.issuer_id, row.purpose)] = row
        next_numbers = {}
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        for (issuer_id, purpose), row in sorted(last.items()):
            new_seq = int(row.seq) + skip
            conn.execute(
                sa.insert(status_lists_t).values(
                    issuer_id=issuer_id,
                    purpose=purpose,
                    seq=new_seq,
                    url=_skipped_url(row.url, int(row.seq), new_seq),
                    size=row.size,
                    created_at=now,
                    full=True,
                )
            )
            next_numbers[(issuer_id, purpose)] = new_seq + 1
        return SealedLists(closed=int(closed or 0), next_numbers=next_numbers)

    return registry._write("seal the status lists after a restore", work)
