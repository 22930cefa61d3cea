"""The verification policy: every knob the caller can turn, with safe defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["HOLDER_BINDING_MODES", "VerificationPolicy"]

#: ``required``: check holder binding; the other name is loud on purpose (the report then says
#: the binding was NOT checked).
HOLDER_BINDING_MODES = ("required", "NOT-CHECKED-UNSAFE")


@dataclass(frozen=True)
class VerificationPolicy:
    """How to verify.

    * ``now``: the instant validity and proof times are judged at (timezone-aware; ``None``
      means the current time when verification starts).
    * ``clock_skew``: tolerance applied to validFrom/validUntil and proof times.
    * ``expected_recipient`` / ``recipient_identity_type``: when given, the recipient check
      requires the credential to name this recipient (subject ``id`` or an IdentityObject of
      that type, OB 3.0 §9.3).
    * ``trusted_issuers``: when given, the issuer id must be one of these.
    * ``offline``: never touch the network (status lists and did:web then cannot be checked,
      which is indeterminate, not verified).
    * ``resolve``: ``HOST:PORT:ADDR`` pins (curl style) for the hardened fetcher.
    * ``ca_bundle``, ``timeout``: TLS trust anchors and per-request timeout in seconds.
    * ``trust_embedded_keys``: accept keys published inside the document itself (https
      verification methods of spec examples, a JWT ``jwk`` header). Off by default.
    * ``did_documents``: preloaded DID documents by DID (used before any network).
    * ``status_lists``: saved status list credentials (a JSON object, or a VC-JWT as text) by
      the URL a ``credentialStatus`` names; used instead of the network, and verified like a
      fetched list (see :mod:`mcbadge.verify.saved`).
    * ``require_status``: fail a credential that has no ``credentialStatus``.
    * ``check_endorsements`` / ``max_endorsement_depth``: verify embedded endorsements.
    * ``check_jwt_data_loss``: run the JSON-LD safe-mode check on a VC-JWT's credential and
      report undefined terms/types as a ``data_loss`` warning (on by default).
    * Presentations (:func:`mcbadge.verify.verify_presentation`): ``challenge`` is the
      verifier's challenge the presentation must answer (required: without one a presentation
      fails ``challenge.not_given``); ``domain``, when given, must be the proof's domain (the
      JWT ``aud``); ``presentation_max_age`` bounds how old the presentation's proof may be
      (``created`` / ``iat``); ``holder_binding`` is ``"required"`` (the signer is the holder
      and every credential's subject is the holder or ``expected_recipient``) or
      ``"NOT-CHECKED-UNSAFE"`` (reported as not checked); ``challenge_store`` (an object with
      ``consume(challenge)``, e.g. :class:`mcbadge.registry.ChallengeStore`) makes each
      challenge single use.
    * ``status_list_resolver``: a callable ``url -> document or None`` consulted after
      ``status_lists`` and before the network: a service answers for the lists it hosts
      itself (current bits from its registry) without an HTTP request to itself. What it
      returns is verified like a fetched list (proof, issuer, validity); ``None`` means "not
      mine" and the list is fetched (or refused offline) as usual.
    * ``local_status_base_urls``: base URLs whose status lists the caller serves itself
      (through ``status_lists`` / ``status_list_resolver``): a list under them is never
      fetched, and may be ``http://`` (a service on loopback).
    * ``generic_credentials``: also accept plain W3C Verifiable Credentials (VCDM 1.1 or 2.0
      with none of the Open Badges / CLR types): they get the W3C data model checks instead
      of the Open Badges model and context (the W3C test suites send such credentials). Off by
      default: a licensure office verifies Open Badges.
    * ``fetcher``: a :class:`mcbadge.net.Fetcher` to share (its cache and request counter)
      across calls; by default each :func:`verify` call builds its own from the options above.
    * ``max_fetches`` / ``fetch_seconds``: what one verification (a credential with its
      endorsements, a presentation or a CLR with every credential inside) may fetch: at most
      this many distinct documents, and no new fetch after this many seconds. A lookup
      beyond either is refused (``network_policy.fetch_limit``) and the check that needed it
      is undecided, never passed. ``None`` leaves that bound off.
    """

    now: datetime | None = None
    clock_skew: timedelta = timedelta(seconds=300)
    expected_recipient: str | None = None
    recipient_identity_type: str = "emailAddress"
    trusted_issuers: frozenset[str] | None = None
    offline: bool = False
    resolve: tuple[str, ...] = ()
    ca_bundle: Path | None = None
    timeout: float = 10.0
    trust_embedded_keys: bool = False
    did_documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    status_lists: Mapping[str, Mapping[str, Any] | str] = field(default_factory=dict)
    require_status: bool = False
    check_endorsements: bool = True
    max_endorsement_depth: int = 2
    check_jwt_data_loss: bool = True
    fetcher: Any = field(default=None, compare=False, repr=False)
    max_fetches: int | None = 64
    fetch_seconds: float | None = None
    status_list_resolver: Callable[[str], Mapping[str, Any] | str | None] | None = field(
        default=None, compare=False, repr=False
    )
    local_status_base_urls: tuple[str, ...] = ()
    generic_credentials: bool = False
    challenge: str | None = field(default=None, repr=False)
    domain: str | None = None
    presentation_max_age: timedelta = timedelta(minutes=10)
    holder_binding: str = "required"
    challenge_store: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.now is not None and (
            not isinstance(self.now, datetime) or self.now.utcoffset() is None
        ):
            raise ValueError("VerificationPolicy.now must be a timezone-aware datetime")
        if not isinstance(self.clock_skew, timedelta) or self.clock_skew < timedelta(0):
            raise ValueError("clock_skew must be a non-negative timedelta")
        if not self.timeout > 0:
            raise ValueError("timeout must be positive")
        if self.max_fetches is not None and self.max_fetches < 1:
            raise ValueError("max_fetches must be at least 1 (or None: no bound)")
        if self.fetch_seconds is not None and not self.fetch_seconds > 0:
            raise ValueError("fetch_seconds must be positive (or None: no bound)")
        if self.holder_binding not in HOLDER_BINDING_MODES:
            raise ValueError(f"holder_binding must be one of {', '.join(HOLDER_BINDING_MODES)}")
        if not isinstance(
            self.presentation_max_age, timedelta
        ) or self.presentation_max_age <= timedelta(0):
            raise ValueError("presentation_max_age must be a positive timedelta")
        if self.max_endorsement_depth < 0:
            raise ValueError("max_endorsement_depth must be >= 0")
        if isinstance(self.resolve, str):
            raise ValueError("resolve is a sequence of HOST:PORT:ADDR strings")
        from mcbadge.net import parse_resolve

        for pin in self.resolve:
            parse_resolve(pin)  # ValueError naming the entry and what is wrong with it
        if self.trusted_issuers is not None and not isinstance(self.trusted_issuers, frozenset):
            object.__setattr__(self, "trusted_issuers", frozenset(self.trusted_issuers))
