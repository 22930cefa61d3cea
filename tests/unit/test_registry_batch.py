"""Registry.reserve_many / record_issued_many: the batch paths keep every rule of reserve /
record_issued (one index per credential, never twice, idempotent, durable per call)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from mcbadge.registry import Registry


def _issuer() -> str:
    return f"did:web:provider.test:{uuid.uuid4().hex}"


def _tpl(issuer: str) -> str:
    return f"https://status.example/{issuer.rsplit(':', 1)[1]}/{{purpose}}/{{n}}"


def test_reserve_many_allocates_distinct_indexes_across_lists_and_is_idempotent(
    tmp_path: Path,
) -> None:
    issuer = _issuer()
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", fill_limit=5) as reg:
        requests = [(f"k{n}", "a") for n in range(12)]
        first = reg.reserve_many(
            issuer, requests, purposes=("revocation", "suspension"), list_url_template=_tpl(issuer)
        )
        assert [r.idempotency_key for r in first] == [k for k, _ in requests]
        assert all(r.new and r.document is None for r in first)
        for purpose in ("revocation", "suspension"):
            slots = [(r.entries[purpose].list_url, r.entries[purpose].index) for r in first]
            assert len(set(slots)) == 12
            # fill_limit 5: the chunk spilled over into three lists, each at most 5 entries
            per_list = {url: sum(1 for u, _ in slots if u == url) for url, _ in slots}
            assert len(per_list) == 3
            assert max(per_list.values()) <= 5
        # the same as reserving one at a time
        one = reg.reserve(issuer, "k3", purposes=("revocation",), list_url_template=_tpl(issuer))
        assert one.credential_id == first[3].credential_id
        assert not one.new
        again = reg.reserve_many(
            issuer, [*requests, ("k-new", "a")], list_url_template=_tpl(issuer)
        )
        assert [r.credential_id for r in again[:12]] == [r.credential_id for r in first]
        assert not any(r.new for r in again[:12])
        assert again[12].new
        assert again[12].entries["revocation"].index not in {
            r.entries["revocation"].index
            for r in first
            if r.entries["revocation"].list_url == again[12].entries["revocation"].list_url
        }


def test_reserve_many_gives_a_repeated_key_one_reservation(tmp_path: Path) -> None:
    issuer = _issuer()
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        out = reg.reserve_many(
            issuer, [("same", "a"), ("other", "a"), ("same", "a")], list_url_template=_tpl(issuer)
        )
        assert out[0].credential_id == out[2].credential_id != out[1].credential_id
        assert out[0].new
        assert out[1].new
        assert not out[2].new
        assert len(reg.list_credentials(issuer)) == 2


def test_record_issued_many_is_idempotent_and_refuses_a_different_document(
    tmp_path: Path,
) -> None:
    issuer = _issuer()
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        a, b = reg.reserve_many(issuer, [("a", None), ("b", None)], list_url_template=_tpl(issuer))
        assert reg.record_issued_many([(a.credential_id, '{"a":1}', "jwt")]) == [None]
        errors = reg.record_issued_many(
            [
                (a.credential_id, '{"a":1}', "jwt"),  # same document again: fine
                (b.credential_id, '{"b":1}', "jwt"),
                (a.credential_id, '{"a":2}', "jwt"),  # a different one: refused
                ("urn:uuid:nope", "x", "jwt"),
                (b.credential_id, "", "jwt"),
            ]
        )
        assert errors[:2] == [None, None]
        codes = [e.code if e is not None else None for e in errors[2:]]
        assert codes == [
            "registry.already_issued",
            "registry.unknown_credential",
            "registry.bad_document",
        ]
        assert reg.get(a.credential_id).document == '{"a":1}'
        assert reg.get(b.credential_id).state == "issued"
        redo = reg.reserve_many(issuer, [("a", None)], list_url_template=_tpl(issuer))
        assert redo[0].document == '{"a":1}'


@pytest.mark.parametrize("bad", [[("", "a")], [("k", "a")]])
def test_reserve_many_refuses_bad_keys_and_purposes(
    tmp_path: Path, bad: list[tuple[str, str]]
) -> None:
    issuer = _issuer()
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}") as reg:
        from mcbadge.errors import RegistryError

        purposes = ("revocation",) if bad[0][0] == "" else ("bogus",)
        with pytest.raises(RegistryError):
            reg.reserve_many(issuer, bad, purposes=purposes, list_url_template=_tpl(issuer))
        assert reg.list_credentials(issuer) == []
