"""The verifier's door to the network: the hardened fetcher and a did:web-aware resolver.

Both come from lower layers (:mod:`mcbadge.net`, :mod:`mcbadge.did`); this module only builds
them from a :class:`VerificationPolicy`. When a layer is missing, fetching fails closed with
a typed error (which the status checks report as indeterminate).
"""

from __future__ import annotations

from typing import Any

from mcbadge.errors import FetchError, InputError, NetworkPolicyError
from mcbadge.verify._input import loads_strict
from mcbadge.verify.policy import VerificationPolicy

__all__ = ["fetch_json", "make_fetcher", "make_resolver"]


def make_fetcher(policy: VerificationPolicy) -> Any:
    """A hardened fetcher for this policy, or ``None`` when the network layer is absent."""
    try:
        from mcbadge import net  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    resolve = dict(net.parse_resolve(entry) for entry in policy.resolve)
    network_policy = net.NetworkPolicy(
        offline=policy.offline,
        timeout=policy.timeout,
        resolve=resolve,
        ca_bundle=policy.ca_bundle,
    )
    return net.Fetcher(network_policy)


def fetch_json(fetcher: Any, url: str, *, offline: bool) -> Any:
    """GET ``url`` through the fetcher and parse it strictly as JSON."""
    if offline:
        raise NetworkPolicyError(
            f"offline mode: {url} was not fetched", code="network_policy.offline"
        )
    if fetcher is None:
        raise FetchError("network access is not available", code="status_retrieval.unavailable")
    if hasattr(fetcher, "get_json"):
        return fetcher.get_json(url).data
    body = fetcher.get(url)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes):
        raise FetchError(f"no content from {url}", code="status_retrieval.failed")
    try:
        return loads_strict(body)
    except InputError as exc:
        raise FetchError(
            f"{url} did not return acceptable JSON: {exc.message}",
            code="status_retrieval.bad_json",
        ) from None


def make_resolver(policy: VerificationPolicy, fetcher: Any) -> Any:
    """A DID resolver for :func:`mcbadge.proofs.verify_proof`: preloaded documents, did:key
    and did:jwk offline, did:web fetched through the hardened fetcher."""
    try:
        from mcbadge import did  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    offline_factory = getattr(did, "OfflineResolver", None)
    if offline_factory is None:
        return None
    documents = {key: dict(value) for key, value in policy.did_documents.items()}
    offline = offline_factory(documents, trust_embedded_keys=policy.trust_embedded_keys)
    if policy.offline or fetcher is None:
        return offline
    return _WebResolver(offline, fetcher, did)


class _WebResolver:
    """Resolves what the offline resolver knows, and fetches did:web documents otherwise."""

    def __init__(self, offline: Any, fetcher: Any, did_module: Any) -> None:
        self._offline = offline
        self._fetcher = fetcher
        self._did = did_module
        self.fetch_failures: list[FetchError] = []

    def _fetch(self, did: str) -> dict[str, Any]:
        try:
            document = fetch_json(self._fetcher, self._did.did_web_url(did), offline=False)
        except FetchError as exc:
            # Remembered so the verifier can report "could not be decided", not "bad key".
            self.fetch_failures.append(exc)
            raise
        if not isinstance(document, dict) or document.get("id") != did:
            raise FetchError(
                "the did:web document does not describe that DID",
                code="key_resolution.did_mismatch",
            )
        return document

    def resolve(self, did: str) -> Any:
        base = did.split("#", 1)[0]
        if base.startswith("did:web:") and base not in self._offline.documents:
            return self._fetch(base)
        return self._offline.resolve(did)

    def resolve_verification_method(self, vm_id: str) -> Any:
        base = vm_id.split("#", 1)[0]
        if base.startswith("did:web:") and base not in self._offline.documents:
            return self._did.verification_method_from_document(self._fetch(base), vm_id)
        return self._offline.resolve_verification_method(vm_id)
