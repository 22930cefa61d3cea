"""The learner's credential store behind the OB 3.0 REST API (``mcbadge.registry.ob_credentials``),
pinned exactly where mutation testing found it unpinned: the stored text of a credential,
each refusal of ``parse_credential`` (message and code), the key a VC-JWT is stored under,
the 512-character key limit, one learner's copies kept apart from another's, and the
listing's order, ``since`` bounds and hiding of the provider's own awards."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.registry_kit import operational_error

from mcbadge.errors import RegistryError
from mcbadge.multibase import b64url_encode
from mcbadge.registry import Registry
from mcbadge.registry.ob_credentials import (
    LearnerError,
    canonical_json,
    list_credentials,
    parse_credential,
    upsert_credential,
)
from mcbadge.registry.ob_store import learner_key

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
TPL = "https://status.example/{purpose}/{n}"
ISSUER = "did:web:i.test"
ADA = learner_key("ada@school.example")
BOB = learner_key("bob@school.example")
BAD = "learner.bad_credential"
NO_ID = "the credential has no id (of at most 512 characters) to store it under"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    opened = Registry.open(f"sqlite:///{tmp_path / 'r.db'}")
    yield opened
    opened.close()


@pytest.fixture
def credential(reference: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (reference / "examples/ob3/validator-samples/simple.json").read_text("utf-8")
    )
    return document


def _with_id(credential: dict[str, Any], key: str, **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    changed["id"] = key
    changed.update(changes)
    return changed


def _jws(payload: dict[str, Any]) -> str:
    """A compact JWS with ``payload`` (structure only: the signature is never checked)."""
    header = b64url_encode(b'{"alg":"EdDSA","typ":"JWT"}')
    body = b64url_encode(json.dumps(payload).encode("utf-8"))
    return f"{header}.{body}.{b64url_encode(b'signature')}"


def _refusal(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(LearnerError) as caught:
        call()
    return caught.value.code, caught.value.message


def _listed(
    registry: Registry, learner: str, *, since: datetime | None = None
) -> tuple[list[str], int]:
    """The ids of one page (up to 50) of the learner's listing, and its total."""
    page = list_credentials(registry, learner, limit=50, offset=0, since=since)
    return [json.loads(item.document)["id"] for item in page.items], page.total


def _documents(registry: Registry, learner: str) -> list[str]:
    page = list_credentials(registry, learner, limit=50, offset=0)
    return [item.document for item in page.items]


def _issue(
    registry: Registry,
    credential: dict[str, Any],
    learner: str,
    at: datetime,
    key: str,
) -> str:
    """Issue an award to ``learner`` recorded at ``at`` (the registry's clock set to it for the
    call); its credential id."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mcbadge.registry.core._now", lambda: at.isoformat(timespec="microseconds"))
        reserved = registry.reserve(ISSUER, key, recipient_hash=learner, list_url_template=TPL)
        document = canonical_json(_with_id(credential, reserved.credential_id))
        registry.record_issued(reserved.credential_id, document, "json")
    return reserved.credential_id


# -- canonical_json ------------------------------------------------------------------------


def test_canonical_json_keeps_non_ascii_text_and_stores_it_so(
    registry: Registry, credential: dict[str, Any]
) -> None:
    """Sorted keys, no spaces, and non-ASCII characters as themselves (not ``\\u`` escapes),
    both from canonical_json and in the document the listing hands back."""
    assert canonical_json({"b": "Café ✓", "a": [1, {"d": None, "c": True}]}) == (
        '{"a":[1,{"c":true,"d":null}],"b":"Café ✓"}'
    )
    named = _with_id(credential, "urn:example:cafe", name="Café Badge ✓")
    assert upsert_credential(registry, ADA, named, now=T0) == "created"
    [document] = _documents(registry, ADA)
    assert '"name":"Café Badge ✓"' in document
    assert document == json.dumps(named, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"name": "\ud800"}, "UnicodeEncodeError"),
        (
            {"credentialSubject": {"type": ["AchievementSubject"], "score": float("nan")}},
            "ValueError",
        ),
        ({"name": datetime(2026, 12, 6, tzinfo=UTC)}, "TypeError"),
    ],
)
def test_a_library_callers_credential_that_is_not_json_data_is_bad_credential(
    registry: Registry, credential: dict[str, Any], change: dict[str, Any], cause: str
) -> None:
    """What JSON cannot hold (an unpaired surrogate, NaN, a datetime) is refused with
    ``learner.bad_credential`` and nothing is stored (before: a UnicodeEncodeError from the
    digest, or ``NaN`` stored as if it were JSON)."""
    with pytest.raises(LearnerError) as caught:
        upsert_credential(registry, ADA, {**credential, **change}, now=T0)
    assert caught.value.code == "learner.bad_credential"
    assert caught.value.message == (
        "the credential is not JSON data: it holds something JSON cannot (NaN or an "
        "infinity, a value that is not a number, text, list or object, a cycle, an unpaired "
        f"surrogate): {cause}"
    )
    assert _documents(registry, ADA) == []


# -- parse_credential: refusals ------------------------------------------------------------


def test_text_that_is_not_a_compact_jws_is_refused_with_the_decoders_reason() -> None:
    """A string body that decode_jwt refuses: ``learner.bad_credential``, and the reason."""
    assert _refusal(lambda: parse_credential(" a.b ")) == (
        BAD,
        "the body is not a compact JWS credential: the JWT does not have three non-empty parts",
    )


def test_a_jws_whose_vc_claim_is_not_an_object_is_refused_exactly() -> None:
    for vc in ("a credential", ["list"], None, 7):
        token = _jws({"iss": "https://example.com/issuers/876543", "vc": vc})
        assert _refusal(lambda token=token: parse_credential(token)) == (  # type: ignore[misc]
            BAD,
            "the JWS payload's vc claim is not a credential",
        )


def test_a_body_neither_an_object_nor_text_is_refused_exactly() -> None:
    for body in (["a list"], None, 7, b"{}"):
        assert _refusal(lambda body=body: parse_credential(body)) == (  # type: ignore[misc]
            BAD,
            "the body must be a credential (a JSON object) or a compact JWS",
        )


def test_only_an_achievement_credential_is_accepted_not_an_endorsement(
    reference: Path, credential: dict[str, Any]
) -> None:
    """The schema is the AchievementCredential one, whatever the document's type says: a valid
    EndorsementCredential is refused (validating by its own type would accept it)."""
    endorsement = json.loads(
        (reference / "examples/ob3/validator-samples/endorsement-valid.json").read_text("utf-8")
    )
    assert _refusal(lambda: parse_credential(endorsement)) == (
        BAD,
        "the credential is not an OB 3.0 AchievementCredential: the document does not match "
        "the 1EdTech JSON Schema (at credentialSubject, credentialSubject.type, type)",
    )
    token = _jws({"iss": "https://1edtech.edu/issuers/565049", "vc": endorsement})
    assert _refusal(lambda: parse_credential(token))[0] == BAD
    broken = {**credential, "credentialSubject": "nobody"}
    assert _refusal(lambda: parse_credential(broken)) == (
        BAD,
        "the credential is not an OB 3.0 AchievementCredential: the document does not match "
        "the 1EdTech JSON Schema (at credentialSubject)",
    )


def test_the_key_is_a_non_empty_id_of_at_most_512_characters(
    credential: dict[str, Any],
) -> None:
    """An id of 512 characters is a key; an empty one, or one of 513, is refused exactly (the
    AchievementCredential schema accepts both, so only this check stops them)."""
    at_most = "urn:example:" + "a" * 500
    assert len(at_most) == 512
    body = _with_id(credential, at_most)
    assert parse_credential(body) == (at_most, canonical_json(body))
    for key in ("", at_most + "a"):
        refused = _with_id(credential, key)
        assert _refusal(lambda refused=refused: parse_credential(refused)) == (BAD, NO_ID)  # type: ignore[misc]
    empty = _with_id(credential, "")
    assert _refusal(lambda: parse_credential(_jws({"vc": empty}))) == (BAD, NO_ID)


# -- parse_credential: the key of a JWS ----------------------------------------------------


def test_a_vc_jwt_is_keyed_by_its_vc_claims_id_not_by_jti(credential: dict[str, Any]) -> None:
    """VC-JWT (a ``vc`` claim): the vc is the credential checked, its id the key, the token the
    text, even when ``jti`` says otherwise."""
    token = _jws({"iss": credential["issuer"]["id"], "jti": "urn:example:jti", "vc": credential})
    assert parse_credential(f"  {token}\n") == (credential["id"], token)


def test_a_vc_jose_payload_without_jti_is_keyed_by_its_id(credential: dict[str, Any]) -> None:
    """VC-JOSE-COSE (the payload is the credential, no ``jti``): the key is the id."""
    token = _jws({**credential, "iss": credential["issuer"]["id"]})
    assert parse_credential(token) == (credential["id"], token)


def test_a_vc_jwt_whose_vc_has_an_empty_id_is_keyed_by_jti(credential: dict[str, Any]) -> None:
    token = _jws({"jti": "urn:example:jti", "vc": _with_id(credential, "")})
    assert parse_credential(token) == ("urn:example:jti", token)


# -- upsert_credential ---------------------------------------------------------------------


def test_two_learners_storing_the_same_credential_each_keep_their_own_copy(
    registry: Registry, credential: dict[str, Any]
) -> None:
    """The same id stored by two learners is two credentials: the second is ``created`` too,
    and one learner replacing theirs leaves the other's as it was."""
    assert upsert_credential(registry, ADA, credential, now=T0) == "created"
    assert upsert_credential(registry, BOB, credential, now=T0) == "created"
    assert _documents(registry, BOB) == [canonical_json(credential)]
    renamed = {**credential, "name": "Renamed"}
    assert upsert_credential(registry, ADA, renamed, now=T0 + timedelta(hours=1)) == "replaced"
    assert _documents(registry, ADA) == [canonical_json(renamed)]
    assert _documents(registry, BOB) == [canonical_json(credential)]
    assert upsert_credential(registry, BOB, credential, now=T0) == "unchanged"


def test_replacing_one_credential_leaves_the_learners_others_alone(
    registry: Registry, credential: dict[str, Any]
) -> None:
    first = _with_id(credential, "urn:example:1")
    second = _with_id(credential, "urn:example:2")
    assert upsert_credential(registry, ADA, first, now=T0) == "created"
    assert upsert_credential(registry, ADA, second, now=T0 + timedelta(minutes=1)) == "created"
    renamed = {**first, "name": "Renamed"}
    assert upsert_credential(registry, ADA, renamed, now=T0 + timedelta(minutes=2)) == "replaced"
    assert _documents(registry, ADA) == [canonical_json(second), canonical_json(renamed)]


def test_a_replacement_is_what_later_uploads_compare_with_and_dates_the_credential(
    registry: Registry, credential: dict[str, Any]
) -> None:
    """After a replacement the new content is the stored one: sending it again is
    ``unchanged``, sending the old one is ``replaced``; the credential is listed at the time of
    its replacement (order and ``since``)."""
    renamed = {**credential, "name": "Renamed"}
    other = _with_id(credential, "urn:example:other")
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    assert upsert_credential(registry, ADA, credential, now=T0) == "created"
    assert upsert_credential(registry, ADA, other, now=t1) == "created"
    assert upsert_credential(registry, ADA, renamed, now=t2) == "replaced"
    assert _listed(registry, ADA) == (["urn:example:other", credential["id"]], 2)
    assert _listed(registry, ADA, since=t2) == ([credential["id"]], 1)
    assert upsert_credential(registry, ADA, renamed, now=t2 + timedelta(hours=1)) == "unchanged"
    assert upsert_credential(registry, ADA, credential, now=t2 + timedelta(hours=2)) == "replaced"
    assert _documents(registry, ADA)[1] == canonical_json(credential)


def test_a_failing_write_names_the_operation(
    registry: Registry, credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def begin(self) -> Any:
            raise operational_error()

    monkeypatch.setattr(registry, "_engine", Broken())
    with pytest.raises(RegistryError) as caught:
        upsert_credential(registry, ADA, credential, now=T0)
    assert caught.value.code == "registry.unavailable"
    assert str(caught.value) == (
        "the issuer registry could not store a learner's credential (OperationalError)"
    )


# -- list_credentials ----------------------------------------------------------------------


def test_a_bad_page_is_refused_exactly(registry: Registry) -> None:
    for limit, offset in ((0, 0), (1, -1)):
        with pytest.raises(ValueError, match=r"^limit must be at least 1 and offset") as caught:
            list_credentials(registry, ADA, limit=limit, offset=offset)
        assert str(caught.value) == "limit must be at least 1 and offset at least 0"


def test_issued_awards_and_stored_credentials_are_listed_together_by_time(
    registry: Registry, credential: dict[str, Any]
) -> None:
    """Stored at T0 and T2, issued at T1 (keys sort otherwise: urn:example:z, urn:uuid:…,
    urn:example:a): oldest first, and ``since`` keeps what was issued or stored AT it."""
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    assert upsert_credential(registry, ADA, _with_id(credential, "urn:example:z"), now=T0) == (
        "created"
    )
    issued = _issue(registry, credential, ADA, t1, "ada teamwork")
    assert upsert_credential(registry, ADA, _with_id(credential, "urn:example:a"), now=t2) == (
        "created"
    )
    assert _listed(registry, ADA) == (["urn:example:z", issued, "urn:example:a"], 3)
    assert _listed(registry, ADA, since=t1) == ([issued, "urn:example:a"], 2)
    assert _listed(registry, ADA, since=t2) == (["urn:example:a"], 1)
    assert _listed(registry, ADA, since=t2 + timedelta(microseconds=1)) == ([], 0)


def test_credentials_of_the_same_time_are_listed_by_key(
    registry: Registry, credential: dict[str, Any]
) -> None:
    for key in ("urn:example:c", "urn:example:b", "urn:example:a"):
        assert upsert_credential(registry, ADA, _with_id(credential, key), now=T0) == "created"
    assert _listed(registry, ADA) == (["urn:example:a", "urn:example:b", "urn:example:c"], 3)


def test_only_a_copy_of_the_learners_own_issued_award_is_hidden(
    registry: Registry, credential: dict[str, Any]
) -> None:
    """Ada's stored copy of her award is not listed (the provider's record is); Bob's stored
    copy of Ada's award, and Ada's credential sharing the id of an award only reserved for
    her (never issued), are listed."""
    awarded = _issue(registry, credential, ADA, T0, "ada teamwork")
    reserved = registry.reserve(
        ISSUER, "ada other", recipient_hash=ADA, list_url_template=TPL
    ).credential_id
    later = T0 + timedelta(hours=1)
    for learner, key in ((ADA, awarded), (BOB, awarded), (ADA, reserved)):
        assert upsert_credential(registry, learner, _with_id(credential, key), now=later) == (
            "created"
        )
    assert _listed(registry, ADA) == ([awarded, reserved], 2)
    assert _listed(registry, BOB) == ([awarded], 1)


def test_a_failing_read_names_the_operation(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def connect(self) -> Any:
            raise operational_error()

    monkeypatch.setattr(registry, "_reader", Broken())
    with pytest.raises(RegistryError) as caught:
        list_credentials(registry, ADA, limit=1, offset=0)
    assert caught.value.code == "registry.unavailable"
    assert str(caught.value) == (
        "the issuer registry could not list a learner's credentials (OperationalError)"
    )
