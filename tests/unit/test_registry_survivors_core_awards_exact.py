"""mcbadge.registry.core, pinned where surviving mutants showed a gap (mutation run of
2026-12-06 over ``src/mcbadge/registry/``, second batch of ``core.py`` survivors): migration 1
over tables that already exist, an issuer's recorded name kept by later reservations, index
allocation (a draw is a clash only within its own list; the ``registry.list_full`` refusal
after exactly 1,000 rounds of draws), and award matching (``_find_awards``) over 1,000 keys,
recipients and legacy keys, its "earliest award" order, two roster rows adopting one legacy
row, and a legacy key spelled ``XXXX``."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from mcbadge.registry import SCHEMA_VERSION, AwardRequest, Registry
from mcbadge.registry import core as registry_core

TPL = "https://status.example/{purpose}/{n}"
ISSUER = "did:web:i.test"
A1 = "https://provider.example/achievements/1"
H1 = "sha256$" + "1" * 64
H2 = "sha256$" + "2" * 64
T1 = "2026-01-03T00:00:00.000001+00:00"
T2 = "2026-01-04T00:00:00.000002+00:00"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'r.db'}"


@pytest.fixture
def registry(db: str) -> Iterator[Registry]:
    with Registry.open(db) as reg:
        yield reg


def _urn(n: int) -> str:
    return f"urn:uuid:{uuid.UUID(int=n)}"


def _draws(monkeypatch: pytest.MonkeyPatch, values: Iterator[int]) -> list[int]:
    """Make ``secrets.randbelow`` (the status-index draw) return ``values`` in turn; the
    returned list records every draw made."""
    made: list[int] = []

    def draw(_n: int) -> int:
        made.append(next(values))
        return made[-1]

    monkeypatch.setattr("mcbadge.registry.core.secrets.randbelow", draw)
    return made


# -- migration 1 ---------------------------------------------------------------------------


def test_migrations_rerun_over_existing_tables_keep_the_credentials(
    db: str, tmp_path: Path
) -> None:
    """Every migration creates only what is missing (``checkfirst``): a registry whose
    ``schema_version`` table was lost (say, a dump restored without it) reopens, is brought
    to ``SCHEMA_VERSION`` over its existing tables, and keeps its credentials and lists.
    Migration 1 creating its tables unconditionally would refuse the open instead
    ("table issuers already exists")."""
    with Registry.open(db) as reg:
        kept = reg.reserve(ISSUER, "k1", achievement_id=A1, list_url_template=TPL)
    with closing(sqlite3.connect(tmp_path / "r.db")) as conn, conn:
        conn.execute("DROP TABLE schema_version")
    with Registry.open(db) as reg:
        assert reg.schema_version() == SCHEMA_VERSION
        got = reg.get(kept.credential_id)
        assert (got.idempotency_key, got.achievement_id, got.state) == ("k1", A1, "reserved")
        assert got.entries == kept.entries
        assert [(s.url, s.allocated) for s in reg.status_lists(ISSUER)] == [
            ("https://status.example/revocation/1", 1)
        ]


# -- _ensure_issuer -----------------------------------------------------------------------


def test_reserving_keeps_the_issuers_recorded_name(registry: Registry, tmp_path: Path) -> None:
    """``reserve`` / ``reserve_many`` record their issuer without a name: an issuer's name
    given earlier with ``ensure_issuer`` is kept, not cleared (nothing else sets it back)."""
    registry.ensure_issuer(ISSUER, "Provider")
    registry.reserve(ISSUER, "k1", list_url_template=TPL)
    registry.reserve_many(ISSUER, [("k2", None)], list_url_template=TPL)
    registry.ensure_issuer(ISSUER)
    with closing(sqlite3.connect(tmp_path / "r.db")) as conn:
        rows = conn.execute("SELECT id, name FROM issuers").fetchall()
    assert rows == [(ISSUER, "Provider")]


# -- _allocate_many --------------------------------------------------------------------------


def test_an_index_taken_in_another_list_is_no_clash(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drawn index is redrawn only when it is taken in the same list: index 5 of the
    revocation list does not stop a suspension entry (another list) from getting 5."""
    made = _draws(monkeypatch, iter([5, 5, 6]))
    first = registry.reserve(ISSUER, "a", list_url_template=TPL)
    second = registry.reserve(ISSUER, "b", purposes=("suspension",), list_url_template=TPL)
    assert first.entries["revocation"].index == 5
    assert second.entries["suspension"].index == 5
    assert second.entries["suspension"].list_id != first.entries["revocation"].list_id
    assert made == [5, 5]
    assert registry.get(second.credential_id).entries == second.entries


def test_after_the_rounds_of_draws_the_index_is_drawn_among_the_free_ones(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every one of the ``_DRAW_ROUNDS`` rounds lands on a taken index, the index is
    drawn among the list's free ones (one more draw, below their number): the reservation
    gets a free index, never a taken one, and no further random draw of the whole list is
    made."""
    _draws(monkeypatch, iter([5]))
    registry.reserve(ISSUER, "a", list_url_template=TPL)
    rounds = registry_core._DRAW_ROUNDS
    size = registry_core.DEFAULT_LIST_SIZE
    # the last draw is a position among the size - 1 free indexes (5 is taken): position
    # size - 2 is index size - 1, where one more round over the whole list would give size - 2
    made = _draws(monkeypatch, itertools.chain([5] * rounds, [size - 2]))
    b = registry.reserve(ISSUER, "b", list_url_template=TPL)
    assert made == [5] * rounds + [size - 2]
    assert b.entries["revocation"].index == size - 1
    assert registry.get(b.credential_id).entries == b.entries
    assert [s.allocated for s in registry.status_lists(ISSUER)] == [2]


def _take_every_index_but(path: Path, size: int, spared: set[int]) -> None:
    """Fill list 1 (revocation) of the registry at ``path`` up to ``spared``, writing the
    credentials and entries directly (reserving 131,070 credentials takes 9 s)."""
    fillers = [i for i in range(size) if i not in spared]
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO credentials (id, issuer_id, idempotency_key, state, reserved_at,"
            " revoked, suspended) VALUES (?, ?, ?, 'reserved', '2026-12-06T00:00:00+00:00',"
            " 0, 0)",
            [(f"urn:filler:{i}", ISSUER, f"filler-{i}") for i in fillers],
        )
        conn.executemany(
            "INSERT INTO status_entries (list_id, status_index, credential_id, purpose)"
            " VALUES (1, ?, ?, 'revocation')",
            [(i, f"urn:filler:{i}") for i in fillers],
        )


def test_the_last_free_indexes_of_a_list_filled_to_its_size_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``fill_limit == list_size`` is accepted: the last free indexes of a nearly full list
    are still reserved (before, random draws of the whole list gave up after 1,000 rounds
    with ``registry.list_full`` about 99 % of the time, and the list was never marked full);
    then the list is full and the next one is started."""
    path = tmp_path / "r.db"
    size = registry_core.DEFAULT_LIST_SIZE
    free = {7, 99_999}
    with Registry.open(f"sqlite:///{path}", fill_limit=size) as reg:
        _draws(monkeypatch, iter([0]))
        reg.reserve(ISSUER, "first", list_url_template=TPL)
        monkeypatch.undo()
        _take_every_index_but(path, size, {0, *free})
        lasts = [reg.reserve(ISSUER, f"last{i}", list_url_template=TPL) for i in range(3)]
        assert {r.entries["revocation"].index for r in lasts[:2]} == free
        assert [r.entries["revocation"].list_url for r in lasts] == [
            "https://status.example/revocation/1",
            "https://status.example/revocation/1",
            "https://status.example/revocation/2",
        ]
        assert [(s.allocated, s.full) for s in reg.status_lists(ISSUER)] == [
            (size, True),
            (1, False),
        ]


def test_a_batch_whose_draws_found_some_indexes_gets_the_rest_among_the_free_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two credentials reserved together with two indexes left: the rounds of draws find one
    of them (index 7), never the other; after the rounds, the second is drawn among the free
    ones left (99,999, not 7 again), and the list is then full."""
    path = tmp_path / "r.db"
    size = registry_core.DEFAULT_LIST_SIZE
    with Registry.open(f"sqlite:///{path}", fill_limit=size) as reg:
        _draws(monkeypatch, iter([0]))
        reg.reserve(ISSUER, "first", list_url_template=TPL)
        _take_every_index_but(path, size, {0, 7, 99_999})
        rounds = registry_core._DRAW_ROUNDS
        # round 1 draws 7 (free) and 1 (taken); every later round draws 1; then the fallback
        _draws(monkeypatch, itertools.chain([7, 1], [1] * (rounds - 1), [0]))
        pair = reg.reserve_many(ISSUER, [("a", None), ("b", None)], list_url_template=TPL)
        assert [r.entries["revocation"].index for r in pair] == [7, 99_999]
        assert [(s.allocated, s.full) for s in reg.status_lists(ISSUER)] == [(size, True)]


# -- _find_awards -----------------------------------------------------------------------------


def test_award_lookups_find_every_one_of_1000(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,000 keys, recipients and legacy keys in one call (two query chunks, and more than
    a chunk's worth of chunk starts): every one is found, the last one included."""
    # a key missed by the look-up is inserted again, a lost race retried: give up quickly
    monkeypatch.setattr("mcbadge.registry.core._RETRIES", 3)
    n = 1000
    achievements = [f"{A1}/{i}" for i in range(n)]
    hashes = [f"sha256${i:064d}" for i in range(n)]
    legacy = registry.reserve_many(
        ISSUER, [(f"row-{i}", achievements[i]) for i in range(n)], list_url_template=TPL
    )
    ids = [r.credential_id for r in legacy]
    # by legacy key: every old row adopted, its recipient recorded
    adopted = registry.reserve_many(
        ISSUER,
        [
            AwardRequest(f"p{i}@example.org", achievements[i], hashes[i], True, f"row-{i}")
            for i in range(n)
        ],
        list_url_template=TPL,
    )
    assert [(r.credential_id, r.new) for r in adopted] == [(c, False) for c in ids]
    assert registry.get(ids[-1]).recipient_hash == hashes[-1]
    # by recipient and achievement, under new keys
    matched = registry.reserve_many(
        ISSUER,
        [AwardRequest(f"new-{i}", achievements[i], hashes[i], True) for i in range(n)],
        list_url_template=TPL,
    )
    assert [(r.credential_id, r.new) for r in matched] == [(c, False) for c in ids]
    # by idempotency key: 999 new keys, then the key of an existing row as the 1,000th
    again = registry.reserve_many(
        ISSUER,
        [(f"fresh-{i}", None) for i in range(n - 1)] + [("row-999", achievements[-1])],
        list_url_template=TPL,
    )
    assert [r.new for r in again] == [True] * (n - 1) + [False]
    assert again[-1].credential_id == ids[-1]
    assert len(registry.list_credentials(ISSUER, limit=3 * n)) == 2 * n - 1


def test_the_earliest_award_is_by_reservation_time_not_id(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two awards of one achievement to one recipient (explicit keys): a matching request
    gets the one reserved first, though the later one has the smaller credential id."""
    clock = [T1]
    monkeypatch.setattr(registry_core, "_now", lambda: clock[0])
    ids = iter([uuid.UUID(int=9), uuid.UUID(int=1)])
    monkeypatch.setattr("mcbadge.registry.core.uuid.uuid4", lambda: next(ids))
    first = registry.reserve(
        ISSUER, "k1", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    clock[0] = T2
    later = registry.reserve(
        ISSUER, "k2", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    assert (first.credential_id, first.reserved_at) == (_urn(9), T1)
    assert (later.credential_id, later.reserved_at) == (_urn(1), T2)
    got = registry.reserve(
        ISSUER,
        "k3",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        list_url_template=TPL,
    )
    assert (got.credential_id, got.new) == (_urn(9), False)


def test_two_roster_rows_of_one_award_adopt_only_the_first_legacy_row(
    registry: Registry,
) -> None:
    """A roster listing one award twice (two row ids, each an old mcbadge credential with no
    recipient): the first row's credential is adopted and both get it; the second old row
    is left alone (no recipient recorded), not adopted as well."""
    old = registry.reserve_many(ISSUER, [("row-1", A1), ("row-2", A1)], list_url_template=TPL)
    key = f"p@example.org {A1}"
    out = registry.reserve_many(
        ISSUER,
        [AwardRequest(key, A1, H1, True, "row-1"), AwardRequest(key, A1, H1, True, "row-2")],
        list_url_template=TPL,
    )
    assert [(r.credential_id, r.new) for r in out] == [(old[0].credential_id, False)] * 2
    assert registry.get(old[0].credential_id).recipient_hash == H1
    assert registry.get(old[1].credential_id).recipient_hash is None
    assert len(registry.list_credentials(ISSUER)) == 2


def test_an_award_without_legacy_key_never_takes_another_awards_legacy_row(
    registry: Registry,
) -> None:
    """A matching request with no legacy key adopts no old row, even one whose key is
    ``XXXX`` that a later request of the same batch names as its legacy key: that one
    adopts it, and the first gets a new credential."""
    (old,) = registry.reserve_many(ISSUER, [("XXXX", A1)], list_url_template=TPL)
    out = registry.reserve_many(
        ISSUER,
        [
            AwardRequest(f"a@example.org {A1}", A1, H1, True),
            AwardRequest(f"b@example.org {A1}", A1, H2, True, "XXXX"),
        ],
        list_url_template=TPL,
    )
    assert out[0].new is True
    assert out[0].credential_id != old.credential_id
    assert (out[1].credential_id, out[1].new) == (old.credential_id, False)
    assert registry.get(old.credential_id).recipient_hash == H2
    assert registry.get(out[0].credential_id).recipient_hash == H1
