"""Which files to verify: the files named, and every credential file inside the folders named.

A file named on its own is always verified (whatever it holds, the report says). Inside a
folder (walked recursively, in name order, without following symbolic links to folders) a file
that is not a credential is *skipped*, with the reason, so the caller can say so per file:
a suffix that no credential format uses, a JSON document that is no credential, presentation or
learner record (a catalog entry, a manifest, a DID document), an image with nothing baked in.
A file that looks like a credential but cannot be read is never skipped: it is verified, and
fails. Skipping is never a pass; it is counted on its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mcbadge._json import loads_strict
from mcbadge.errors import MCBadgeError
from mcbadge.verify._input import MAX_BYTES

__all__ = ["CREDENTIAL_SUFFIXES", "FoundFile", "find_credential_files"]

#: Suffixes a credential file may have inside a folder: JSON, a VC-JWT, a baked image.
CREDENTIAL_SUFFIXES = frozenset({".json", ".jsonld", ".jwt", ".jws", ".png", ".svg"})
_IMAGE_SUFFIXES = frozenset({".png", ".svg"})
_JSON_SUFFIXES = frozenset({".json", ".jsonld"})
# "…Credential" covers OB 3.0, VCDM, CLR and endorsements; the presentation type too
_TYPE_ENDINGS = ("Credential", "Presentation")


@dataclass(frozen=True, slots=True)
class FoundFile:
    """One file: ``skipped`` says why it is not verified (``None``: verify it)."""

    path: Path
    skipped: str | None = None


def _types(document: object) -> list[str]:
    if not isinstance(document, dict):
        return []
    value = document.get("type")
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str)]


def _head(path: Path, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough to refuse an oversize file without reading it all."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def _json_skip(path: Path) -> str | None:
    try:
        document = loads_strict(_head(path, MAX_BYTES))
    except (OSError, MCBadgeError):
        return None  # unreadable or broken: verify it, and the report says what is wrong
    if isinstance(document, str):
        return None  # a JSON string: perhaps a VC-JWT; the verifier decides
    if any(name.endswith(_TYPE_ENDINGS) for name in _types(document)):
        return None
    what = "a JSON object" if isinstance(document, dict) else "JSON"
    return f"not a credential: {what} with no credential or presentation type"


def _image_skip(path: Path) -> str | None:
    from mcbadge.baking import DEFAULT_MAX_IMAGE_BYTES, unbake

    try:
        unbake(_head(path, DEFAULT_MAX_IMAGE_BYTES))
    except OSError:
        return None
    except MCBadgeError as exc:
        if exc.code.endswith(("no_credential", "unknown_format")):
            return "not a credential: an image with no credential baked in"
        return None  # something is baked in, but broken: verify it, and it fails
    return None


def _skip_reason(path: Path) -> str | None:
    if not path.is_file():
        return "not a regular file"
    suffix = path.suffix.lower()
    if suffix not in CREDENTIAL_SUFFIXES:
        return f"not a credential file: the name ends in {suffix or 'no suffix'}"
    if suffix in _JSON_SUFFIXES:
        return _json_skip(path)
    if suffix in _IMAGE_SUFFIXES:
        return _image_skip(path)
    return None


def _walk(folder: Path) -> Iterator[Path]:
    for root, folders, names in os.walk(folder, followlinks=False):
        folders.sort()
        for name in sorted(names):
            yield Path(root) / name


def find_credential_files(paths: Iterable[Path]) -> list[FoundFile]:
    """The files to verify, in the order given (each folder's files in name order)."""
    found: list[FoundFile] = []
    for path in paths:
        if path.is_dir():
            found.extend(FoundFile(child, _skip_reason(child)) for child in _walk(path))
        else:
            found.append(FoundFile(path))
    return found
