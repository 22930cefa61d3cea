"""Hostile bytes and hostile JSON-LD: each case fails a named check with exit code 1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import ISSUER_KEY, FakeHost, make_credential, run
from _signer import sign_di

SIGNED = sign_di(make_credential(), ISSUER_KEY)
SIGNED_TEXT = json.dumps(SIGNED)


@pytest.mark.parametrize(
    ("document", "code_prefix"),
    [
        pytest.param(SIGNED_TEXT[:-20].encode(), "input.", id="truncated-json"),
        pytest.param(
            SIGNED_TEXT.replace('{"@context"', '{"id": "x", "@context"', 1).encode(),
            "input.duplicate_key",
            id="duplicate-key",
        ),
        pytest.param(
            SIGNED_TEXT.replace('"name": "State CS Academy"', '"name": NaN', 1).encode(),
            "input.",
            id="nan",
        ),
        pytest.param(
            SIGNED_TEXT.replace('"name": "State CS Academy"', '"name": -Infinity', 1).encode(),
            "input.",
            id="infinity",
        ),
        pytest.param(
            SIGNED_TEXT.replace('"name": "State CS Academy"', '"name": 1' + "0" * 5000, 1).encode(),
            "input.",
            id="huge-number",
        ),
        pytest.param(b'{"a":' * 200 + b"1" + b"}" * 200, "input.too_deep", id="deep-nesting"),
        pytest.param(
            b'{"pad": "' + b"a" * (8 * 1024 * 1024) + b'"}', "input.too_large", id="oversize"
        ),
        pytest.param(
            SIGNED_TEXT.encode().replace(b"State CS", b"State \xc3\x28S"), "input.", id="non-utf8"
        ),
        pytest.param(b"\xef\xbb\xbf" + SIGNED_TEXT.encode(), "input.", id="bom"),
        pytest.param(b"[" + SIGNED_TEXT.encode() + b"]", "input.", id="top-level-array"),
        pytest.param(b"", "input.", id="empty"),
        pytest.param(b'"just a string"', "input.", id="json-string"),
    ],
)
def test_malformed_input(document: bytes, code_prefix: str) -> None:
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["input"]
    assert result.check("input").code.startswith(code_prefix)


def _with(change: Any) -> dict[str, Any]:
    document = make_credential()
    change(document)
    return document


def _add_subject_term(document: dict[str, Any]) -> None:
    document["credentialSubject"]["favouriteColour"] = "teal"


def _add_undefined_type(document: dict[str, Any]) -> None:
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "MadeUpType"]


@pytest.mark.parametrize(
    ("change", "check_id", "v1"),
    [
        pytest.param(_add_subject_term, "data_loss", False, id="undefined-term-vcdm2"),
        pytest.param(_add_undefined_type, "data_loss", False, id="undefined-type-vcdm2"),
        pytest.param(_add_subject_term, "data_loss", True, id="undefined-term-vcdm1.1"),
        pytest.param(_add_undefined_type, "data_loss", True, id="undefined-type-vcdm1.1"),
        pytest.param(
            lambda d: d["credentialSubject"].update(id="relative/path"),
            "data_loss",
            False,
            id="relative-subject-id",
        ),
    ],
)
def test_signed_data_loss(change: Any, check_id: str, v1: bool) -> None:
    # Signed *after* the change: the signature is fine, the meaning is not.
    document = make_credential(v1=v1)
    change(document)
    code, result = run(sign_di(document, ISSUER_KEY), offline=True)
    assert code == 1
    assert check_id in result.failed_checks


@pytest.mark.parametrize(
    ("contexts", "code"),
    [
        pytest.param(
            [*make_credential()["@context"], {"@base": "https://evil.example/"}],
            "context.inline",
            id="base-redefinition",
        ),
        pytest.param(
            [*make_credential()["@context"], {"name": "https://evil.example/name"}],
            "context.inline",
            id="protected-term-redefinition",
        ),
        pytest.param(
            [*make_credential()["@context"], "https://evil.example/ctx.jsonld"],
            "context.not_allowed",
            id="unknown-remote-context",
        ),
        pytest.param(
            [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json",
            ],
            "context.not_allowed",
            id="unknown-ob-version",
        ),
    ],
)
def test_context_attacks_make_zero_requests(host: FakeHost, contexts: list[Any], code: str) -> None:
    document = make_credential(**{"@context": contexts})
    code_out, result = run(document)
    assert code_out == 1
    assert "context" in result.failed_checks
    assert result.check("context").code == code
    assert host.requests == []


def test_nested_remote_context_is_refused(host: FakeHost) -> None:
    document = make_credential()
    document["credentialSubject"]["achievement"]["@context"] = "https://evil.example/ctx"
    code, result = run(
        sign_di(make_credential(), ISSUER_KEY)
        | {"credentialSubject": document["credentialSubject"]}
    )
    assert code == 1
    assert result.check("context").code == "context.not_allowed"
    assert host.requests == []


def test_poison_graph_exhausts_the_canonicalization_budget() -> None:
    # A clique of look-alike blank nodes (organisations that are each other's parents):
    # RDFC-1.0 must give up within its work budget, not spin.
    size = 6
    document = make_credential()
    document["issuer"]["parentOrg"] = [
        {
            "id": f"_:b{i}",
            "type": ["Profile"],
            "parentOrg": [{"id": f"_:b{j}"} for j in range(size) if j != i],
        }
        for i in range(size)
    ]
    document["proof"] = sign_di(make_credential(), ISSUER_KEY)["proof"]
    code, result = run(document, offline=True)
    assert code == 1
    assert "canonicalization" in result.failed_checks
    assert result.check("canonicalization").code == "canonicalization.budget_exceeded"
