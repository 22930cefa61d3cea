"""Learners' profiles in the registry (``mcbadge.registry.ob_store``), pinned exactly where
the 2026-12 mutation run of ``registry/`` found them untested:

- a profile that is not a JSON object is ``learner.bad_profile`` "a profile is a JSON object";
- a profile is checked against the OB 3.0 *Profile* schema, not against whichever schema its
  ``type`` picks: an OpenBadgeCredential is not stored as a profile;
- the default profile of a learner who has not PUT one is exactly the minimal OB 3.0 Profile;
- an unknown learner is ``learner.unknown`` "no learner has this key" (the API repeats it);
- ``put_profile`` stamps the row with the ``now`` given and refuses a naive ``now``;
- a failing database names the profile operation that failed.

The learners table's ``updated_at`` is not part of anything the store hands out, so it is read
back from the SQLite file, as in ``test_registry_exact.py``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.registry_kit import DownEngine, DownReader, refused_unavailable

from mcbadge.registry import Registry
from mcbadge.registry.ob_store import LearnerError, LearnerStore, learner_key

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
EMAIL = "ada@school.example"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DEFAULT_PROFILE: dict[str, Any] = {
    "@context": [VC_CONTEXT, OB_CONTEXT],
    "id": f"mailto:{EMAIL}",
    "type": ["Profile"],
    "email": EMAIL,
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "r.db"


@pytest.fixture
def registry(db_path: Path) -> Iterator[Registry]:
    opened = Registry.open(f"sqlite:///{db_path}")
    yield opened
    opened.close()


@pytest.fixture
def store(registry: Registry) -> LearnerStore:
    return LearnerStore(registry)


@pytest.fixture
def learner(store: LearnerStore) -> str:
    store.invite(EMAIL, now=T0)
    return learner_key(EMAIL)


def _mine(name: str = "Ada") -> dict[str, Any]:
    return {**DEFAULT_PROFILE, "name": name}


def _updated_at(db_path: Path, learner: str) -> str:
    with closing(sqlite3.connect(db_path)) as conn:
        row = conn.execute(
            "SELECT updated_at FROM learners WHERE learner = ?", (learner,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_the_default_profile_is_exactly_the_minimal_ob_profile(
    store: LearnerStore, learner: str
) -> None:
    """Kills profile 25, 26 (the ``@context`` key renamed in the default profile)."""
    assert store.profile(learner) == DEFAULT_PROFILE


@pytest.mark.parametrize("body", [[DEFAULT_PROFILE], "a profile", None, 3, True])
def test_a_profile_that_is_not_an_object_is_bad_profile_exactly(
    store: LearnerStore, learner: str, body: Any
) -> None:
    """Kills _profile_check 2-10 (the refusal's message None, dropped or changed; its code
    None or dropped, i.e. ``learner.invalid``, or changed)."""
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, body, now=T0)
    assert caught.value.code == "learner.bad_profile"
    assert caught.value.message == "a profile is a JSON object"
    assert str(caught.value) == "a profile is a JSON object"
    assert store.profile(learner) == DEFAULT_PROFILE


def test_an_open_badge_credential_is_not_stored_as_a_profile(
    store: LearnerStore, learner: str, reference: Path
) -> None:
    """Kills _profile_check 12, 14 (the schema chosen by the document's ``type`` instead of
    the Profile schema: a valid OpenBadgeCredential would pass and be stored)."""
    credential: dict[str, Any] = json.loads(
        (reference / "examples/ob3/validator-samples/simple.json").read_text("utf-8")
    )
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, credential, now=T0)
    assert caught.value.code == "learner.bad_profile"
    assert caught.value.message == (
        "the profile is not an OB 3.0 Profile: "
        "the document does not match the 1EdTech JSON Schema (at type)"
    )
    assert store.profile(learner) == DEFAULT_PROFILE


def test_a_profile_without_the_profile_type_is_refused_at_type(
    store: LearnerStore, learner: str
) -> None:
    """Kills _profile_check 12, 14 (checked against the AchievementCredential schema, the
    refusal would point at the root, not at ``type``)."""
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, {**_mine(), "type": ["Person"]}, now=T0)
    assert caught.value.code == "learner.bad_profile"
    assert caught.value.message == (
        "the profile is not an OB 3.0 Profile: "
        "the document does not match the 1EdTech JSON Schema (at type)"
    )


@pytest.mark.parametrize("type_", ["Person", "Profile"])
def test_a_profile_whose_type_is_a_single_string_is_refused(
    store: LearnerStore, learner: str, type_: str
) -> None:
    """``type`` is an array naming ``Profile``, as the OB 3.0 API's OpenAPI ``Profile`` and
    the strict 1EdTech schema say (the published purl schema lets it be any string: before,
    ``"Person"`` was stored and GET /profile served it); an array naming it is stored."""
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, {**_mine(), "type": type_}, now=T0)
    assert caught.value.code == "learner.bad_profile"
    assert caught.value.message == (
        "the profile is not an OB 3.0 Profile: "
        "the document does not match the 1EdTech JSON Schema (at type)"
    )
    assert store.profile(learner) == DEFAULT_PROFILE
    store.put_profile(learner, {**_mine(), "type": ["Profile"]}, now=T0)
    assert store.profile(learner) == {**_mine(), "type": ["Profile"]}


def test_a_profile_that_is_not_json_data_is_bad_profile(store: LearnerStore, learner: str) -> None:
    """A library caller's profile with an unpaired surrogate is refused with
    ``learner.bad_profile`` (before: a UnicodeEncodeError) and the profile is unchanged."""
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, {**_mine(), "name": "\udc00"}, now=T0)
    assert caught.value.code == "learner.bad_profile"
    assert caught.value.message.startswith("the profile is not JSON data: it holds ")
    assert store.profile(learner) == DEFAULT_PROFILE


def test_an_unknown_learner_is_learner_unknown_with_its_message(store: LearnerStore) -> None:
    """Kills put_profile 33, 37, 38 (the message None or changed; PUT /profile answers 404
    with this message)."""
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner_key("nobody@school.example"), _mine(), now=T0)
    assert caught.value.code == "learner.unknown"
    assert caught.value.message == "no learner has this key"
    assert str(caught.value) == "no learner has this key"


def test_put_profile_stamps_the_row_with_the_time_given(
    store: LearnerStore, learner: str, db_path: Path
) -> None:
    """Kills put_profile 7 (the current time used instead of ``now``) and 20 (``updated_at``
    left at the invitation's time); an unchanged profile keeps the earlier stamp."""
    assert _updated_at(db_path, learner) == "2026-12-05T08:00:00.000000+00:00"
    later = T0 + timedelta(days=400, microseconds=7)
    assert store.put_profile(learner, _mine(), now=later) == (_mine(), True)
    assert _updated_at(db_path, learner) == "2028-01-09T08:00:00.000007+00:00"
    assert store.put_profile(learner, _mine(), now=later + timedelta(days=1)) == (_mine(), False)
    assert _updated_at(db_path, learner) == "2028-01-09T08:00:00.000007+00:00"


def test_put_profile_refuses_a_naive_now_and_stores_nothing(
    store: LearnerStore, learner: str
) -> None:
    """Kills put_profile 7 (``now`` ignored, so a naive time would be accepted)."""
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$") as caught:
        store.put_profile(learner, _mine(), now=datetime(2026, 12, 5, 8, 0))
    assert str(caught.value) == "now must be a timezone-aware datetime"
    assert store.profile(learner) == DEFAULT_PROFILE


def test_a_failing_read_names_the_profile_read(
    store: LearnerStore, learner: str, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills profile 14, 18, 19 (the operation's name None or changed in the message)."""
    monkeypatch.setattr(registry, "_reader", DownReader())
    refused_unavailable(lambda: store.profile(learner), "read a learner's profile")


def test_a_failing_write_names_the_profile_store(
    store: LearnerStore, learner: str, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills put_profile 26, 30, 31 (the operation's name None or changed in the message)."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    refused_unavailable(
        lambda: store.put_profile(learner, _mine(), now=T0), "store a learner's profile"
    )
