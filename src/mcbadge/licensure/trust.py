"""Trust lists: which issuers a licensure office trusts, for what, since when, with which keys.

A trust list (format 1, JSON Schema ``schemas/trust-list-v1.schema.json``) names its operator,
its version and its expiry, and per issuer: the issuer's id (a DID or URL, matched exactly),
a display name, the verification methods its proofs may use (key pinning: a did:web domain
taken over cannot mint trusted credentials with a new key), the achievements (ids, a trailing
``*`` for a prefix) and/or achievement types it may issue, a window of issuance dates, and a
status (``active``; ``suspended`` or ``withdrawn`` since a date).

An office relies on a list in one of three ways, and on nothing else:

* a plain JSON file pinned by its SHA-256 in the office's configuration
  (``FILE#sha256=HEX``);
* a signed list: an Open Badges 3.0 EndorsementCredential issued by the list's operator whose
  ``credentialSubject.endorsementComment`` is the list as JSON text, verified with
  :func:`mcbadge.verify` like any credential (proof, dates, its own status), and whose signer
  the configuration names (``FILE#operator=DID``) or whose bytes it pins;
* a list *accepted* by a list anchored in one of those two ways (``acceptedLists``: id plus
  SHA-256 and/or the operator that must sign it): how one state accepts another state's
  providers. Not transitively: the accepted list cannot vouch for a third.

A list that is malformed, expired, not yet valid, tampered with, pinned wrongly, unverifiable,
signed by someone other than its operator, or older than a version already seen (rollback)
raises :class:`~mcbadge.errors.TrustListError`: never an empty list. The design follows
python-tuf's client (signed, versioned metadata that expires, delegation by pinned digest).

Lists are consulted in the order given; the first that has an entry for the credential's
issuer decides, so a state's own list can suspend a provider another list it accepts trusts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mcbadge._display import one_line
from mcbadge.errors import InputError, MCBadgeError, TrustListError
from mcbadge.licensure.decision import IssuerTrust, TrustDecision
from mcbadge.verify.result import BundleResult, VerificationResult

if TYPE_CHECKING:
    from mcbadge.keys import Key
    from mcbadge.proofs import SignedCredential
    from mcbadge.verify.policy import VerificationPolicy

__all__ = [
    "FORMAT_VERSION",
    "SCHEMA_ID",
    "TRUST_LIST_TYPE",
    "AcceptedList",
    "IssuerEntry",
    "LoadedTrustList",
    "NoTrustList",
    "TrustList",
    "TrustListError",
    "TrustListSource",
    "TrustLists",
    "create_trust_list",
    "decide_bundle",
    "decide_file",
    "describe_decision",
    "import_dcc_registry",
    "inspect_trust_list",
    "load_trust_lists",
    "render_trust_list",
    "sha256_hex",
    "sign_trust_list",
    "trust_list_schema",
]

TRUST_LIST_TYPE = "McbadgeTrustList"
FORMAT_VERSION = 1
SCHEMA_ID = "urn:mcbadge:schema:trust-list:v1"
#: A trust list file larger than this is refused before it is parsed.
MAX_LIST_BYTES = 4 * 1024 * 1024
#: How many lists may be loaded at once (sources plus accepted ones).
MAX_LISTS = 50

_SKEW = timedelta(seconds=300)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]

Status = Literal["active", "suspended", "withdrawn"]


def _error(message: str, detail: str) -> TrustListError:
    return TrustListError(message, code=f"trust_list.{detail}")


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of ``data`` (what a pin names)."""
    return hashlib.sha256(data).hexdigest()


@cache
def trust_list_schema() -> dict[str, Any]:
    """The bundled JSON Schema of trust-list format 1 (never fetched)."""
    root = resources.files("mcbadge").joinpath("schemas").joinpath("mcbadge")
    loaded: dict[str, Any] = json.loads(root.joinpath("trust-list-v1.schema.json").read_bytes())
    return loaded


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    return Draft202012Validator(trust_list_schema())


def _parse_time(value: str, where: str) -> datetime:
    # the schema has checked the shape; this also rejects impossible dates (2026-02-30)
    if not _RFC3339.match(value):
        raise _error(
            f"the trust list's {where} ({value!r}) is not an RFC 3339 date-time", "malformed"
        )
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.upper().replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _error(
            f"the trust list's {where} ({value!r}) is not a valid date-time", "malformed"
        ) from None


def _optional_time(document: Mapping[str, Any], name: str, where: str) -> datetime | None:
    value = document.get(name)
    return None if value is None else _parse_time(value, f"{where}{name}")


@dataclass(frozen=True, slots=True)
class IssuerEntry:
    """One issuer a list names: whom, for what, since when, with which keys, in what state."""

    id: str
    name: str
    status: Status
    achievements: tuple[str, ...] | None = None
    achievement_types: tuple[str, ...] | None = None
    verification_methods: tuple[str, ...] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    status_since: datetime | None = None
    status_reason: str | None = None
    url: str | None = None

    def allows_achievement(self, achievement_id: str | None, achievement_type: str | None) -> bool:
        """Whether this entry lets its issuer issue that achievement (every constraint given
        must hold: an id pattern, and a type, when the entry names them)."""
        if self.achievements is not None and not any(
            _matches(pattern, achievement_id) for pattern in self.achievements
        ):
            return False
        return self.achievement_types is None or achievement_type in self.achievement_types

    def scope_text(self) -> str:
        parts = []
        if self.achievements is not None:
            parts.append("achievements " + ", ".join(self.achievements))
        if self.achievement_types is not None:
            parts.append("types " + ", ".join(self.achievement_types))
        return " and ".join(parts)


def _matches(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


@dataclass(frozen=True, slots=True)
class AcceptedList:
    """Another operator's list this list accepts, pinned by digest and/or signer."""

    id: str
    name: str
    sha256: str | None = None
    operator: str | None = None
    verification_methods: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class TrustList:
    """A trust list, validated against the schema and its own dates."""

    id: str
    name: str
    version: int
    operator_id: str
    operator_name: str
    issued: datetime
    valid_from: datetime
    valid_until: datetime
    issuers: tuple[IssuerEntry, ...]
    accepted: tuple[AcceptedList, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_document(cls, document: Any) -> TrustList:
        """Validate ``document`` (parsed JSON); raises TrustListError (``trust_list.malformed``,
        ``trust_list.duplicate_entry``, ``trust_list.inverted_dates``)."""
        if not isinstance(document, dict):
            raise _error("the trust list is not a JSON object", "malformed")
        if document.get("type") != TRUST_LIST_TYPE:
            raise _error(
                f"the document is not a trust list (its type is not {TRUST_LIST_TYPE!r})",
                "not_a_trust_list",
            )
        errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/".join(str(part) for part in first.absolute_path) or "(top level)"
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise _error(
                f"the trust list does not follow format {FORMAT_VERSION} at {where}: "
                f"{_short(first.message)}{more}",
                "malformed",
            )
        issued = _parse_time(document["issued"], "issued")
        valid_from = _optional_time(document, "validFrom", "") or issued
        valid_until = _parse_time(document["validUntil"], "validUntil")
        if valid_until <= valid_from:
            raise _error(
                "the trust list's validUntil is not after its validFrom/issued", "inverted_dates"
            )
        entries: list[IssuerEntry] = []
        seen: set[str] = set()
        for index, raw in enumerate(document["issuers"]):
            where = f"issuers/{index}/"
            if raw["id"] in seen:
                raise _error(
                    f"the trust list names issuer {raw['id']} twice (at {where[:-1]})",
                    "duplicate_entry",
                )
            seen.add(raw["id"])
            entry = IssuerEntry(
                id=raw["id"],
                name=raw["name"],
                status=raw["status"],
                achievements=_tuple(raw.get("achievements")),
                achievement_types=_tuple(raw.get("achievementTypes")),
                verification_methods=_tuple(raw.get("verificationMethods")),
                valid_from=_optional_time(raw, "validFrom", where),
                valid_until=_optional_time(raw, "validUntil", where),
                status_since=_optional_time(raw, "statusSince", where),
                status_reason=raw.get("statusReason"),
                url=raw.get("url"),
            )
            if entry.valid_from and entry.valid_until and entry.valid_until <= entry.valid_from:
                raise _error(
                    f"the entry for {entry.id} ends before it starts (validUntil <= validFrom)",
                    "inverted_dates",
                )
            entries.append(entry)
        accepted = tuple(
            AcceptedList(
                a["id"],
                a["name"],
                a.get("sha256"),
                a.get("operator"),
                _tuple(a.get("verificationMethods")),
            )
            for a in document.get("acceptedLists", ())
        )
        if any(a.id == document["id"] for a in accepted):
            raise _error("the trust list accepts itself", "malformed")
        return cls(
            id=document["id"],
            name=document["name"],
            version=document["version"],
            operator_id=document["operator"]["id"],
            operator_name=document["operator"]["name"],
            issued=issued,
            valid_from=valid_from,
            valid_until=valid_until,
            issuers=tuple(entries),
            accepted=accepted,
            document=document,
        )

    def entry_for(self, issuer_id: str) -> IssuerEntry | None:
        return next((entry for entry in self.issuers if entry.id == issuer_id), None)


def _tuple(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- sources and loading -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrustListSource:
    """Where a list comes from and what the office's configuration pins it to.

    ``sha256``: the exact bytes are pinned. ``operator``: the list must be a signed list whose
    verified issuer is this DID. Neither: the list is relied on only if a list already relied
    on accepts it.
    """

    path: Path
    sha256: str | None = None
    operator: str | None = None
    #: with ``operator``: the verification method the list's proof must use (for a did:web
    #: operator, whose domain could be taken over and publish a new key)
    key: str | None = None
    #: an https URL the list is fetched from (through the hardened fetcher), instead of a file
    url: str | None = None
    #: the list's bytes, already in hand (a file uploaded to the service): read instead of
    #: ``path``, which then only names it in messages
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    @classmethod
    def parse(cls, spec: str) -> TrustListSource:
        """``FILE``, ``FILE#sha256=HEX``, ``FILE#operator=DID`` (optionally ``&key=VM``), or
        several of these joined by ``&``; ``FILE`` may be an ``https://`` URL.

        Raises :class:`ValueError` (a usage error) for an unknown or malformed pin.
        """
        # the first "#" that starts a pin (a pinned key, a DID URL, has a "#" of its own)
        found = re.search(r"#(?=(?:sha256|operator|key)=)", spec)
        if found is None:
            return cls._at(spec)
        path, fragment = spec[: found.start()], spec[found.end() :]
        pins: dict[str, str] = {}
        for part in fragment.split("&"):
            name, eq, value = part.partition("=")
            if name not in ("sha256", "operator", "key") or not eq or not value or name in pins:
                raise ValueError(
                    f"trust list {spec!r}: the pin after # must be sha256=HEX and/or "
                    "operator=DID (with key=VM)"
                )
            pins[name] = value
        if "key" in pins and "operator" not in pins:
            raise ValueError(f"trust list {spec!r}: key=VM pins the key of operator=DID")
        digest = pins.get("sha256")
        if digest is not None:
            digest = digest.lower()
            if not _SHA256.match(digest):
                raise ValueError(f"trust list {spec!r}: sha256 must be 64 hexadecimal digits")
        return dataclasses.replace(
            cls._at(path), sha256=digest, operator=pins.get("operator"), key=pins.get("key")
        )

    @classmethod
    def _at(cls, location: str) -> TrustListSource:
        if location.lower().startswith(("https://", "http://")):
            return cls(Path(), url=location)
        return cls(Path(location))

    def __str__(self) -> str:
        pins = [f"sha256={self.sha256}"] if self.sha256 else []
        pins += [f"operator={self.operator}"] if self.operator else []
        pins += [f"key={self.key}"] if self.key else []
        return f"{self.location}#{'&'.join(pins)}" if pins else self.location


@dataclass(frozen=True, slots=True)
class LoadedTrustList:
    """A list relied on: its content, where it came from and why it is relied on.

    ``anchor`` says why: ``"sha256"`` (pinned in configuration), ``"operator"`` (signed by the
    operator the configuration names), or ``"accepted"`` (``accepted_by`` relies on it).
    """

    trust_list: TrustList
    source: str
    sha256: str
    signed_by: str | None
    anchor: Literal["sha256", "operator", "accepted", "none"]
    accepted_by: str | None = None


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise _error(f"cannot read trust list {path}: not a regular file", "unreadable")
        with path.open("rb") as handle:
            data = handle.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise _error(f"cannot read trust list {path}: {exc.strerror}", "unreadable") from None
    if len(data) > MAX_LIST_BYTES:
        raise _error(f"trust list {path} is larger than {MAX_LIST_BYTES} bytes", "too_large")
    return data


def _fetch(url: str, policy: VerificationPolicy) -> bytes:
    """A published list, through the same hardened fetcher (and network policy: ``offline``
    refuses) as the rest of verification; any failure is an error, never an empty list."""
    from mcbadge.verify._network import make_fetcher

    fetcher = policy.fetcher if policy.fetcher is not None else make_fetcher(policy)
    try:
        document = fetcher.get_bytes(url, accept="application/json", max_bytes=MAX_LIST_BYTES)
    except MCBadgeError as exc:
        raise _error(f"cannot fetch trust list {url}: {exc.message}", "unreadable") from None
    finally:
        if policy.fetcher is None:
            fetcher.close()
    body = document.body
    if len(body) > MAX_LIST_BYTES:
        raise _error(f"trust list {url} is larger than {MAX_LIST_BYTES} bytes", "too_large")
    return body


@dataclass(frozen=True, slots=True)
class _Parsed:
    trust_list: TrustList
    signed_by: str | None
    #: the key the signed list's proof names (a did:web operator's key is pinned by it)
    signed_with: str | None = None


def _verification_failure(result: VerificationResult, where: str) -> TrustListError:
    failed = [check for check in result.checks if check.status == "failed"]
    definite = [check for check in failed if not check.indeterminate] or failed
    first = definite[0]
    if first.code == "validity.expired":
        return _error(f"the signed trust list {where} has expired: {first.message}", "expired")
    if first.code == "validity.not_yet_valid":
        return _error(
            f"the signed trust list {where} is not valid yet: {first.message}", "not_yet_valid"
        )
    if first.code in ("status.revoked", "status.suspended"):
        return _error(
            f"the signed trust list {where} has been {first.code.split('.')[1]} by its operator",
            "revoked",
        )
    lead = "could not be verified" if first.indeterminate else "does not verify"
    return _error(
        f"the signed trust list {where} {lead}: {first.id}: {first.message} ({first.code})",
        "unverifiable",
    )


def _parse_list(data: bytes, where: str, policy: VerificationPolicy) -> _Parsed:
    """A plain or signed list from its bytes (signatures verified, dates not yet judged)."""
    from mcbadge._json import loads_strict

    text_start = data.lstrip()[:1]
    if text_start == b"{":
        try:
            document = loads_strict(data, max_bytes=MAX_LIST_BYTES)
        except InputError as exc:
            raise _error(
                f"trust list {where} is not acceptable JSON: {exc.message}", "malformed"
            ) from None
        if isinstance(document, dict) and document.get("type") == TRUST_LIST_TYPE:
            return _Parsed(TrustList.from_document(document), None)
    return _parse_signed(data, where, policy)


def _parse_signed(data: bytes, where: str, policy: VerificationPolicy) -> _Parsed:
    from mcbadge._json import loads_object
    from mcbadge.verify import verify
    from mcbadge.verify._input import parse_input

    # the list is not a credential for a teacher: no recipient to match, no issuer allow-list
    policy = dataclasses.replace(policy, expected_recipient=None, trusted_issuers=None)
    try:
        credential = parse_input(data).credential
    except MCBadgeError as exc:
        raise _error(
            f"trust list {where} is neither a trust list nor a signed credential: {exc.message}",
            "not_a_trust_list",
        ) from None
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    subject = credential.get("credentialSubject")
    comment = subject.get("endorsementComment") if isinstance(subject, dict) else None
    if "EndorsementCredential" not in types or not isinstance(comment, str):
        raise _error(
            f"{where} is not a trust list: neither a {TRUST_LIST_TYPE} document nor an "
            "EndorsementCredential carrying one in credentialSubject.endorsementComment",
            "not_a_trust_list",
        )
    result = verify(data, policy)
    if not result.verified:
        raise _verification_failure(result, where)
    try:
        document = loads_object(comment, max_bytes=MAX_LIST_BYTES)
    except InputError as exc:
        raise _error(
            f"the list inside the signed trust list {where} is not acceptable JSON: {exc.message}",
            "malformed",
        ) from None
    trust_list = TrustList.from_document(document)
    issuer = credential.get("issuer")
    signer = issuer.get("id") if isinstance(issuer, dict) else issuer
    if signer != trust_list.operator_id:
        raise _error(
            f"trust list {where} is signed by {signer}, but names {trust_list.operator_id} "
            f"({trust_list.operator_name}) as its operator: only the operator may sign its list",
            "wrong_signer",
        )
    endorsed = subject.get("id") if isinstance(subject, dict) else None
    if endorsed != trust_list.id:
        raise _error(
            f"the signed trust list {where} endorses {endorsed!r}, not the list it "
            f"carries ({trust_list.id})",
            "subject_mismatch",
        )
    return _Parsed(trust_list, str(signer), result.summary.verification_method)


def _check_dates(trust_list: TrustList, where: str, now: datetime) -> None:
    if now - trust_list.valid_until > _SKEW:
        raise _error(
            f"trust list {where} ({trust_list.name}, version {trust_list.version}) expired at "
            f"{trust_list.valid_until.isoformat()}; ask {trust_list.operator_name} for a "
            "current one",
            "expired",
        )
    if trust_list.valid_from - now > _SKEW:
        raise _error(
            f"trust list {where} ({trust_list.name}) is not valid until "
            f"{trust_list.valid_from.isoformat()}",
            "not_yet_valid",
        )


def _load_source(
    source: TrustListSource, policy: VerificationPolicy, now: datetime
) -> tuple[bytes, _Parsed]:
    """Read, pin-check, parse (verifying a signed list) and date-check one source."""
    where = source.location
    if source.data is not None:
        data = source.data
        if len(data) > MAX_LIST_BYTES:
            raise _error(f"trust list {where} is larger than {MAX_LIST_BYTES} bytes", "too_large")
    elif source.url is not None:
        data = _fetch(source.url, policy)
    else:
        data = _read(source.path)
    digest = sha256_hex(data)
    if source.sha256 is not None and digest != source.sha256:
        raise _error(
            f"trust list {where} has SHA-256 {digest}, but the configuration pins "
            f"{source.sha256}: the file was changed, or the pin is wrong",
            "wrong_pin",
        )
    parsed = _parse_list(data, where, policy)
    if source.operator is not None and parsed.signed_by != source.operator:
        if parsed.signed_by is None:
            raise _error(
                f"trust list {where} is a plain file, not signed by {source.operator}: pin "
                "it by its SHA-256 (FILE#sha256=HEX) or use its signed form",
                "unsigned",
            )
        raise _error(
            f"trust list {where} is signed by {parsed.signed_by}, but the configuration "
            f"expects {source.operator}",
            "wrong_operator",
        )
    if source.key is not None and parsed.signed_with != source.key:
        raise _error(
            f"trust list {where} is signed with the key {parsed.signed_with}, but the "
            f"configuration pins {source.key}",
            "key_not_pinned",
        )
    _check_dates(parsed.trust_list, where, now)
    return data, parsed


def _policy_at(
    policy: VerificationPolicy | None, now: datetime | None
) -> tuple[VerificationPolicy, datetime]:
    from mcbadge.verify.policy import VerificationPolicy

    policy = policy if policy is not None else VerificationPolicy()
    now = now or policy.now or datetime.now(UTC)
    return dataclasses.replace(policy, now=now), now


def inspect_trust_list(
    source: TrustListSource | str | Path,
    *,
    policy: VerificationPolicy | None = None,
    now: datetime | None = None,
) -> LoadedTrustList:
    """Read and check one list as :func:`load_trust_lists` would, without requiring it to be
    anchored (``anchor`` is then ``"none"``): what an office looks at before pinning it.
    Raises :class:`TrustListError` exactly as loading would."""
    if not isinstance(source, TrustListSource):
        source = TrustListSource.parse(str(source))
    policy, now = _policy_at(policy, now)
    data, parsed = _load_source(source, policy, now)
    anchor: Literal["sha256", "operator", "none"] = (
        "sha256" if source.sha256 else "operator" if source.operator else "none"
    )
    return LoadedTrustList(
        parsed.trust_list, source.location, sha256_hex(data), parsed.signed_by, anchor
    )


def render_trust_list(item: LoadedTrustList) -> str:
    """A trust list for people: what it is, who signed it, and every entry."""
    tl = item.trust_list
    signed = f"signed by {item.signed_by}" if item.signed_by else "plain file (unsigned)"
    anchors = {
        "sha256": "pinned by SHA-256 in the configuration",
        "operator": "signed by the operator the configuration names",
        "accepted": f"accepted by {item.accepted_by}",
        "none": "not anchored: pin it before relying on it",
    }
    lines = [
        f"{one_line(item.source)}: {one_line(tl.name)}",
        f"  Id:          {one_line(tl.id)}",
        f"  Version:     {tl.version}",
        f"  Operator:    {one_line(tl.operator_name)} ({one_line(tl.operator_id)})",
        f"  Valid:       {_day(tl.valid_from)} to {_day(tl.valid_until)}",
        f"  Form:        {signed}",
        f"  SHA-256:     {item.sha256}",
        f"  Anchor:      {anchors[item.anchor]}",
        f"  Issuers:     {len(tl.issuers)}",
    ]
    for entry in tl.issuers:
        state: str = entry.status
        if entry.status_since is not None:
            state += f" since {_day(entry.status_since)}"
        lines.append(f"  - {one_line(entry.name)} ({one_line(entry.id)}): {state}")
        lines.append(f"      may issue: {one_line(entry.scope_text())}")
        if entry.valid_from or entry.valid_until:
            start = _day(entry.valid_from) if entry.valid_from else "any time"
            end = _day(entry.valid_until) if entry.valid_until else "open"
            lines.append(f"      issued from {start} to {end}")
        if entry.verification_methods:
            lines.append(f"      keys: {one_line(', '.join(entry.verification_methods))}")
        elif entry.id.startswith("did:web:") or not entry.id.startswith("did:"):
            lines.append(
                "      keys: NOT PINNED (any key the issuer's DID document lists is accepted: "
                "pin verificationMethods against a domain takeover)"
            )
    for accepted in tl.accepted:
        pins = [f"sha256 {accepted.sha256}"] if accepted.sha256 else []
        pins += [f"signed by {accepted.operator}"] if accepted.operator else []
        lines.append(f"  Accepts:     {accepted.name} ({accepted.id}), {' and '.join(pins)}")
    return "\n".join(lines)


def load_trust_lists(
    sources: Iterable[TrustListSource | str | Path],
    *,
    policy: VerificationPolicy | None = None,
    now: datetime | None = None,
    seen_versions: MutableMapping[str, int] | None = None,
) -> TrustLists:
    """Load, check and anchor trust lists; the result decides trust (:class:`TrustLists`).

    Each source is a :class:`TrustListSource`, or a ``FILE[#sha256=HEX][&operator=DID]`` string
    or a path. A source with no pin must be accepted by a list that has one (acceptance is not
    transitive: a list accepted that way cannot vouch for another). Signed lists are
    verified under ``policy`` (its network and offline settings apply). ``seen_versions``
    (list id to highest version seen) refuses a rollback and is updated in place.

    Raises :class:`TrustListError` for any list that cannot be relied on; ``ValueError`` for a
    malformed source string or no source at all (use :class:`NoTrustList` for "no list").
    ``now`` (else ``policy.now``, else the clock at each decision) judges expiry.
    """
    fixed_now = now or (policy.now if policy is not None else None)
    policy, now = _policy_at(policy, now)
    items = [
        s if isinstance(s, TrustListSource) else TrustListSource.parse(str(s)) for s in sources
    ]
    if not items:
        raise ValueError("no trust list given (NoTrustList is the loud name for none)")
    if len(items) > MAX_LISTS:
        raise _error(f"at most {MAX_LISTS} trust lists may be loaded at once", "too_many")
    loaded: dict[int, LoadedTrustList] = {}
    pending: dict[int, tuple[bytes, _Parsed]] = {}
    for index, source in enumerate(items):
        data, parsed = _load_source(source, policy, now)
        if source.sha256 is not None or source.operator is not None:
            anchor: Literal["sha256", "operator"] = "sha256" if source.sha256 else "operator"
            loaded[index] = LoadedTrustList(
                parsed.trust_list, source.location, sha256_hex(data), parsed.signed_by, anchor
            )
        else:
            pending[index] = (data, parsed)
    # accepted lists: named by a list the configuration anchors. Not transitively: an office
    # that accepts a state's list takes that state's providers, not whatever that state accepts.
    anchored = list(loaded.values())
    for index in sorted(pending):
        data, parsed = pending[index]
        where = str(items[index].path)
        accepting = _accepting(parsed, sha256_hex(data), anchored, where)
        if accepting is None:
            continue
        loaded[index] = LoadedTrustList(
            parsed.trust_list, where, sha256_hex(data), parsed.signed_by, "accepted", accepting
        )
        del pending[index]
    if pending:
        index = min(pending)
        source = items[index]
        raise _error(
            f"trust list {source.location} is not anchored: pin it in the configuration "
            f"({source.location}#sha256={sha256_hex(pending[index][0])}, or #operator=DID for a "
            "signed list), or load a list pinned there that accepts it",
            "unanchored",
        )
    ordered = [loaded[index] for index in sorted(loaded)]
    _check_unique(ordered)
    if seen_versions is not None:
        _check_rollback(ordered, seen_versions)
    return TrustLists(tuple(ordered), now=fixed_now)


def _accepting(
    parsed: _Parsed, digest: str, loaded: Iterable[LoadedTrustList], where: str
) -> str | None:
    """The id of a loaded list that accepts this one, or None; raises when a list names it
    but the pin does not match (a tampered or substituted file)."""
    candidates = [
        (holder, accepted)
        for holder in loaded
        for accepted in holder.trust_list.accepted
        if accepted.id == parsed.trust_list.id
    ]
    for holder, accepted in candidates:
        if accepted.sha256 is not None and accepted.sha256 != digest:
            raise _error(
                f"trust list {where} ({parsed.trust_list.id}) has SHA-256 {digest}, but "
                f"{holder.trust_list.name} accepts it only with SHA-256 {accepted.sha256}",
                "wrong_pin",
            )
        if accepted.operator is not None and parsed.signed_by != accepted.operator:
            found = f"signed by {parsed.signed_by}" if parsed.signed_by else "not signed"
            raise _error(
                f"trust list {where} ({parsed.trust_list.id}) is {found}, but "
                f"{holder.trust_list.name} accepts it only signed by {accepted.operator}",
                "wrong_operator",
            )
        if (
            accepted.verification_methods is not None
            and parsed.signed_with not in accepted.verification_methods
        ):
            raise _error(
                f"trust list {where} ({parsed.trust_list.id}) is signed with the key "
                f"{parsed.signed_with}, but {holder.trust_list.name} accepts it only signed "
                f"with {', '.join(accepted.verification_methods)}",
                "key_not_pinned",
            )
        return holder.trust_list.id
    return None


def _check_unique(lists: Sequence[LoadedTrustList]) -> None:
    seen: dict[str, str] = {}
    for item in lists:
        if item.trust_list.id in seen:
            raise _error(
                f"trust list {item.trust_list.id} is loaded twice ({seen[item.trust_list.id]} "
                f"and {item.source})",
                "duplicate",
            )
        seen[item.trust_list.id] = item.source


def _check_rollback(lists: Sequence[LoadedTrustList], seen: MutableMapping[str, int]) -> None:
    for item in lists:
        known = seen.get(item.trust_list.id)
        if known is not None and item.trust_list.version < known:
            raise _error(
                f"trust list {item.source} ({item.trust_list.name}) is version "
                f"{item.trust_list.version}, older than version {known} already seen: "
                "refusing a rollback",
                "rollback",
            )
    for item in lists:
        seen[item.trust_list.id] = max(seen.get(item.trust_list.id, 0), item.trust_list.version)


# -- deciding ------------------------------------------------------------------------------
_SELF_ASSERTED = (
    "no trust list was given: the issuer's name is self-asserted by the credential and unchecked"
)


@dataclass(frozen=True, slots=True)
class NoTrustList:
    """No trust list: every decision is "not decided" and says the issuer name is unchecked."""

    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        return TrustDecision(None, "trust.no_list", _SELF_ASSERTED)


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _issuance(credential: Mapping[str, Any]) -> datetime | None:
    for name in ("validFrom", "issuanceDate"):
        value = credential.get(name)
        if isinstance(value, str) and _RFC3339.match(value):
            try:
                return _parse_time(value, name)
            except TrustListError:
                return None
    return None


def _achievement(credential: Mapping[str, Any]) -> tuple[str | None, str | None]:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping):
        return None, None
    ident, kind = achievement.get("id"), achievement.get("achievementType")
    return (ident if isinstance(ident, str) else None), (kind if isinstance(kind, str) else None)


def _methods(credential: Mapping[str, Any], result: VerificationResult, issuer: str) -> list[str]:
    """Every key the proofs name (each must be pinned), absolute (``#key-1`` -> issuer DID)."""
    proofs = credential.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs] if proofs is not None else []
    named = [p.get("verificationMethod") for p in proofs if isinstance(p, Mapping)]
    if not named:
        named = [result.summary.verification_method]
    return [
        issuer + vm if isinstance(vm, str) and vm.startswith("#") else vm
        for vm in named
        if isinstance(vm, str)
    ] + (["(none)"] if any(not isinstance(vm, str) for vm in named) else [])


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class TrustLists:
    """Loaded trust lists in order; implements :class:`~mcbadge.licensure.IssuerTrust`.

    ``now``: the instant a list's expiry is judged at when deciding (default: the clock).
    """

    lists: tuple[LoadedTrustList, ...]
    now: datetime | None = None

    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        """Whether the verified ``credential``'s issuer is trusted for what it issued."""
        if not result.verified:
            return TrustDecision(
                None,
                "trust.credential_not_verified",
                "the credential did not verify, so who issued it is not established: trust "
                "was not decided",
            )
        issuer = _issuer_id(credential)
        if (
            not isinstance(issuer, str)
            or issuer != result.summary.issuer_id
            or credential.get("id") != result.summary.credential_id
        ):
            return TrustDecision(
                None,
                "trust.mismatch",
                "the credential given is not the one whose verification result was given",
            )
        now = self.now or datetime.now(UTC)
        for item in self.lists:
            trust_list = item.trust_list
            if now - trust_list.valid_until > _SKEW:
                return self._decision(
                    item,
                    None,
                    False,
                    "list_expired",
                    f"trust list {trust_list.name} expired at {_day(trust_list.valid_until)}; "
                    "nothing can be decided from it",
                )
            entry = trust_list.entry_for(issuer)
            if entry is not None:
                return self._judge(item, entry, credential, result, issuer)
        names = ", ".join(item.trust_list.name for item in self.lists) or "none"
        claimed = result.summary.issuer_name
        called = f" (calling itself {claimed!r})" if claimed else ""
        return TrustDecision(
            False,
            "trust.not_listed",
            f"issuer {issuer}{called} is on none of the trust lists loaded ({names})",
        )

    def _decision(
        self,
        item: LoadedTrustList,
        entry: IssuerEntry | None,
        trusted: bool,
        detail: str,
        reason: str,
    ) -> TrustDecision:
        return TrustDecision(
            trusted,
            f"trust.{detail}",
            reason,
            list_name=item.trust_list.name,
            list_id=item.trust_list.id,
            entry=entry.id if entry is not None else None,
            list_version=item.trust_list.version,
            via=item.accepted_by,
        )

    def _judge(
        self,
        item: LoadedTrustList,
        entry: IssuerEntry,
        credential: Mapping[str, Any],
        result: VerificationResult,
        issuer: str,
    ) -> TrustDecision:
        listed = f"{entry.name} ({entry.id}) on {item.trust_list.name}"

        def refuse(detail: str, reason: str) -> TrustDecision:
            return self._decision(item, entry, False, detail, reason)

        if entry.verification_methods is not None:
            methods = _methods(credential, result, issuer)
            unpinned = [vm for vm in methods if vm not in entry.verification_methods]
            if unpinned or not methods:
                return refuse(
                    "key_not_pinned",
                    f"{listed} is trusted only for the keys "
                    f"{', '.join(entry.verification_methods)}; this credential was signed with "
                    f"{', '.join(unpinned) or 'no named key'}",
                )
        if entry.status == "withdrawn":
            since = _day(entry.status_since) if entry.status_since else "?"
            why = f": {entry.status_reason}" if entry.status_reason else ""
            return refuse("withdrawn", f"{listed} was withdrawn on {since}{why}")
        achievement_id, achievement_type = _achievement(credential)
        if not entry.allows_achievement(achievement_id, achievement_type):
            what = achievement_id or "no achievement id"
            kind = f" (type {achievement_type})" if achievement_type else ""
            return refuse(
                "achievement_not_allowed",
                f"{listed} is trusted only for {entry.scope_text()}, not for {what}{kind}",
            )
        issued = _issuance(credential)
        if issued is None:
            return refuse(
                "no_issuance_date", "the credential states no readable issuance date (validFrom)"
            )
        if (entry.valid_from and issued < entry.valid_from) or (
            entry.valid_until and issued > entry.valid_until
        ):
            window = (
                f"{_day(entry.valid_from) if entry.valid_from else 'any time'} to "
                f"{_day(entry.valid_until) if entry.valid_until else 'now'}"
            )
            return refuse(
                "outside_window",
                f"{listed} is trusted for credentials issued from {window}; this one was "
                f"issued {_day(issued)}",
            )
        note = ""
        if entry.status == "suspended" and entry.status_since is not None:
            why = f" ({entry.status_reason})" if entry.status_reason else ""
            if issued >= entry.status_since:
                return refuse(
                    "suspended",
                    f"{listed} is suspended since {_day(entry.status_since)}{why}; this "
                    f"credential was issued {_day(issued)}",
                )
            note = (
                f"; the issuer is suspended since {_day(entry.status_since)}{why}, after this "
                f"credential was issued ({_day(issued)})"
            )
        via = f", accepted through {item.accepted_by}" if item.accepted_by else ""
        return self._decision(
            item,
            entry,
            True,
            "trusted",
            f"{listed} (version {item.trust_list.version}{via}) is trusted for "
            f"{achievement_id or achievement_type}{note}",
        )


def decide_file(
    trust: IssuerTrust, document: Path | bytes | str, result: VerificationResult
) -> TrustDecision:
    """Decide for the credential in ``document`` (a path, bytes or text: JSON, VC-JWT or a
    baked image), given its verification ``result``. What cannot be read is not decided."""
    if not result.verified:
        return trust.decide({}, result)
    from mcbadge.verify._input import parse_input

    try:
        credential = parse_input(document).credential
    except (MCBadgeError, TypeError):
        return TrustDecision(
            None, "trust.unreadable", "the credential could not be read again to decide trust"
        )
    return trust.decide(credential, result)


def decide_bundle(
    trust: IssuerTrust, document: Path | bytes | str | Mapping[str, Any], result: BundleResult
) -> tuple[TrustDecision, ...]:
    """One decision per credential inside a verified presentation or CLR record (``result``
    from :func:`mcbadge.verify.verify_any` on ``document``), in the order of
    ``result.nested``. A credential inside a bundle whose own checks failed, or that did not
    verify, is not decided (never trusted)."""
    from mcbadge.licensure.evaluation import candidates_from_bundle
    from mcbadge.verify._input import parse_input

    try:
        parsed = parse_input(document).credential
    except (MCBadgeError, TypeError):
        parsed = {}
    return tuple(
        trust.decide(candidate.credential, candidate.result)
        for candidate in candidates_from_bundle(parsed, result)
    )


def describe_decision(decision: TrustDecision) -> str:
    """One line for a report: ``TRUSTED: ...``, ``NOT TRUSTED: ...`` or ``not decided: ...``."""
    if decision.trusted is True:
        head = "TRUSTED"
    elif decision.trusted is False:
        head = "NOT TRUSTED"
    else:
        head = "not decided"
    return f"{head}: {decision.reason} ({decision.code})"


# -- making lists --------------------------------------------------------------------------
def _stamp(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("dates of a trust list need a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_trust_list(
    *,
    list_id: str,
    name: str,
    operator_id: str,
    operator_name: str,
    valid_until: datetime,
    issuers: Sequence[Mapping[str, Any]] = (),
    accepted_lists: Sequence[Mapping[str, Any]] = (),
    version: int = 1,
    issued: datetime | None = None,
    valid_from: datetime | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A new trust-list document (format 1), validated: raises TrustListError if it would not
    load (an entry without scope, a bad date, a duplicate issuer ...)."""
    document: dict[str, Any] = {
        "type": TRUST_LIST_TYPE,
        "formatVersion": FORMAT_VERSION,
        "id": list_id,
        "name": name,
        "version": version,
        "operator": {"id": operator_id, "name": operator_name},
        "issued": _stamp(issued or datetime.now(UTC)),
    }
    if description:
        document["description"] = description
    if valid_from is not None:
        document["validFrom"] = _stamp(valid_from)
    document["validUntil"] = _stamp(valid_until)
    document["issuers"] = [dict(entry) for entry in issuers]
    if accepted_lists:
        document["acceptedLists"] = [dict(item) for item in accepted_lists]
    TrustList.from_document(document)
    return document


def sign_trust_list(
    document: Mapping[str, Any],
    key: Key,
    *,
    format: str = "eddsa-rdfc-2022",
    verification_method: str | None = None,
    credential_id: str | None = None,
    created: datetime | None = None,
    credential_status: Mapping[str, Any] | None = None,
) -> SignedCredential:
    """The signed form of a list: an OB 3.0 EndorsementCredential from the list's operator
    whose subject is the list (``id``) and whose ``endorsementComment`` is the list as JSON.

    ``credential_status`` (a ``BitstringStatusListEntry`` of the operator's own status list)
    makes the published list revocable: a verifier then refuses it once revoked
    (``trust_list.revoked``).

    Raises TrustListError when ``document`` is not a valid list, and the signing errors of
    :func:`mcbadge.sign` (a key that does not match the operator's DID fails on verify: the
    operator id is the credential's issuer).
    """
    import uuid

    from mcbadge.signing import sign

    trust_list = TrustList.from_document(dict(document))
    credential = {
        "@context": list(_OB_CONTEXTS),
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": f"Trust list: {trust_list.name} (version {trust_list.version})",
        "issuer": {
            "id": trust_list.operator_id,
            "type": ["Profile"],
            "name": trust_list.operator_name,
        },
        "validFrom": _stamp(trust_list.valid_from),
        "validUntil": _stamp(trust_list.valid_until),
        "credentialSubject": {
            "id": trust_list.id,
            "type": ["EndorsementSubject"],
            "endorsementComment": json.dumps(
                document, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            ),
        },
    }
    if credential_status is not None:
        credential["credentialStatus"] = dict(credential_status)
    return sign(
        credential,
        key,
        format=format,  # type: ignore[arg-type]
        verification_method=verification_method,
        created=created,
    )


def import_dcc_registry(
    registry: Mapping[str, Any] | bytes,
    *,
    list_id: str,
    name: str,
    operator_id: str,
    operator_name: str,
    valid_until: datetime,
    achievements: Sequence[str] | None = None,
    achievement_types: Sequence[str] | None = None,
    version: int = 1,
    issued: datetime | None = None,
) -> dict[str, Any]:
    """A trust list from a Digital Credentials Consortium issuer registry (the "dcc-legacy"
    format: ``{"meta": {...}, "registry"|"entries": {DID: {"name", "location", "url"}}}``).

    The DCC registry says who an issuer is, not what it may issue or with which key: the
    caller names the scope (``achievements`` and/or ``achievement_types``; ``["*"]`` for any
    achievement) and no key is pinned (add ``verificationMethods`` by hand for did:web).
    Raises TrustListError (``trust_list.bad_import``) for anything else.
    """
    from mcbadge._json import loads_object

    if not achievements and not achievement_types:
        raise ValueError(
            "name the achievements or achievement types the imported issuers may issue"
        )
    if isinstance(registry, bytes | bytearray):
        try:
            registry = loads_object(bytes(registry), max_bytes=MAX_LIST_BYTES)
        except InputError as exc:
            raise _error(
                f"the DCC registry is not acceptable JSON: {exc.message}", "bad_import"
            ) from None
    entries = registry.get("registry", registry.get("entries"))
    if not isinstance(entries, Mapping) or not entries:
        raise _error(
            "not a DCC issuer registry: no non-empty 'registry' (or 'entries') object of DIDs",
            "bad_import",
        )
    issuers: list[dict[str, Any]] = []
    for did, info in entries.items():
        if not isinstance(info, Mapping) or not isinstance(info.get("name"), str):
            raise _error(f"the DCC registry entry for {did} has no name", "bad_import")
        entry: dict[str, Any] = {"id": did, "name": info["name"], "status": "active"}
        for field_name in ("url", "location"):
            if isinstance(info.get(field_name), str) and info[field_name]:
                entry[field_name] = info[field_name]
        if achievements:
            entry["achievements"] = list(achievements)
        if achievement_types:
            entry["achievementTypes"] = list(achievement_types)
        issuers.append(entry)
    try:
        return create_trust_list(
            list_id=list_id,
            name=name,
            operator_id=operator_id,
            operator_name=operator_name,
            valid_until=valid_until,
            issuers=issuers,
            version=version,
            issued=issued,
        )
    except TrustListError as exc:
        raise _error(f"the imported list would not load: {exc.message}", "bad_import") from None
