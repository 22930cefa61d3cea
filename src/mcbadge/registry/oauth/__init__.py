"""OAuth 2.0 state of the service, on the registry's database: clients, authorization codes,
refresh tokens, and which learner each access token acts for.

The Open Badges 3.0 REST API (OB 3.0 §7) is protected by the authorization code grant with
PKCE: a learner's tool registers itself (RFC 7591), a teacher signs in on the consent page,
and the tool exchanges the code for an access token and a refresh token. Operators also
register machine clients (client credentials grant) bound to issuer DIDs, for the VC API's
issuing routes. Access tokens live in :class:`~mcbadge.registry.access.AccessTokenStore`
(one lookup for every route); this module keeps the rest::

    store = OAuthStore(registry)
    client, secret = store.register_client({"client_name": "Wallet", ...})
    store.save_code(code, client_id=..., learner=..., redirect_uri=..., scope=..., ...)
    found = store.consume_code(code, client.client_id)  # once; None when reused or expired

Every secret (client secrets, codes, refresh tokens) is random (at least 256 bits) and kept
only as its SHA-256. Codes and refresh tokens are consumed by one conditional ``UPDATE``, so
two requests racing with the same value cannot both win, on SQLite and PostgreSQL alike. A
code or refresh token presented a second time revokes every token issued from it (RFC 6749
§4.1.2, OAuth 2.0 Security BCP §4.14: refresh token rotation with reuse detection).
"""

from mcbadge.registry.oauth.records import (
    AuthorizationCode,
    OAuthClient,
    RefreshGrant,
    TokenPair,
)
from mcbadge.registry.oauth.scopes import (
    AUTH_METHODS,
    GRANT_TYPES,
    OB_SCOPES,
    OFFLINE_ACCESS,
    REQUIRED_REGISTRATION_FIELDS,
    SCOPE_CREDENTIAL_READONLY,
    SCOPE_CREDENTIAL_UPSERT,
    SCOPE_PROFILE_READONLY,
    SCOPE_PROFILE_UPDATE,
    OAuthError_,
    check_registration,
)
from mcbadge.registry.oauth.store import OAuthStore
from mcbadge.registry.oauth.tables import (
    ACCESS_TOKEN_TTL,
    CODE_TTL,
    REFRESH_TOKEN_TTL,
    create_oauth_tables,
)

__all__ = [
    "ACCESS_TOKEN_TTL",
    "AUTH_METHODS",
    "CODE_TTL",
    "GRANT_TYPES",
    "OB_SCOPES",
    "OFFLINE_ACCESS",
    "REFRESH_TOKEN_TTL",
    "REQUIRED_REGISTRATION_FIELDS",
    "SCOPE_CREDENTIAL_READONLY",
    "SCOPE_CREDENTIAL_UPSERT",
    "SCOPE_PROFILE_READONLY",
    "SCOPE_PROFILE_UPDATE",
    "AuthorizationCode",
    "OAuthClient",
    "OAuthError_",
    "OAuthStore",
    "RefreshGrant",
    "TokenPair",
    "check_registration",
    "create_oauth_tables",
]
