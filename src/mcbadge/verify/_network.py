"""The verifier's door to the network: the hardened fetcher and a did:web-aware resolver.

Both come from lower layers (:mod:`mcbadge.net`, :mod:`mcbadge.did`); this module only builds
them from a :class:`VerificationPolicy` and reads what they fetch. A test may hand the
verifier any object with ``get(url) -> bytes`` instead of a :class:`mcbadge.net.Fetcher`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mcbadge import did, net
from mcbadge._json import loads_strict
from mcbadge.errors import FetchError, InputError, MCBadgeError, NetworkPolicyError
from mcbadge.verify._input import looks_like_jws
from mcbadge.verify.policy import VerificationPolicy

__all__ = [
    "Fetched",
    "budgeted",
    "fetch_document",
    "fetch_json",
    "make_fetcher",
    "make_resolver",
]

logger = logging.getLogger(__name__)

# A status list credential may come as JSON or as a VC-JWT; ask for both.
STATUS_ACCEPT = "application/vc+ld+json, application/vc+jwt, application/vc, application/json"


def make_fetcher(policy: VerificationPolicy) -> net.Fetcher:
    """The hardened fetcher for this policy."""
    resolve = dict(net.parse_resolve(entry) for entry in policy.resolve)
    network_policy = net.NetworkPolicy(
        offline=policy.offline,
        timeout=policy.timeout,
        resolve=resolve,
        ca_bundle=policy.ca_bundle,
    )
    return net.Fetcher(network_policy)


def budgeted(fetcher: Any, policy: VerificationPolicy) -> Any:
    """``fetcher`` as one verification run sees it: bounded by the policy's ``max_fetches``
    and ``fetch_seconds``, each document looked up once (:class:`mcbadge.net.FetchBudget`)."""
    if fetcher is None:
        return None
    return net.FetchBudget(fetcher, max_documents=policy.max_fetches, seconds=policy.fetch_seconds)


@dataclass(frozen=True)
class Fetched:
    """A fetched document: a JSON object, or a compact JWS string (a VC-JWT).

    ``fetched_at`` / ``expires_at`` come from the real fetcher (``None`` from a test double).
    ``digest`` is the SHA-256 of the exact bytes received (what a cached verdict is keyed by).
    """

    url: str
    document: dict[str, Any] | str
    fetched_at: datetime | None = None
    expires_at: datetime | None = None
    digest: str = ""


def _raw(fetcher: Any, url: str, offline: bool, accept: str) -> tuple[bytes, Any]:
    if offline:
        raise NetworkPolicyError(
            f"offline mode: {url} was not fetched", code="network_policy.offline"
        )
    if fetcher is None:
        raise FetchError("network access is not available", code="status_retrieval.unavailable")
    try:
        if hasattr(fetcher, "get_bytes"):
            fetched = fetcher.get_bytes(url, accept=accept)
            return bytes(fetched.body), fetched
        body = fetcher.get(url)
    except MCBadgeError:
        raise
    except Exception as exc:  # a caller's fetcher that crashed: not retrieved, not a bug here
        logger.debug("fetcher crashed on %s", url, exc_info=exc)
        raise FetchError(
            f"{url} could not be fetched ({type(exc).__name__})", code="status_retrieval.failed"
        ) from None
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes):
        raise FetchError(f"no content from {url}", code="status_retrieval.failed")
    return body, None


def _parse_json(body: bytes, url: str) -> Any:
    try:
        return loads_strict(body)
    except InputError as exc:
        raise FetchError(
            f"{url} did not return acceptable JSON: {exc.message}",
            code="status_retrieval.bad_json",
        ) from None


def fetch_json(fetcher: Any, url: str, *, offline: bool) -> Any:
    """GET ``url`` through the fetcher and parse it strictly as JSON."""
    body, _ = _raw(fetcher, url, offline, "application/json")
    return _parse_json(body, url)


def fetch_document(fetcher: Any, url: str, *, offline: bool) -> Fetched:
    """GET a status list (credential): a JSON object, or a VC-JWT (compact JWS) as text."""
    body, fetched = _raw(fetcher, url, offline, STATUS_ACCEPT)
    document: dict[str, Any] | str
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and looks_like_jws(text):
        document = text.strip()
    else:
        value = _parse_json(body, url)
        if not isinstance(value, dict):
            raise FetchError(
                f"{url} did not return a JSON object", code="status_retrieval.bad_json"
            )
        document = value
    digest = hashlib.sha256(body).hexdigest()
    if fetched is None:
        return Fetched(url, document, digest=digest)
    return Fetched(url, document, fetched.fetched_at, fetched.expires_at, digest)


def make_resolver(policy: VerificationPolicy, fetcher: Any) -> Any:
    """A DID resolver for :func:`mcbadge.proofs.verify_proof`: preloaded documents, did:key
    and did:jwk offline, did:web fetched through the hardened fetcher."""
    documents = {key: dict(value) for key, value in policy.did_documents.items()}
    offline = did.OfflineResolver(documents, trust_embedded_keys=policy.trust_embedded_keys)
    if policy.offline or fetcher is None:
        return offline
    return _WebResolver(offline, fetcher)


class _WebResolver:
    """Resolves what the offline resolver knows, and fetches did:web documents otherwise."""

    def __init__(self, offline: did.OfflineResolver, fetcher: Any) -> None:
        self._offline = offline
        self._fetcher = fetcher
        self.trust_embedded_keys = offline.trust_embedded_keys
        self.fetch_failures: list[FetchError] = []

    def _fetch(self, did_id: str) -> dict[str, Any]:
        try:
            document = fetch_json(self._fetcher, did.did_web_url(did_id), offline=False)
        except FetchError as exc:
            # Remembered so the verifier can report "could not be decided", not "bad key".
            self.fetch_failures.append(exc)
            raise
        if not isinstance(document, dict) or document.get("id") != did_id:
            raise FetchError(
                "the did:web document does not describe that DID",
                code="key_resolution.did_mismatch",
            )
        return document

    def resolve(self, did_id: str) -> Any:
        base = did_id.split("#", 1)[0]
        if base.startswith("did:web:") and base not in self._offline.documents:
            return self._fetch(base)
        return self._offline.resolve(did_id)

    def resolve_verification_method(self, vm_id: str) -> Any:
        base = vm_id.split("#", 1)[0]
        if base.startswith("did:web:") and base not in self._offline.documents:
            return did.verification_method_from_document(self._fetch(base), vm_id)
        return self._offline.resolve_verification_method(vm_id)
