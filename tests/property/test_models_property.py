"""Hypothesis: built credentials round-trip; random JSON and damaged credentials are refused
with a ValidationError whose code (and error location) says why: a parser that accepts
everything, or refuses with the wrong code, fails these tests."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbadge.errors import ValidationError
from mcbadge.models import parse_credential
from mcbadge.models.builders import achievement, alignment, award, evidence, profile, rubric

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
slug = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=10,
)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    base = f"https://pd.example.edu/a/{draw(slug)}"
    level_names = draw(st.lists(text, min_size=1, max_size=4, unique=True))
    levels = [(f"{base}#l{i}", name, i) for i, name in enumerate(level_names)]
    built = achievement(
        base,
        draw(text),
        draw(text),
        criteria=draw(text),
        achievement_type=draw(st.sampled_from(["MicroCredential", "Badge", "ext:PDHours"])),
        alignments=[
            alignment(draw(text), f"https://standards.example/{draw(slug)}", target_code=draw(slug))
        ],
        rubrics=[rubric(f"{base}#r", draw(text), levels, required_level=levels[0][0])],
    )
    start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**8)))
    credential = award(
        built,
        issuer=profile("https://pd.example.edu/issuer", draw(text)),
        recipient_email=f"{draw(slug)}@school.example",
        achieved_level=draw(st.sampled_from(levels))[1],
        evidence=[evidence(f"https://portfolio.example/{draw(slug)}", narrative=draw(text))],
        valid_from=start,
        valid_until=draw(st.none() | st.just(start + timedelta(days=365))),
    )
    document: dict[str, Any] = credential.to_json()
    if draw(st.booleans()):
        document["ext:extra"] = draw(json_values)
    if draw(st.booleans()):
        document["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
        document["credentialSchema"] = document["credentialSchema"][0]
    return document


def _strict(value: Any) -> str:
    """A representation that tells 1, 1.0 and True apart and keeps key order."""
    return json.dumps(value, sort_keys=False, allow_nan=False, default=str) + repr(_types(value))


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _types(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@SETTINGS
@given(credentials())
def test_built_credentials_round_trip(document: dict[str, Any]) -> None:
    original = _strict(document)
    parsed = parse_credential(json.dumps(document))
    assert _strict(parsed.to_json()) == original
    assert _strict(parse_credential(parsed.to_json()).to_json()) == original


def _parse_error(value: Any) -> ValidationError:
    """The ValidationError parsing raises; a parse that succeeds, or any other exception,
    fails the test."""
    with pytest.raises(ValidationError) as caught:
        parse_credential(value)
    error = caught.value
    assert error.errors, "a refusal lists at least one error"
    assert all(set(e) == {"loc", "message"} for e in error.errors)
    return error


@SETTINGS
@given(json_values)
def test_random_json_is_refused_with_a_data_model_code(value: Any) -> None:
    # No random JSON value of at most 10 leaves is an OB 3.0 credential (one needs @context,
    # id, type, issuer, credentialSubject with an achievement, validFrom): every one is refused,
    # with the code naming why: not an object, or an object that is not the data model.
    if isinstance(value, dict):
        assert _parse_error(value).code == "data_model.invalid"
        assert _parse_error(json.dumps(value)).code == "data_model.invalid"
    else:
        assert _parse_error(json.dumps(value)).code == "data_model.not_object"


@SETTINGS
@given(st.binary(max_size=40))
def test_random_bytes_are_refused_as_not_json_or_not_a_credential(raw: bytes) -> None:
    try:
        decoded: Any = json.loads(raw)
    except ValueError:
        assert _parse_error(raw).code == "data_model.not_json"
        return
    expected = "data_model.invalid" if isinstance(decoded, dict) else "data_model.not_object"
    assert _parse_error(raw).code == expected


def _leaves(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*prefix, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*prefix, i))]
    return [(prefix, value)]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _json_loc(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _at(document: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    return parent, path[-1]


@SETTINGS
@given(credentials(), st.data())
def test_a_leaf_of_the_wrong_json_type_is_refused_where_it_is(
    document: dict[str, Any], data: st.DataObject
) -> None:
    # Every member a built credential has is a typed field of the (strict) model, so a leaf
    # replaced by a value of another JSON type is refused, and the error points at that leaf
    # (or at the field holding it). Not wrong types: null (optional members may be null), an
    # inline context object in @context, a list of strings (fields are "one or an array").
    leaves = [leaf for leaf in _leaves(document) if leaf[0][0] != "ext:extra"]
    path, old = data.draw(st.sampled_from(leaves))
    replacement = data.draw(
        json_values.filter(
            lambda v: (
                v is not None
                and _kind(v) != _kind(old)
                and not (path[0] == "@context" and isinstance(v, dict))
                and not (isinstance(v, list) and all(isinstance(i, str) for i in v))
            )
        )
    )
    damaged = copy.deepcopy(document)
    parent, last = _at(damaged, path)
    parent[last] = replacement
    error = _parse_error(damaged)
    assert error.code == "data_model.invalid"
    loc = _json_loc(path)
    assert any(loc.startswith(e["loc"]) or e["loc"].startswith(loc) for e in error.errors), (
        loc,
        error.errors,
    )


# Members a credential cannot lose, with the code of the refusal.
REQUIRED = [
    (("@context",), "data_model.invalid"),
    (("id",), "data_model.invalid"),
    (("type",), "data_model.invalid"),
    (("issuer",), "data_model.invalid"),
    (("issuer", "id"), "data_model.invalid"),
    (("issuer", "type"), "data_model.invalid"),
    (("credentialSubject",), "data_model.invalid"),
    (("credentialSubject", "type"), "data_model.invalid"),
    (("credentialSubject", "achievement"), "data_model.invalid"),
    (("credentialSubject", "achievement", "id"), "data_model.invalid"),
    (("credentialSubject", "achievement", "type"), "data_model.invalid"),
    (("credentialSubject", "achievement", "name"), "data_model.invalid"),
    (("credentialSubject", "achievement", "description"), "data_model.invalid"),
    (("credentialSubject", "achievement", "criteria"), "data_model.invalid"),
    (("credentialSubject", "identifier"), "data_model.missing_subject_id"),
    (
        ("credentialSubject", "achievement", "resultDescription"),
        "data_model.unknown_result_description",
    ),
    (("validFrom",), "data_model.missing_validFrom"),
]


@SETTINGS
@given(credentials(), st.sampled_from(REQUIRED))
def test_a_credential_missing_a_required_member_is_refused(
    document: dict[str, Any], required: tuple[tuple[str, ...], str]
) -> None:
    path, code = required
    damaged = copy.deepcopy(document)
    parent, last = _at(damaged, path)
    del parent[last]
    error = _parse_error(damaged)
    assert error.code == code
    assert any(e["loc"].startswith(path[0]) for e in error.errors), error.errors


@SETTINGS
@given(credentials(), st.sampled_from(["validFrom", "validUntil"]), st.data())
def test_broken_dates_and_levels_are_refused_with_their_code(
    document: dict[str, Any], field: str, data: st.DataObject
) -> None:
    damaged = copy.deepcopy(document)
    damaged[field] = data.draw(
        st.sampled_from(["2024-01-01T00:00:00", "2024-13-01T00:00:00Z", "soon"])
    )
    assert _parse_error(damaged).code == "data_model.bad_datetime"
    reversed_dates = copy.deepcopy(document)
    reversed_dates["validUntil"] = "1999-12-31T23:59:59Z"
    assert _parse_error(reversed_dates).code == "data_model.validity_reversed"
    unknown_level = copy.deepcopy(document)
    unknown_level["credentialSubject"]["result"][0]["achievedLevel"] = "https://elsewhere.example/l"
    assert _parse_error(unknown_level).code == "data_model.unknown_achieved_level"
