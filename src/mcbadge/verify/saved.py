"""Saved documents for checking offline: a did:web issuer's ``did.json`` and status list
credentials, read from files and handed to :class:`VerificationPolicy` (``did_documents``,
``status_lists``) so the verifier uses them instead of the network.

A saved document is matched by the id it states: a DID document by its ``id`` (the DID a
credential's proof names), a status list credential by its ``id`` (the URL a
``credentialStatus`` entry names). A document that describes another DID or another URL is
therefore never used for it. A saved status list is verified like a fetched one (its proof,
its issuer, its validity), so a file cannot vouch for itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcbadge._json import loads_strict
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.verify._input import parse_input

__all__ = ["load_did_document", "load_status_list"]


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read {what} {path}: {exc.strerror}", code="input.unreadable"
        ) from None


def load_did_document(path: Path) -> tuple[str, dict[str, Any]]:
    """``(did, document)`` from a saved did:web ``did.json``; its ``id`` must be a did:web DID."""
    try:
        document = loads_strict(_read(path, "DID document"))
    except InputError as exc:
        raise InputError(f"{path} is not a DID document: {exc.message}", code=exc.code) from None
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise InputError(
            f"{path} is not a DID document: it has no id", code="input.not_did_document"
        )
    did_id: str = document["id"]
    if not did_id.startswith("did:web:") or "#" in did_id:
        raise InputError(
            f"{path} describes {did_id!r}, not a did:web DID (did:key and did:jwk need no file)",
            code="input.not_did_web",
        )
    from mcbadge.did import did_web_url

    try:
        did_web_url(did_id)
    except MCBadgeError as exc:
        raise InputError(f"{path}: {exc.message}", code="input.not_did_web") from None
    return did_id, document


def load_status_list(path: Path) -> tuple[str, dict[str, Any] | str]:
    """``(url, document)`` from a saved status list credential (JSON, or a VC-JWT as text)
    or 1EdTech revocation list; the url is the ``id`` the document states."""
    try:
        parsed = parse_input(_read(path, "status list"))
    except MCBadgeError as exc:
        raise InputError(f"{path} is not a status list: {exc.message}", code=exc.code) from None
    list_id = parsed.credential.get("id")
    if not isinstance(list_id, str) or not list_id.startswith(("https://", "http://")):
        raise InputError(
            f"{path} is not a status list: it states no URL as its id",
            code="input.no_status_list_id",
        )
    document: dict[str, Any] | str = parsed.jws if parsed.jws is not None else parsed.credential
    return list_id, document
