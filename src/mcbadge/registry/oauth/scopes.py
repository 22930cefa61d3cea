"""The OAuth 2.0 vocabulary of the OB 3.0 API (its four scopes, OB 3.0 §6.2.1) and the rules a
learner's tool's registration must follow (OB 3.0 §7.1.1.2, on top of RFC 7591)."""

from __future__ import annotations

from typing import Any

from mcbadge.errors import MCBadgeError

__all__ = [
    "AUTH_METHODS",
    "GRANT_TYPES",
    "OB_SCOPES",
    "OFFLINE_ACCESS",
    "REQUIRED_REGISTRATION_FIELDS",
    "SCOPE_CREDENTIAL_READONLY",
    "SCOPE_CREDENTIAL_UPSERT",
    "SCOPE_PROFILE_READONLY",
    "SCOPE_PROFILE_UPDATE",
    "OAuthError_",
    "check_registration",
]

_SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
SCOPE_CREDENTIAL_READONLY = _SCOPE_BASE + "credential.readonly"
SCOPE_CREDENTIAL_UPSERT = _SCOPE_BASE + "credential.upsert"
SCOPE_PROFILE_READONLY = _SCOPE_BASE + "profile.readonly"
SCOPE_PROFILE_UPDATE = _SCOPE_BASE + "profile.update"
#: The four normative scopes of the OB 3.0 API (OB 3.0 §6.2.1), with what the consent page says.
OB_SCOPES: dict[str, str] = {
    SCOPE_CREDENTIAL_READONLY: "read the badges (credentials) held for you here",
    SCOPE_CREDENTIAL_UPSERT: "add badges to your collection here, or replace them",
    SCOPE_PROFILE_READONLY: "read your profile",
    SCOPE_PROFILE_UPDATE: "change your profile",
}
#: Asked for by OB clients at registration (OB 3.0 §7.1.1.2): "give me a refresh token".
OFFLINE_ACCESS = "offline_access"


class OAuthError_(MCBadgeError):  # the trailing _ keeps it apart from Authlib's OAuth2Error
    """An OAuth 2.0 record cannot be created or used as asked (``oauth.*``)."""

    code = "oauth.invalid"


#: What a learner's tool must send to register (OB 3.0 §7.1.1.2, the registration table).
REQUIRED_REGISTRATION_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "redirect_uris",
    "scope",
)
GRANT_TYPES = ("authorization_code", "refresh_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def check_registration(metadata: Any) -> dict[str, Any]:
    """The OB 3.0 rules on a registration request (RFC 7591 checks the rest): the required
    fields, redirect URIs over https (http only to a loopback address, RFC 8252 §7.3), only the
    OB scopes and ``offline_access``, the code grant, a client secret. Raises
    :class:`OAuthError_` with ``oauth.invalid_redirect_uri`` or
    ``oauth.invalid_client_metadata`` (the RFC 7591 error codes); returns the metadata with
    the defaults filled in."""
    from urllib.parse import urlsplit

    def refuse(message: str, code: str = "oauth.invalid_client_metadata") -> OAuthError_:
        return OAuthError_(message, code=code)

    if not isinstance(metadata, dict):
        raise refuse("the registration request must be a JSON object")
    missing = [name for name in REQUIRED_REGISTRATION_FIELDS if not metadata.get(name)]
    if missing:
        raise refuse(f"the registration request needs {', '.join(missing)}")
    uris = metadata["redirect_uris"]
    if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
        raise refuse("redirect_uris must be a list of URLs", "oauth.invalid_redirect_uri")
    for uri in uris:
        parts = urlsplit(uri)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and _loopback(parts.hostname or "")
        )
        if not secure or not parts.hostname or parts.fragment:
            raise refuse(
                f"redirect URI {uri} must be an https URL without a fragment (http only to a "
                "loopback address)",
                "oauth.invalid_redirect_uri",
            )
    scope = metadata["scope"]
    if not isinstance(scope, str):
        raise refuse("scope must be a space-separated string")
    unknown = [s for s in scope.split() if s not in OB_SCOPES and s != OFFLINE_ACCESS]
    if unknown or not any(s in OB_SCOPES for s in scope.split()):
        raise refuse(
            "scope must name Open Badges 3.0 scopes (and may add offline_access); unknown: "
            + (" ".join(unknown) or "none of the four OB scopes was asked for")
        )
    filled = dict(metadata)
    filled.setdefault("grant_types", list(GRANT_TYPES))
    filled.setdefault("response_types", ["code"])
    filled.setdefault("token_endpoint_auth_method", "client_secret_basic")
    if not set(filled["grant_types"]) <= set(GRANT_TYPES) or "authorization_code" not in set(
        filled["grant_types"]
    ):
        raise refuse("grant_types must be authorization_code (and refresh_token)")
    if filled["response_types"] != ["code"]:
        raise refuse("response_types must be [code]")
    if filled["token_endpoint_auth_method"] not in AUTH_METHODS:
        raise refuse("token_endpoint_auth_method must be client_secret_basic or client_secret_post")
    return filled


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
