"""Hypothesis: built credentials round-trip; junk and damaged credentials raise ValidationError."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

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


def _parse_error(value: Any) -> ValidationError | None:
    """The ValidationError parsing raises, or None; any other exception fails the test."""
    try:
        parse_credential(value)
    except ValidationError as exc:
        return exc
    return None


@SETTINGS
@given(json_values)
def test_random_json_raises_only_validation_error(value: Any) -> None:
    error = _parse_error(value if isinstance(value, dict) else json.dumps(value))
    if error is not None:
        assert error.code.startswith("data_model.")
        assert error.errors


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(item, (*prefix, index)))
    return found


@SETTINGS
@given(credentials(), st.data())
def test_damaged_credentials_raise_only_validation_error(
    document: dict[str, Any], data: st.DataObject
) -> None:
    damaged = copy.deepcopy(document)
    path = data.draw(st.sampled_from(_paths(damaged)))
    parent: Any = damaged
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values)
    error = _parse_error(damaged)
    if error is not None:
        assert error.errors
        assert all(set(e) == {"loc", "message"} for e in error.errors)
