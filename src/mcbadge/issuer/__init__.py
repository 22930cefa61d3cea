"""Issuing Open Badges 3.0 credentials: keys and DIDs, the credential builder, signing,
the issuer registry, and the :class:`Issuer` that ties them together.

Typical use::

    issuer = Issuer(profile, [key], status_base_url="https://provider.example/status/")
    issued = issuer.issue(achievement, "teacher@school.example")
    issuer.publish("public/status")
"""

from __future__ import annotations

from mcbadge.issuer.build import (
    RosterRow,
    build_credential,
    hashed_email_identifier,
    load_achievement,
    load_catalog,
    load_profile,
    load_roster,
)
from mcbadge.issuer.core import BatchOutcome, BatchResult, IssuedCredential, Issuer
from mcbadge.issuer.keys import SigningKey, did_web_document, did_web_for, did_web_url
from mcbadge.issuer.signing import FORMATS, sign_credential
from mcbadge.issuer.store import CredentialRecord, IssuerStore, default_database_url

__all__ = [
    "FORMATS",
    "BatchOutcome",
    "BatchResult",
    "CredentialRecord",
    "IssuedCredential",
    "Issuer",
    "IssuerStore",
    "RosterRow",
    "SigningKey",
    "build_credential",
    "default_database_url",
    "did_web_document",
    "did_web_for",
    "did_web_url",
    "hashed_email_identifier",
    "load_achievement",
    "load_catalog",
    "load_profile",
    "load_roster",
    "sign_credential",
]
