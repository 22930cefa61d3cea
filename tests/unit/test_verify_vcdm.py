"""The VCDM 2.0 rules on a plain credential's optional members (verify/vcdm.py), each with the
shapes the W3C VC Data Model 2.0 test suite sends: accepted ones give no problem, each broken
rule gives its sentence."""

from __future__ import annotations

from typing import Any

import pytest

from mcbadge.verify.vcdm import is_url, member_problems

BASE: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:subject"},
}
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
RESOURCE = "https://www.w3.org/ns/credentials/v2"


def _problems(**members: Any) -> list[str]:
    return member_problems({**BASE, **members})


@pytest.mark.parametrize(
    "value",
    ["https://example.org/x", "did:example:schemas/1", "urn:uuid:1234", "mailto:a@b.example"],
)
def test_absolute_urls_are_urls(value: str) -> None:
    assert is_url(value)


@pytest.mark.parametrize(
    "value", ["https ://not-a-url/x", "not a url", "relative/path", "", 4, None]
)
def test_other_values_are_not_urls(value: Any) -> None:
    assert not is_url(value)


@pytest.mark.parametrize(
    "members",
    [
        {},
        {"credentialSchema": {"id": "https://example.org/schema.json", "type": "JsonSchema"}},
        {
            "credentialSchema": [
                {"id": "https://example.org/a.json", "type": "JsonSchema"},
                {"id": "https://example.org/b.json", "type": ["JsonSchema"]},
            ]
        },
        {"credentialStatus": {"type": "BitstringStatusListEntry"}},
        {"credentialStatus": {"id": "https://example.org/status#1", "type": "X"}},
        {"refreshService": [{"id": "https://example.org/r", "type": "ManualRefreshService2018"}]},
        {"termsOfUse": {"id": "https://example.org/t", "type": "IssuerPolicy"}},
        {"evidence": [{"type": "Evidence"}, {"id": "https://example.org/e", "type": ["E"]}]},
        {"relatedResource": {"id": RESOURCE, "digestSRI": SRI}},
        {"relatedResource": [{"id": RESOURCE, "digestMultibase": "uJKGMkOmFbVJ"}]},
    ],
)
def test_conforming_members_have_no_problem(members: dict[str, Any]) -> None:
    assert _problems(**members) == []


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        (
            {"credentialSchema": {"id": "did:example:schemas/1"}},
            "each credentialSchema must have a type",
        ),
        (
            {"credentialSchema": {"type": "JsonSchema"}},
            "each credentialSchema must have an id that is a URL",
        ),
        (
            {"credentialSchema": {"id": 4, "type": "JsonSchema"}},
            "each credentialSchema must have an id that is a URL",
        ),
        ({"credentialSchema": "https://example.org/s"}, "each credentialSchema must be an object"),
        (
            {"credentialStatus": {"id": "https://example.org/s"}},
            "each credentialStatus must have a type",
        ),
        (
            {"credentialStatus": {"id": ["https://a.example", "https://b.example"], "type": "X"}},
            "a credentialStatus id must be a single URL",
        ),
        (
            {"refreshService": {"id": "did:example:refresh/1"}},
            "each refreshService must have a type",
        ),
        ({"termsOfUse": {"id": "did:example:terms/1"}}, "each termsOfUse must have a type"),
        ({"termsOfUse": [{"type": []}]}, "each termsOfUse must have a type"),
        (
            {"evidence": [{"type": "E"}, {"id": "https://e.example"}]},
            "each evidence must have a type",
        ),
        ({"relatedResource": [RESOURCE]}, "each relatedResource must be an object"),
        (
            {"relatedResource": [{"digestMultibase": "uJKGMkOmFbVJ"}]},
            "each relatedResource must have an id that is a URL",
        ),
        (
            {"relatedResource": [{"id": RESOURCE}]},
            "each relatedResource must have a digestSRI or a digestMultibase",
        ),
        (
            {
                "relatedResource": [
                    {"id": RESOURCE, "digestSRI": SRI},
                    {"id": RESOURCE, "digestMultibase": "uJKGMkOmFbVJ"},
                ]
            },
            f"relatedResource {RESOURCE} is listed twice",
        ),
    ],
)
def test_each_broken_rule_is_named(members: dict[str, Any], problem: str) -> None:
    assert _problems(**members) == [problem]


def test_a_problem_repeated_by_several_entries_is_said_once() -> None:
    assert _problems(termsOfUse=[{"id": "https://a.example"}, {"id": "https://b.example"}]) == [
        "each termsOfUse must have a type"
    ]
