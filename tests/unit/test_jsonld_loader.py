"""The offline loader serves the bundled contexts byte-exact and refuses everything else."""

from __future__ import annotations

import hashlib
import json
import re
import socket
from pathlib import Path

import pytest

from mcbadge.errors import ContextError
from mcbadge.jsonld import BUNDLED_CONTEXT_URLS, bundled_context_bytes, offline_document_loader


def _provenance_hashes(reference: Path) -> dict[str, str]:
    rows = re.findall(
        r"^\| `([^`]+)` \| .*? \| `([0-9a-f]{64})` \|",
        (reference / "PROVENANCE.md").read_text(),
        re.M,
    )
    return dict(rows)


def test_index_matches_reference_index(reference: Path) -> None:
    index = json.loads((reference / "contexts" / "index.json").read_text())
    assert set(index) == BUNDLED_CONTEXT_URLS


def test_every_bundled_context_is_byte_exact_with_provenance(reference: Path) -> None:
    index = json.loads((reference / "contexts" / "index.json").read_text())
    hashes = _provenance_hashes(reference)
    for url, file_name in index.items():
        data = bundled_context_bytes(url)
        assert data == (reference / "contexts" / file_name).read_bytes(), url
        assert hashlib.sha256(data).hexdigest() == hashes[f"contexts/{file_name}"], url


def test_loader_returns_parsed_bundled_document() -> None:
    url = "https://www.w3.org/ns/credentials/v2"
    loaded = offline_document_loader(url)
    assert loaded["documentUrl"] == url
    assert loaded["document"] == json.loads(bundled_context_bytes(url))


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/context.json",
        "https://www.w3.org/ns/credentials/v2/",  # exact match only
        "http://www.w3.org/ns/credentials/v2",
        "HTTPS://www.w3.org/ns/credentials/v2",
        "https://w3id.org/did/v0.11",
        "file:///etc/passwd",
        "",
    ],
)
def test_loader_refuses_unbundled_urls_without_opening_a_socket(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []

    def no_socket(*args: object, **kwargs: object) -> socket.socket:
        opened.append(args)
        raise AssertionError("the offline loader tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    with pytest.raises(ContextError) as info:
        offline_document_loader(url)
    assert info.value.code == "context.not_allowed"
    assert opened == []
