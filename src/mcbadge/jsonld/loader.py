"""The offline JSON-LD document loader.

The only contexts mcbadge ever processes are the ones bundled byte-exact in
``mcbadge/jsonld/contexts/`` and listed in its ``index.json``. A URL is matched by exact
string comparison; anything else raises :class:`~mcbadge.errors.ContextError`. Nothing here
opens a socket: a credential that names an unknown context fails closed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from mcbadge.errors import ContextError

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "bundled_context_bytes",
    "bundled_context_document",
    "offline_document_loader",
]

_CONTEXT_PACKAGE = "mcbadge.jsonld"


@cache
def _index() -> dict[str, str]:
    raw = resources.files(_CONTEXT_PACKAGE).joinpath("contexts/index.json").read_bytes()
    index: dict[str, str] = json.loads(raw)
    return index


BUNDLED_CONTEXT_URLS: frozenset[str] = frozenset(_index())


@cache
def bundled_context_bytes(url: str) -> bytes:
    """Return the exact bytes of the bundled context published at ``url``.

    Raises :class:`ContextError` for any URL that is not bundled.
    """
    file_name = _index().get(url) if isinstance(url, str) else None
    if file_name is None:
        raise ContextError(
            f"JSON-LD context {url!r} is not one of the bundled contexts; "
            "mcbadge never fetches contexts from the network"
        )
    return resources.files(_CONTEXT_PACKAGE).joinpath("contexts", file_name).read_bytes()


@cache
def _parsed(url: str) -> Any:
    return json.loads(bundled_context_bytes(url))


def bundled_context_document(url: str) -> Any:
    """The parsed JSON of a bundled context (shared; callers must not mutate it)."""
    return _parsed(url)


def offline_document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld-compatible document loader that serves only the bundled contexts.

    The returned ``document`` is shared between calls, which is safe because pyld does not
    mutate loaded context documents.
    """
    del options  # pyld passes headers/profile hints; bundled documents need none
    document = _parsed(url)
    return {"contextUrl": None, "documentUrl": url, "document": document}
