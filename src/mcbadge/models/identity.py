"""IdentityObject: a recipient identifier, usually a salted hash of an email address."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import Field, field_validator

from mcbadge.models._base import OBModel

__all__ = ["IdentityObject"]


class IdentityObject(OBModel):
    """Per OB 3.0: ``identityHash`` is ``sha256$<hex>`` (or ``md5$<hex>``) of the identifier
    concatenated with ``salt``, or the plain identifier when ``hashed`` is false."""

    required_type = "IdentityObject"
    type_is_single = True
    type: str
    hashed: bool
    identity_hash: str = Field(alias="identityHash")
    identity_type: str = Field(alias="identityType")
    salt: str | None = None

    @field_validator("identity_type")
    @classmethod
    def _known_identity_type(cls, value: str) -> str:
        from mcbadge.models.enums import IdentifierType, check_extensible

        return check_extensible(value, IdentifierType)

    @classmethod
    def hashed_email(cls, email: str, salt: str | None = None) -> IdentityObject:
        """A hashed ``emailAddress`` identity: ``sha256$`` + hex(SHA-256(email + salt)).

        ``salt`` defaults to 16 random bytes as hex (``secrets``); pass ``""`` for no salt.
        The email is used exactly as given (the spec hashes the identifier string itself).
        """
        if salt is None:
            salt = secrets.token_hex(16)
        digest = hashlib.sha256((email + salt).encode("utf-8")).hexdigest()
        data: dict[str, object] = {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": f"sha256${digest}",
            "identityType": "emailAddress",
        }
        if salt:
            data["salt"] = salt
        return cls.model_validate(data)

    def matches(self, value: str) -> bool:
        """True when ``value`` (e.g. an email address) is the identity this object names.

        Supports ``sha256$`` and ``md5$`` hashes in either hex case, and ``hashed: false``
        plaintext comparison. An unknown hash algorithm never matches.
        """
        if not self.hashed:
            return hmac.compare_digest(self.identity_hash.encode(), value.encode())
        algorithm, sep, expected = self.identity_hash.partition("$")
        if not sep or algorithm.lower() not in ("sha256", "md5"):
            return False
        salted = (value + (self.salt or "")).encode("utf-8")
        actual = hashlib.new(algorithm.lower(), salted, usedforsecurity=False).hexdigest()
        return hmac.compare_digest(actual, expected.lower())
