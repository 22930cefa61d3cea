"""Publishing an issuer's status: signed BitstringStatusListCredentials and the 1EdTech
revocation list.

Each status list credential is a VCDM 2.0 ``BitstringStatusListCredential`` with
``validUntil`` and a ``ttl`` (milliseconds) so verifiers and caches know how long to keep it,
signed as a Data Integrity proof with the issuer's active key (``eddsa-rdfc-2022`` for an
Ed25519 key, ``ecdsa-rdfc-2019`` for P-256, even for an issuer that signs its credentials
as VC-JWTs: one JSON document format for lists keeps verifiers simple). Files are named
after the last path segment of their URL and written atomically (temp file + fsync +
rename), so a web server never serves half a list.

The output folder is what the provider hosts, so publishing into it never loses what is
already published there. Under an exclusive lock on the folder, before writing anything,
:func:`publish` reads what the folder holds (the status list credentials,
``revocations.json`` and ``.mcbadge-publish.json``, the manifest naming the issuer, the key
and the registry and lists it was published from) and refuses, with a
:class:`~mcbadge.errors.PublishError` and nothing written, when:

* the folder holds another issuer's status (``publish.other_issuer``) or lists signed by a
  key that is not one of this issuer's (``publish.other_key``);
* it was published from another registry: a list it holds was not allocated by this
  registry (``publish.other_registry``);
* a revocation bit set in a published list would be cleared (``publish.would_clear_revocation``:
  a revocation is final), or a suspension bit other than one this registry explicitly
  unsuspended (``publish.would_clear_suspension``);
* a ``revocations.json`` entry would disappear (``publish.would_drop_revocation``);
* a file it has to judge cannot be read (``publish.unreadable``).

Files are written lists first, then ``revocations.json``, then the manifest: a process
killed part-way leaves every file whole, each either the old or the new version, and never
one that says less than the registry did when the old one was written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcbadge.errors import MCBadgeError, PublishError
from mcbadge.status import build_revocation_list, build_status_list_credential
from mcbadge.status.bitstring import decode_bitstring

if TYPE_CHECKING:
    from mcbadge.issuer.core import Issuer

__all__ = [
    "MANIFEST_NAME",
    "REVOCATION_LIST_NAME",
    "PublishedStatus",
    "dump_document",
    "publish",
    "revocation_list_url",
    "sign_status_list",
    "write_atomic",
]

REVOCATION_LIST_NAME = "revocations.json"
#: The folder's publishing record: issuer, signing key, registry and the lists it holds.
MANIFEST_NAME = ".mcbadge-publish.json"
_MANIFEST_FORMAT = "mcbadge-status-folder/1"
# The largest file in the folder this reads back (a 131,072-bit list is ~1 KB of JSON).
_MAX_READ = 16 * 1024 * 1024
_SHOWN = 5  # indexes or ids named in a refusal


@dataclass(frozen=True)
class PublishedStatus:
    """What :func:`publish` produced: documents by URL, file contents by file name.
    ``registry`` names the registry the status came from."""

    status_lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    revocation_list_url: str = ""
    revocation_list: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    registry: str = ""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory, fsync and a rename
    (then fsync the directory, so the rename itself survives a power cut)."""
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
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem can open a directory
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def dump_document(document: Any) -> bytes:
    """The bytes of a published document (indented JSON and a newline): what the folder
    holds and what the service (:mod:`mcbadge.issuer.hosted`) sends."""
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def revocation_list_url(issuer: Issuer) -> str:
    """Where the issuer's 1EdTech revocation list is served: ``revocations.json`` beside
    its status lists."""
    return f"{issuer.status_base_url}{REVOCATION_LIST_NAME}"


def sign_status_list(
    issuer: Issuer, url: str, purpose: str, bits: bytes | bytearray, *, valid_from: datetime
) -> dict[str, Any]:
    """The issuer's signed ``BitstringStatusListCredential`` for the list at ``url``.

    Valid from ``valid_from`` for ``issuer.list_validity``, with ``ttl`` ``issuer.list_ttl``,
    its proof created at ``valid_from`` and signed by the active key (Data Integrity with
    the key's suite, even for a VC-JWT issuer). The same inputs give the same document, and
    with an Ed25519 key (deterministic signatures) the same bytes: the one builder of both
    :func:`publish` and the service's hosted lists.
    """
    from mcbadge.issuer.signing import sign_credential

    key = issuer.active_key
    unsigned = build_status_list_credential(
        url,
        issuer.issuer_id,
        purpose,
        bits,
        valid_from=valid_from,
        valid_until=valid_from + issuer.list_validity,
        ttl_ms=int(issuer.list_ttl.total_seconds() * 1000),
    )
    signed = sign_credential(unsigned, key, key.default_cryptosuite, created=valid_from)
    assert isinstance(signed, dict)  # a Data Integrity suite: never a JWT
    return signed


def _fingerprint(issuer_id: str, url: str, created_at: str, list_id: int) -> str:
    """Names one list of one registry: the same URL allocated by another registry (or
    another database restored from an older backup) has another creation time and row."""
    text = f"{issuer_id}\n{url}\n{created_at}\n{list_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Built:
    lists: dict[str, dict[str, Any]]  # URL -> signed list credential
    files: dict[str, bytes]  # file name -> content
    bits: dict[str, tuple[str, str, bytes]]  # file name -> (URL, purpose, bits)
    revoked: set[str]
    revocation_list: dict[str, Any]
    manifest: dict[str, Any]


def _build(issuer: Issuer, instant: datetime) -> _Built:
    store = issuer.registry
    key = issuer.active_key
    lists: dict[str, dict[str, Any]] = {}
    files: dict[str, bytes] = {}
    bits_by_name: dict[str, tuple[str, str, bytes]] = {}
    listed: dict[str, dict[str, str]] = {}
    for record in store.list_records(issuer.issuer_id):
        bits = store.status_list_bits(record.url)
        signed = sign_status_list(issuer, record.url, record.purpose, bits, valid_from=instant)
        name = record.url.rsplit("/", 1)[-1]
        lists[record.url] = signed
        files[name] = dump_document(signed)
        bits_by_name[name] = (record.url, record.purpose, bytes(bits))
        listed[name] = {
            "url": record.url,
            "purpose": record.purpose,
            "fingerprint": _fingerprint(
                issuer.issuer_id, record.url, record.created_at, record.list_id
            ),
        }
    revocations = store.revocations(issuer.issuer_id)
    revocation_list = build_revocation_list(revocations)
    files[REVOCATION_LIST_NAME] = dump_document(revocation_list)
    manifest = {
        "format": _MANIFEST_FORMAT,
        "issuer": issuer.issuer_id,
        "verificationMethod": key.vm_id,
        "registry": store.location,
        "published": instant.isoformat(timespec="seconds"),
        "lists": listed,
        "revocations": len(revocations),
    }
    return _Built(
        lists=lists,
        files=files,
        bits=bits_by_name,
        revoked={credential_id for credential_id, _ in revocations},
        revocation_list=revocation_list,
        manifest=manifest,
    )


def publish(
    issuer: Issuer, out_dir: str | os.PathLike[str] | None = None, *, now: datetime | None = None
) -> PublishedStatus:
    """Build and sign every status list the issuer has allocated, and the revocation list.

    With ``out_dir`` the files are written there, after checking that nothing already
    published there would be lost (see the module docstring; a refusal is a
    :class:`~mcbadge.errors.PublishError` and writes nothing); either way they are returned
    (a web app can serve ``files`` directly).
    """
    instant = now or datetime.now(UTC)
    written: list[Path] = []
    if out_dir is None:
        built = _build(issuer, instant)
    else:
        directory = Path(out_dir)
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory):
            # Read the registry under the folder's lock: two publishers of the same folder
            # never interleave, and the later one always writes the newer state.
            built = _build(issuer, instant)
            _check_folder(directory, issuer, built)
            names = [n for n in built.files if n != REVOCATION_LIST_NAME]
            for name in [*names, REVOCATION_LIST_NAME]:
                target = directory / name
                write_atomic(target, built.files[name])
                written.append(target)
            manifest = directory / MANIFEST_NAME
            write_atomic(manifest, dump_document(built.manifest))
            written.append(manifest)
    return PublishedStatus(
        status_lists=built.lists,
        revocation_list_url=revocation_list_url(issuer),
        revocation_list=built.revocation_list,
        files=built.files,
        written=written,
        registry=issuer.registry.location,
    )


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the folder (its directory descriptor) while publishing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


# -- reading back what the folder holds ------------------------------------------------------


def _read_json(path: Path, folder: Path) -> Any:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_READ + 1)
        if len(data) > _MAX_READ:
            raise ValueError("too large")
        return json.loads(data)
    except (OSError, ValueError, UnicodeDecodeError):
        raise PublishError(
            f"{path} cannot be read as JSON, so publishing cannot tell what it would "
            f"overwrite; move it out of {folder} (or choose another folder) and publish again",
            code="publish.unreadable",
        ) from None


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_status_list(document: Any) -> bool:
    return isinstance(document, Mapping) and any(
        kind in ("BitstringStatusListCredential", "StatusList2021Credential")
        for kind in _types(document.get("type"))
    )


def _issuer_of(document: Mapping[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _signers(document: Mapping[str, Any]) -> set[str]:
    return {
        str(proof["verificationMethod"])
        for proof in _types(document.get("proof"))
        if isinstance(proof, Mapping) and isinstance(proof.get("verificationMethod"), str)
    }


def _elsewhere(folder: Path, manifest: Any, location: str) -> str:
    """How to fix publishing from the wrong registry."""
    theirs = manifest.get("registry") if isinstance(manifest, Mapping) else None
    if isinstance(theirs, str) and theirs and theirs != location:
        return (
            f"{folder} was published from registry {theirs}; this is registry {location}: "
            f"publish with --db {theirs} (registry= in Python) or choose another folder"
        )
    return (
        f"publish from the registry that published {folder} (--db URL, registry= in Python; "
        f"this is registry {location}) or choose another folder"
    )


def _check_folder(folder: Path, issuer: Issuer, built: _Built) -> None:
    """Refuse (PublishError) to publish ``built`` into ``folder`` if anything published
    there would be lost or belongs to another issuer, key or registry."""
    location = issuer.registry.location
    our_keys = {key.vm_id for key in issuer.keys}
    manifest_path = folder / MANIFEST_NAME
    manifest: Any = None
    if manifest_path.exists():
        manifest = _read_json(manifest_path, folder)
        if not isinstance(manifest, Mapping) or manifest.get("format") != _MANIFEST_FORMAT:
            raise PublishError(
                f"{manifest_path} is not a manifest this mcbadge writes; move it out of "
                f"{folder} (or choose another folder) and publish again",
                code="publish.unreadable",
            )
        _check_owner(folder, issuer.issuer_id, manifest.get("issuer"))
        signer = manifest.get("verificationMethod")
        if signer not in our_keys:
            raise PublishError(
                f"{folder} was published with key {signer}, which is not one of the keys of "
                f"{issuer.issuer_id}; publish with that key (after a rotation keep the old key "
                "in the issuer's keys) or choose another folder",
                code="publish.other_key",
            )
        ours = {entry["fingerprint"] for entry in built.manifest["lists"].values()}
        lists = manifest.get("lists")
        theirs = lists.values() if isinstance(lists, Mapping) else []
        if any(not isinstance(e, Mapping) or e.get("fingerprint") not in ours for e in theirs):
            raise PublishError(
                "a status list in the folder was not allocated by this registry: "
                + _elsewhere(folder, manifest, location),
                code="publish.other_registry",
            )
    for path in sorted(folder.glob("*.json")):
        if path.name in (REVOCATION_LIST_NAME, MANIFEST_NAME) or not path.is_file():
            continue
        ours_too = path.name in built.bits
        document = _read_json(path, folder) if ours_too else _try_json(path)
        if not _is_status_list(document):
            if ours_too:
                raise PublishError(
                    f"{path} is not a status list credential and publishing would replace "
                    f"it; move it out of {folder} (or choose another folder)",
                    code="publish.unreadable",
                )
            continue
        _check_owner(folder, issuer.issuer_id, _issuer_of(document))
        foreign = _signers(document) - our_keys
        if foreign:
            raise PublishError(
                f"{path.name} in {folder} is signed by {sorted(foreign)[0]}, which is not one "
                f"of the keys of {issuer.issuer_id}; publish with that key or choose another "
                "folder",
                code="publish.other_key",
            )
        if not ours_too:
            raise PublishError(
                f"{path.name} in {folder} is a status list this registry never allocated: "
                + _elsewhere(folder, manifest, location),
                code="publish.other_registry",
            )
        _check_bits(folder, issuer, path.name, document, built, manifest)
    revocations_path = folder / REVOCATION_LIST_NAME
    if revocations_path.exists():
        _check_revocations(folder, revocations_path, built, manifest, location)


def _try_json(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_READ + 1)
        return None if len(data) > _MAX_READ else json.loads(data)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _check_owner(folder: Path, issuer_id: str, owner: Any) -> None:
    if owner != issuer_id:
        raise PublishError(
            f"{folder} holds the status of issuer {owner}, not {issuer_id}; "
            "give each issuer its own folder",
            code="publish.other_issuer",
        )


def _check_bits(
    folder: Path,
    issuer: Issuer,
    name: str,
    document: Mapping[str, Any],
    built: _Built,
    manifest: Any,
) -> None:
    url, purpose, new = built.bits[name]
    location = issuer.registry.location
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    if document.get("id") != url or subject.get("statusPurpose") != purpose:
        raise PublishError(
            f"{name} in {folder} is the {subject.get('statusPurpose')} list "
            f"{document.get('id')}, not this registry's {purpose} list {url}: "
            + _elsewhere(folder, manifest, location),
            code="publish.other_registry",
        )
    try:
        old = decode_bitstring(subject.get("encodedList"))  # type: ignore[arg-type]
    except MCBadgeError:
        raise PublishError(
            f"the bitstring of {name} in {folder} cannot be decoded, so publishing cannot tell "
            f"which statuses it would clear; move the file out of {folder} and publish again",
            code="publish.unreadable",
        ) from None
    if len(old) != len(new):
        raise PublishError(
            f"{name} in {folder} has {len(old) * 8} entries, this registry's list "
            f"{len(new) * 8}: " + _elsewhere(folder, manifest, location),
            code="publish.other_registry",
        )
    cleared = [
        position * 8 + bit
        for position, lost in enumerate(was & ~now for was, now in zip(old, new, strict=True))
        if lost
        for bit in range(8)
        if lost & (0x80 >> bit)
    ]
    if not cleared:
        return
    if purpose == "suspension":
        allowed = issuer.registry.unsuspended_indexes(url)
        cleared = [index for index in cleared if index not in allowed]
        if not cleared:
            return
    shown = ", ".join(str(index) for index in cleared[:_SHOWN])
    more = f" and {len(cleared) - _SHOWN} more" if len(cleared) > _SHOWN else ""
    if purpose == "revocation":
        raise PublishError(
            f"publishing would clear revoked index {shown}{more} of {name} in {folder}, and a "
            "revocation is final: this registry does not hold those revocations; "
            + _elsewhere(folder, manifest, location),
            code="publish.would_clear_revocation",
        )
    raise PublishError(
        f"publishing would clear suspended index {shown}{more} of {name} in {folder}, which "
        "this registry never unsuspended (mcbadge unsuspend lifts a suspension); "
        + _elsewhere(folder, manifest, location),
        code="publish.would_clear_suspension",
    )


def _check_revocations(
    folder: Path, path: Path, built: _Built, manifest: Any, location: str
) -> None:
    document = _read_json(path, folder)
    entries = document.get("revokedCredential") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise PublishError(
            f"{path} is not a 1EdTech revocation list; move it out of {folder} (or choose "
            "another folder) and publish again",
            code="publish.unreadable",
        )
    published = [
        str(entry["id"])
        for entry in entries
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str)
    ]
    dropped = [credential_id for credential_id in published if credential_id not in built.revoked]
    if dropped:
        shown = ", ".join(dropped[:_SHOWN])
        more = f" and {len(dropped) - _SHOWN} more" if len(dropped) > _SHOWN else ""
        raise PublishError(
            f"publishing would drop the published revocation of {shown}{more} from "
            f"{path.name} in {folder}, and a revocation is final: this registry does not hold "
            "it; " + _elsewhere(folder, manifest, location),
            code="publish.would_drop_revocation",
        )
