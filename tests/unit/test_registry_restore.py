"""seal_after_restore: after a registry is restored from a backup, no index or list URL that
credentials issued after the backup hold is handed out again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mcbadge.registry import Registry
from mcbadge.registry.restore import _skipped_url, seal_after_restore

ISSUER = "did:example:restored-issuer"
TEMPLATE = "https://provider.example/status/{purpose}-{n}.json"


def _backup(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def _positions(registry: Registry, keys: list[str]) -> set[tuple[str, int]]:
    found = set()
    for key in keys:
        entry = registry.reserve(ISSUER, key, list_url_template=TEMPLATE).entries["revocation"]
        found.add((entry.list_url, entry.index))
    return found


@pytest.mark.parametrize("seal", [True, False])
def test_no_index_or_list_of_the_lost_credentials_is_handed_out_again(
    tmp_path: Path, seal: bool
) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "backup.db"
    # fill_limit 3: a list closes after 3 entries, so lists start within the test
    with Registry.open(f"sqlite:///{live}", fill_limit=3) as registry:
        before = _positions(registry, ["a", "b"])
        _backup(live, copy)
        lost = _positions(registry, [f"lost-{n}" for n in range(4)])  # after the backup
    lost_lists = {url for url, _ in lost}
    assert len(lost_lists) == 2  # the list open at the backup, and one started after it

    with Registry.open(f"sqlite:///{copy}", fill_limit=3) as restored:
        if seal:
            sealed = seal_after_restore(restored, skip=10)
            assert sealed.closed == 1
            assert sealed.next_numbers == {(ISSUER, "revocation"): 12}
        again = _positions(restored, [f"new-{n}" for n in range(5)])
        urls = [record.url for record in restored.status_lists(ISSUER)]
    assert not before & again
    if seal:
        assert not {url for url, _ in again} & (lost_lists | {url for url, _ in before})
        assert urls[:2] == [
            "https://provider.example/status/revocation-1.json",
            "https://provider.example/status/revocation-11.json",  # held, empty and closed
        ]
    else:  # what the seal prevents: the list started after the backup is started again
        assert {url for url, _ in again} & lost_lists


def test_the_skipped_url_follows_the_list_naming() -> None:
    assert _skipped_url("https://p.example/status/ab12/revocation-3.json", 3, 1003) == (
        "https://p.example/status/ab12/revocation-1003.json"
    )
    assert _skipped_url("https://p.example/status/revocation/3", 3, 1003) == (
        "https://p.example/status/revocation/1003"
    )
    assert _skipped_url("https://p.example/status/list", 3, 1003) == (
        "https://p.example/status/list/retired-1003"
    )


def test_skip_must_be_positive(tmp_path: Path) -> None:
    with (
        Registry.open(f"sqlite:///{tmp_path / 'r.db'}") as registry,
        pytest.raises(ValueError, match="skip"),
    ):
        seal_after_restore(registry, skip=0)
