"""Publishing an issuer's status: signed BitstringStatusListCredentials and the 1EdTech
revocation list.

Each status list credential is a VCDM 2.0 ``BitstringStatusListCredential`` with
``validUntil`` and a ``ttl`` (milliseconds) so verifiers and caches know how long to keep it,
signed as a Data Integrity proof with the issuer's active key (``eddsa-rdfc-2022`` for an
Ed25519 key, ``ecdsa-rdfc-2019`` for P-256, even for an issuer that signs its credentials
as VC-JWTs: one JSON document format for lists keeps verifiers simple). Files are named
after the last path segment of their URL and written atomically (temp file + rename), so a
web server never serves half a list.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcbadge.status import build_revocation_list, build_status_list_credential

if TYPE_CHECKING:
    from mcbadge.issuer.core import Issuer

__all__ = ["REVOCATION_LIST_NAME", "PublishedStatus", "publish", "write_atomic"]

REVOCATION_LIST_NAME = "revocations.json"


@dataclass(frozen=True)
class PublishedStatus:
    """What :func:`publish` produced: documents by URL, file contents by file name."""

    status_lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    revocation_list_url: str = ""
    revocation_list: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _dump(document: Any) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def publish(
    issuer: Issuer, out_dir: str | os.PathLike[str] | None = None, *, now: datetime | None = None
) -> PublishedStatus:
    """Build and sign every status list the issuer has allocated, and the revocation list.

    With ``out_dir`` the files are written there; either way they are returned (a web app
    can serve ``files`` directly).
    """
    from mcbadge.issuer.signing import sign_credential

    instant = now or datetime.now(UTC)
    key = issuer.active_key
    lists: dict[str, dict[str, Any]] = {}
    files: dict[str, bytes] = {}
    for list_url, purpose in issuer.registry.status_lists(issuer.issuer_id):
        unsigned = build_status_list_credential(
            list_url,
            issuer.issuer_id,
            purpose,
            issuer.registry.status_list_bits(list_url),
            valid_from=instant,
            valid_until=instant + issuer.list_validity,
            ttl_ms=int(issuer.list_ttl.total_seconds() * 1000),
        )
        signed = sign_credential(unsigned, key, key.default_cryptosuite)
        assert isinstance(signed, dict)
        lists[list_url] = signed
        files[list_url.rsplit("/", 1)[-1]] = _dump(signed)
    revocation_list = build_revocation_list(issuer.registry.revocations(issuer.issuer_id))
    files[REVOCATION_LIST_NAME] = _dump(revocation_list)
    written: list[Path] = []
    if out_dir is not None:
        directory = Path(out_dir)
        for name, data in files.items():
            target = directory / name
            write_atomic(target, data)
            written.append(target)
    return PublishedStatus(
        status_lists=lists,
        revocation_list_url=f"{issuer.status_base_url}{REVOCATION_LIST_NAME}",
        revocation_list=revocation_list,
        files=files,
        written=written,
    )
