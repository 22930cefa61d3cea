"""Saved documents for checking offline (``mcbadge verify --did-document / --status-list``):
what :mod:`mcbadge.verify.saved` reads from a file, each refusal's code and exact message, and
how a saved status list is keyed in the verdict cache. Each test pins what a surviving mutant
changed (see docs/security.md, "Mutation testing")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from test_verify_exact import ED, LIST_URL, status_list

from mcbadge.errors import InputError
from mcbadge.verify.checks_status import _saved
from mcbadge.verify.saved import load_did_document, load_status_list

DID = "did:web:badges.example.edu:issuers:cs"
DID_DOCUMENT = {"@context": ["https://www.w3.org/ns/did/v1"], "id": DID, "assertionMethod": []}


def _write(tmp_path: Path, content: bytes | str | Any) -> Path:
    path = tmp_path / "saved.json"
    if isinstance(content, str):
        content = content.encode("utf-8")
    elif not isinstance(content, bytes):
        content = json.dumps(content).encode("utf-8")
    path.write_bytes(content)
    return path


def _refusal(function: Any, path: Path) -> tuple[str, str]:
    with pytest.raises(InputError) as info:
        function(path)
    return info.value.code, info.value.message


# --- did:web documents ---------------------------------------------------------------------
def test_a_saved_did_document_is_returned_with_the_did_it_states(tmp_path: Path) -> None:
    did, document = load_did_document(_write(tmp_path, DID_DOCUMENT))
    assert did == DID
    assert document == DID_DOCUMENT


def test_a_missing_did_document_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    assert _refusal(load_did_document, path) == (
        "input.unreadable",
        f"{path} is not a DID document: cannot read DID document {path}: No such file or directory",
    )


@pytest.mark.parametrize(
    ("content", "code", "detail"),
    [
        (b"", "input.malformed", "the document is empty"),
        (
            "{",
            "input.malformed",
            "the document is not valid JSON: Expecting property name "
            "enclosed in double quotes at line 1 column 2",
        ),
        ("<html>", "input.malformed", "the document is not JSON: it starts with '<html>'"),
        ('{"id": 1, "id": 2}', "input.duplicate_key", None),
        ([DID_DOCUMENT], "input.not_did_document", "it has no id"),
        ({"assertionMethod": []}, "input.not_did_document", "it has no id"),
        ({"id": 7}, "input.not_did_document", "it has no id"),
    ],
)
def test_what_is_not_a_did_document_is_refused_with_its_code(
    tmp_path: Path, content: Any, code: str, detail: str | None
) -> None:
    path = _write(tmp_path, content)
    got_code, message = _refusal(load_did_document, path)
    assert got_code == code
    assert message.startswith(f"{path} is not a DID document: ")
    if detail is not None:
        assert message == f"{path} is not a DID document: {detail}"


@pytest.mark.parametrize(
    "did",
    ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:jwk:eyJ9", f"{DID}#key-1"],
)
def test_a_document_of_another_did_method_or_a_fragment_is_refused(
    tmp_path: Path, did: str
) -> None:
    path = _write(tmp_path, {"id": did})
    assert _refusal(load_did_document, path) == (
        "input.not_did_web",
        f"{path} describes {did!r}, not a did:web DID (did:key and did:jwk need no file)",
    )


@pytest.mark.parametrize(
    ("did", "detail"),
    [
        ("did:web:", "the did:web identifier is malformed"),
        ("did:web:badges.example.edu::cs", "the did:web identifier is malformed"),
        ("did:web:a%20b.example", "the did:web host is not valid"),
        ("did:web:badges.example.edu:..", "the did:web path is not valid"),
    ],
)
def test_a_malformed_did_web_is_refused_with_the_resolvers_reason(
    tmp_path: Path, did: str, detail: str
) -> None:
    path = _write(tmp_path, {"id": did})
    assert _refusal(load_did_document, path) == ("input.not_did_web", f"{path}: {detail}")


# --- status lists --------------------------------------------------------------------------
def test_a_saved_status_list_is_returned_under_the_url_it_states(tmp_path: Path) -> None:
    signed = status_list(3)
    url, document = load_status_list(_write(tmp_path, signed))
    assert url == LIST_URL
    assert document == signed


def test_a_saved_vc_jwt_status_list_is_returned_as_its_token(tmp_path: Path) -> None:
    token = status_list(3, signed="jwt")
    url, document = load_status_list(_write(tmp_path, token + "\n"))
    assert url == LIST_URL
    assert document == token


@pytest.mark.parametrize("url", ["http://status.example.edu/l/1", "https://status.example.edu/l"])
def test_http_and_https_ids_are_accepted(tmp_path: Path, url: str) -> None:
    assert load_status_list(_write(tmp_path, {"id": url, "type": ["X"]})) == (
        url,
        {"id": url, "type": ["X"]},
    )


def test_a_missing_status_list_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    assert _refusal(load_status_list, path) == (
        "input.unreadable",
        f"{path} is not a status list: cannot read status list {path}: No such file or directory",
    )


@pytest.mark.parametrize(
    ("content", "code", "detail"),
    [
        (b"", "input.malformed", "the document is empty"),
        ("[1]", "input.not_object", "the document is not a JSON object"),
        ({"type": ["BitstringStatusListCredential"]}, "input.no_status_list_id", None),
        ({"id": 7}, "input.no_status_list_id", None),
        ({"id": "urn:uuid:4b0b0d2e"}, "input.no_status_list_id", None),
        ({"id": "ftp://status.example.edu/l"}, "input.no_status_list_id", None),
        ({"id": "HTTPS://status.example.edu/l"}, "input.no_status_list_id", None),
    ],
)
def test_what_is_not_a_status_list_is_refused_with_its_code(
    tmp_path: Path, content: Any, code: str, detail: str | None
) -> None:
    path = _write(tmp_path, content)
    detail = detail or "it states no URL as its id"
    assert _refusal(load_status_list, path) == (code, f"{path} is not a status list: {detail}")


# --- a saved list as the verifier sees it ----------------------------------------------------
def test_a_saved_json_list_is_a_copy_keyed_by_its_canonical_digest() -> None:
    document = {"b": "é", "a": 1}
    fetched = _saved(LIST_URL, document)
    assert fetched.url == LIST_URL
    assert fetched.document == document
    assert fetched.document is not document  # later changes to the caller's dict do not leak in
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert canonical == '{"a": 1, "b": "é"}'.encode()
    assert fetched.digest == hashlib.sha256(canonical).hexdigest()
    # the same list with its members in another order is the same list
    assert _saved(LIST_URL, {"a": 1, "b": "é"}).digest == fetched.digest
    assert _saved(LIST_URL, {"a": 2, "b": "é"}).digest != fetched.digest


def test_a_saved_vc_jwt_list_is_keyed_by_the_digest_of_its_token() -> None:
    token = status_list(5, key=ED, signed="jwt")
    fetched = _saved(LIST_URL, token)
    assert (fetched.url, fetched.document) == (LIST_URL, token)
    assert fetched.digest == hashlib.sha256(token.encode("ascii")).hexdigest()
