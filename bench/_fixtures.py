"""The credentials every benchmark measures, built once per process.

``realistic_credential(key)`` is what a provider actually issues: ``mcbadge.issuer.Issuer``'s
output for the first row of ``examples/roster.csv`` and its ``examples/catalog`` achievement
(criteria, CSTA alignments, a rubric with levels, the reviewer's result, portfolio evidence, a
salted hashed e-mail, a ``credentialSchema`` and a BitstringStatusListEntry), issued by the
key's did:key, with the proof removed so each format can sign it. ``spec_complete_example(key)``
is the OB 3.0 spec's complete OpenBadgeCredential (every optional part filled in), issued by the
key's did:key; it is the secondary row.
"""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests/reference"
SPEC_COMPLETE = "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"
_cache: dict[str, dict[str, Any]] = {}


def realistic_credential(key: Any) -> dict[str, Any]:
    """The unsigned credential the issuer builds for roster row 1, issued by ``key``'s did:key
    (``key``: a :class:`mcbadge.keys.Key`, Ed25519 or P-256)."""
    from mcbadge.did import did_for_key

    did = did_for_key(key)
    if did not in _cache:
        from mcbadge.issuer import Issuer, IssuerStore
        from mcbadge.issuer.build import load_catalog, load_profile, load_roster

        catalog = load_catalog(ROOT / "examples/catalog")
        row = load_roster(ROOT / "examples/roster.csv")[0]
        with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
            store = IssuerStore(f"sqlite:///{temp}/fixture.sqlite3")
            issuer = Issuer(
                load_profile(ROOT / "examples/issuer.json"),
                key,
                format="eddsa-rdfc-2022" if key.key_type == "ed25519" else "ecdsa-rdfc-2019",
                registry=store,
                status_base_url="https://provider.example/status/",
            )
            issued = issuer.issue(
                catalog[row.achievement_id],
                row.email,
                achieved_level=row.achieved_level,
                evidence=row.evidence,
                valid_until=datetime(2036, 1, 1, tzinfo=UTC),
            )
            store.close()
        document = issued.document
        assert isinstance(document, dict)
        unsigned = {k: v for k, v in document.items() if k != "proof"}
        _cache[did] = unsigned
    return copy.deepcopy(_cache[did])


def spec_complete_example(key: Any) -> dict[str, Any]:
    """The OB 3.0 spec's complete OpenBadgeCredential, unsigned, issued by ``key``'s did:key."""
    from mcbadge.did import did_for_key

    credential: dict[str, Any] = json.loads((REFERENCE / SPEC_COMPLETE).read_text("utf-8"))
    credential.pop("proof", None)
    credential["issuer"] = dict(credential["issuer"], id=did_for_key(key))
    return credential
