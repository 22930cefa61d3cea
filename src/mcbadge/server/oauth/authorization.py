"""Authlib's OAuth 2.0 authorization server, on the registry (:class:`OAuthServer`).

Authlib does the protocol (RFC 6749 grants and errors, RFC 7636 PKCE, RFC 7591 metadata
claims, RFC 7009 revocation, client authentication); this module only gives it its storage
(:class:`mcbadge.registry.oauth.OAuthStore`) and requests built from Starlette's. Routes read
the body first (bounded, :mod:`mcbadge.server.body`) and hand Authlib a finished
:class:`FormRequest`; Authlib answers ``(status, body, headers)``, which the route renders.

Choices beyond the RFCs: PKCE is required and only ``S256`` is accepted (OB 3.0 §7.1.2.1
"PKCE MUST be used"); a learner client's ``redirect_uri`` must be sent and match a registered
one exactly; refresh tokens rotate and a replayed one revokes its whole grant; machine clients
(registered by the operator) use only the client credentials grant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc6749.requests import JsonRequest, OAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint, InvalidClientMetadataError
from authlib.oauth2.rfc7636 import CodeChallenge

from mcbadge.registry.access import AccessTokenStore
from mcbadge.registry.audit import Actor
from mcbadge.registry.oauth import (
    AUTH_METHODS,
    GRANT_TYPES,
    OB_SCOPES,
    OFFLINE_ACCESS,
    AuthorizationCode,
    OAuthClient,
    OAuthError_,
    OAuthStore,
    RefreshGrant,
    check_registration,
)

if TYPE_CHECKING:
    from mcbadge.registry import Registry

__all__ = ["FormRequest", "OAuthServer", "RegistrationRequest"]

_AUTH_METHODS = list(AUTH_METHODS)


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth 2.0 request whose query and form were read already (Starlette is async)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query + form if method == "GET" else form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _JsonPayload:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


class RegistrationRequest(JsonRequest):  # type: ignore[misc]
    """An RFC 7591 registration request whose JSON body was read already."""

    def __init__(self, uri: str, headers: Mapping[str, str], data: dict[str, Any]) -> None:
        super().__init__("POST", uri, headers)
        self.payload = _JsonPayload(data)


class _Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, client: OAuthClient) -> None:
        self.record = client

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # a learner client names its redirect URI in every request

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = self.record.scopes
        if not scope:
            return " ".join(allowed)
        asked = scope.split()
        return " ".join(dict.fromkeys(asked)) if set(asked) <= set(allowed) else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.record.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in _AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return self.record.kind == "learner" and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if self.record.kind == "machine":
            return grant_type == "client_credentials"
        return grant_type in self.record.grant_types


class _Code:
    def __init__(self, code: AuthorizationCode) -> None:
        self.record = code
        self.code_challenge = code.code_challenge
        self.code_challenge_method = code.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class _Refresh:
    def __init__(self, grant: RefreshGrant) -> None:
        self.record = grant

    def check_client(self, client: _Client) -> bool:
        return client.get_client_id() == self.record.client_id

    def get_scope(self) -> str:
        return self.record.scope


class _S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE on every authorization request, S256 only (``plain`` reveals the verifier)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                "PKCE is required: send code_challenge and code_challenge_method=S256"
            )
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


def _store(grant: Any) -> OAuthStore:
    store: OAuthStore = grant.server.store
    return store


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    def save_authorization_code(self, code: str, request: FormRequest) -> None:
        data = request.payload.data
        _store(self).save_code(
            code,
            client_id=request.client.get_client_id(),
            learner=request.user,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
        )

    def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
        found = _store(self).consume_code(code, client.get_client_id())
        return _Code(found) if found is not None else None

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        """Nothing to do: :meth:`query_authorization_code` used it up."""

    def authenticate_user(self, authorization_code: _Code) -> str:
        return authorization_code.record.learner

    def generate_token(
        self,
        user: str | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        code: _Code = self.request.authorization_code
        client: _Client = self.request.client
        pair = _store(self).issue_tokens(
            client.record,
            learner=code.record.learner,
            scope=code.record.scope,
            refresh=include_refresh_token,
            from_code=code.record.digest,
        )
        return pair.response()


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> _Refresh:
        store = _store(self)
        client_id = self.request.client.get_client_id()
        current = store.refresh_grant(refresh_token)
        asked = self.request.payload.scope
        # refuse a wider scope BEFORE rotating, so a mistaken request keeps its token
        if (
            current is not None
            and current.client_id == client_id
            and asked
            and not set(asked.split()) <= set(current.scope.split())
        ):
            raise InvalidScopeError()
        rotated = store.rotate_refresh(refresh_token, client_id)
        if rotated is None:
            raise InvalidGrantError(
                "the refresh token is unknown, expired, revoked or already used (using one "
                "twice revokes the whole grant)"
            )
        return _Refresh(rotated)

    def authenticate_user(self, refresh_token: _Refresh) -> str:
        return refresh_token.record.learner

    def revoke_old_credential(self, refresh_token: _Refresh) -> None:
        """Nothing to do: :meth:`authenticate_refresh_token` used it up."""

    def generate_token(
        self,
        user: str | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        old: _Refresh = self.request.refresh_token
        client: _Client = self.request.client
        pair = _store(self).issue_tokens(
            client.record,
            learner=old.record.learner,
            scope=scope or old.record.scope,
            refresh=True,
            family=old.record.family,
        )
        return pair.response()


class _MachineGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    def validate_requested_scope(self) -> None:
        asked = self.request.payload.scope
        if asked and not set(asked.split()) <= set(self.request.client.record.scopes):
            raise InvalidScopeError()

    def generate_token(
        self,
        user: str | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        client: _Client = self.request.client
        return _store(self).issue_machine_token(client.record, scope=scope or "").response()


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = _AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        store: OAuthStore = self.server.store
        refresh = store.refresh_grant(token_string)
        if refresh is not None:
            return _RevocableRefresh(refresh)
        access = AccessTokenStore(self.server.registry).lookup(token_string)
        if access is not None and access.kind == "oauth":
            return _RevocableAccess(access.token_id, access.client_id)
        return None

    def revoke_token(self, token: Any, request: FormRequest) -> None:
        store: OAuthStore = self.server.store
        if isinstance(token, _RevocableRefresh):
            store.revoke_family(token.grant.family)
        else:
            found = store.family_of(token.token_id)
            if found is not None:
                store.revoke_family(found[0])
            else:
                # a machine client's own token, revoked by that client: audited as an
                # operator's ``mcbadge serve-token revoke`` is
                AccessTokenStore(self.server.registry).revoke(
                    token.token_id, actor=Actor(token.client_id)
                )


class _RevocableRefresh:
    def __init__(self, grant: RefreshGrant) -> None:
        self.grant = grant

    def check_client(self, client: _Client) -> bool:
        return client.get_client_id() == self.grant.client_id


class _RevocableAccess:
    def __init__(self, token_id: str, client_id: str) -> None:
        self.token_id = token_id
        self.client_id = client_id

    def check_client(self, client: _Client) -> bool:
        return client.get_client_id() == self.client_id


class _Registration(ClientRegistrationEndpoint):  # type: ignore[misc]
    """Open registration (OB 3.0: any learner's tool may register; the teacher decides on
    the consent page), with the OB rules of :func:`check_registration` first."""

    def authenticate_token(self, request: RegistrationRequest) -> bool:
        return True

    def get_server_metadata(self) -> dict[str, Any]:
        return {
            "scopes_supported": [*OB_SCOPES, OFFLINE_ACCESS],
            "response_types_supported": ["code"],
            "grant_types_supported": list(GRANT_TYPES),
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
        }

    def extract_client_metadata(self, request: RegistrationRequest) -> dict[str, Any]:
        try:
            request.payload.data = check_registration(request.payload.data)
        except OAuthError_ as exc:
            error = InvalidClientMetadataError(_ascii(exc.message))
            if exc.code == "oauth.invalid_redirect_uri":
                error.error = "invalid_redirect_uri"
            raise error from None
        metadata: dict[str, Any] = super().extract_client_metadata(request)
        return metadata

    def resolve_public_key(self, request: RegistrationRequest) -> None:
        return None

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: Any
    ) -> OAuthClient:
        store: OAuthStore = self.server.store
        client, _secret = store.register_client(
            client_metadata,
            client_id=client_info["client_id"],
            secret=client_info["client_secret"],
        )
        return client

    def generate_client_secret(self, request: Any) -> str:
        import secrets

        return secrets.token_urlsafe(32)


def _ascii(text: str) -> str:
    """RFC 6749 §5.2: error_description is printable ASCII without quote or backslash."""
    return "".join(ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "'" for ch in text)


class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    """The service's authorization server: one per request (it holds no state of its own)."""

    def __init__(self, registry: Registry) -> None:
        super().__init__(scopes_supported=None)
        self.registry = registry
        self.store = OAuthStore(registry)
        self.register_grant(_CodeGrant, [_S256Only(required=True)])
        self.register_grant(_RefreshGrant)
        self.register_grant(_MachineGrant)
        self.register_endpoint(_Revocation)
        self.registration = _Registration(self)

    def query_client(self, client_id: str) -> _Client | None:
        found = self.store.client(client_id)
        return _Client(found) if found is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing to do: each grant's ``generate_token`` stored its tokens."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: audit records of token use are the access store's."""

    def create_oauth2_request(self, request: Any) -> Any:
        if not isinstance(request, OAuth2Request):
            raise TypeError("routes build a FormRequest first")
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(
        self, status: int, body: Any, headers: Iterable[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def register(self, request: RegistrationRequest) -> tuple[int, Any, list[tuple[str, str]]]:
        """RFC 7591: 201 with the client's id, secret and metadata, or 400 with the error."""
        from authlib.oauth2.rfc6749 import OAuth2Error

        try:
            status, body, headers = self.registration.create_registration_response(request)
        except OAuth2Error as error:
            return self.handle_response(*error())
        return status, body, list(headers)
