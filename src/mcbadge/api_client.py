"""A client of the Open Badges 3.0 REST API (OB 3.0 §6-7), for a learner's tool or a second
provider, tested against mcbadge's own provider (``mcbadge serve``)::

    client = ObApiClient("https://badges.provider.example")
    client.discover()                                   # the Service Description Document
    client.register(client_name="My wallet", client_uri=..., redirect_uris=[...], ...)
    start = client.start_authorization(redirect_uri)    # send the teacher to start.url
    client.finish_authorization(start, callback_url)    # the URL the teacher came back to
    for credential in client.iter_credentials():        # dict, or a compact JWS string
        ...
    client.upsert_credential(credential)                # "created", "replaced", "unchanged"
    client.get_profile(); client.put_profile(profile)

PKCE (S256) is always used; ``state`` is checked when the teacher comes back. An access token
that the provider no longer accepts (401) is refreshed once with the refresh token and the
request retried; new tokens go to ``on_tokens`` so a tool can keep them. Errors are typed:
:class:`ApiError` carries the provider's ``Imsx_StatusInfo``, :class:`OAuthError` the RFC
6749 / 7591 ``error`` and ``error_description``. Credentials are returned as received:
this client does not verify them (use :func:`mcbadge.verify`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

__all__ = [
    "API_PATH",
    "SCOPES",
    "ApiClientError",
    "ApiError",
    "AuthorizationStart",
    "ClientRegistration",
    "CredentialsPage",
    "OAuthError",
    "ObApiClient",
    "ServiceDescription",
    "Tokens",
]

API_PATH = "/ims/ob/v3p0"
_SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
#: The four OB 3.0 scopes, by short name.
SCOPES = {
    "credential.readonly": _SCOPE_BASE + "credential.readonly",
    "credential.upsert": _SCOPE_BASE + "credential.upsert",
    "profile.readonly": _SCOPE_BASE + "profile.readonly",
    "profile.update": _SCOPE_BASE + "profile.update",
}


class ApiClientError(Exception):
    """Anything that went wrong talking to a provider; ``status`` is the HTTP status (0: no
    answer, or an answer that is not what the API defines)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ApiError(ApiClientError):
    """An error answer of an OB API route: ``status_info`` is its ``Imsx_StatusInfo``."""

    def __init__(self, status: int, status_info: Mapping[str, Any]) -> None:
        self.status_info = dict(status_info)
        description = str(status_info.get("imsx_description") or f"HTTP {status}")
        super().__init__(f"{description} (HTTP {status})", status=status)

    @property
    def code_minor(self) -> str | None:
        """The first ``imsx_codeMinorFieldValue`` (``forbidden``, ``invalid_data`` …)."""
        minor = self.status_info.get("imsx_codeMinor", {})
        fields = minor.get("imsx_codeMinorField", []) if isinstance(minor, dict) else []
        if fields and isinstance(fields[0], dict):
            return str(fields[0].get("imsx_codeMinorFieldValue"))
        return None


class OAuthError(ApiClientError):
    """An OAuth 2.0 error (RFC 6749 §5.2, RFC 7591 §3.2.2, or the authorization response)."""

    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}" if description else error, status=status)


@dataclass(frozen=True)
class ServiceDescription:
    """What a provider's ``/discovery`` says (and the whole document in ``document``)."""

    document: dict[str, Any]
    title: str
    api_url: str
    registration_url: str
    authorization_url: str
    token_url: str
    refresh_url: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    scope: str
    metadata: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scope: str


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the teacher (``url``) and what checks the way back."""

    url: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str


@dataclass(frozen=True)
class CredentialsPage:
    """One page of ``GET /credentials``: JSON credentials and compact JWS strings."""

    credentials: list[dict[str, Any]]
    compact_jws: list[str]
    total: int | None
    links: dict[str, str]

    def __iter__(self) -> Iterator[dict[str, Any] | str]:
        yield from self.credentials
        yield from self.compact_jws


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _links(header: str | None) -> dict[str, str]:
    """RFC 8288 ``Link``: rel -> URL (the forms the OB API uses)."""
    found: dict[str, str] = {}
    for part in (header or "").split(","):
        target, _, params = part.strip().partition(";")
        target = target.strip()
        if not (target.startswith("<") and target.endswith(">")):
            continue
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "rel":
                for rel in value.strip().strip('"').split():
                    found[rel] = target[1:-1]
    return found


class ObApiClient:
    """A client of one provider. ``http`` may be given (proxies, TLS settings, a test
    transport); otherwise one is made and closed by :meth:`close` / ``with``."""

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.Client | None = None,
        registration: ClientRegistration | None = None,
        tokens: Tokens | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self.registration = registration
        self.tokens = tokens
        self.on_tokens = on_tokens
        self._description: ServiceDescription | None = None

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> ObApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery and registration ----------------------------------------------------------

    def discover(self) -> ServiceDescription:
        """``GET /ims/ob/v3p0/discovery`` (unprotected)."""
        answer = self._send("GET", self.base_url + API_PATH + "/discovery")
        document = self._json(answer)
        try:
            scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
            flow = scheme["flows"]["authorizationCode"]
            servers = document.get("servers") or [{"url": self.base_url + API_PATH}]
            description = ServiceDescription(
                document=document,
                title=str(document["info"]["title"]),
                api_url=str(servers[0]["url"]).rstrip("/"),
                registration_url=str(scheme["x-imssf-registrationUrl"]),
                authorization_url=str(flow["authorizationUrl"]),
                token_url=str(flow["tokenUrl"]),
                refresh_url=str(flow.get("refreshUrl") or flow["tokenUrl"]),
                scopes=tuple(flow.get("scopes", {})),
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise ApiClientError(
                f"the provider's service description lacks {exc}", status=answer.status_code
            ) from None
        self._description = description
        return description

    @property
    def description(self) -> ServiceDescription:
        return self._description or self.discover()

    def register(
        self,
        *,
        client_name: str,
        client_uri: str,
        redirect_uris: Sequence[str],
        logo_uri: str,
        tos_uri: str,
        policy_uri: str,
        software_id: str,
        software_version: str,
        scopes: Sequence[str] = tuple(SCOPES.values()),
        offline_access: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> ClientRegistration:
        """RFC 7591 registration with the OB 3.0 fields; keeps and returns the client."""
        scope = " ".join([*scopes, *(["offline_access"] if offline_access else [])])
        metadata: dict[str, Any] = {
            "client_name": client_name,
            "client_uri": client_uri,
            "logo_uri": logo_uri,
            "tos_uri": tos_uri,
            "policy_uri": policy_uri,
            "software_id": software_id,
            "software_version": software_version,
            "redirect_uris": list(redirect_uris),
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": scope,
            **(extra or {}),
        }
        answer = self._send("POST", self.description.registration_url, json=metadata)
        body = self._oauth_json(answer, expect=201)
        try:
            registration = ClientRegistration(
                client_id=str(body["client_id"]),
                client_secret=str(body["client_secret"]),
                redirect_uris=tuple(body.get("redirect_uris", redirect_uris)),
                scope=str(body.get("scope", scope)),
                metadata=body,
            )
        except KeyError as exc:
            raise ApiClientError(f"the registration answer lacks {exc}", status=201) from None
        self.registration = registration
        return registration

    # -- authorization code with PKCE --------------------------------------------------------

    def start_authorization(
        self, redirect_uri: str, scopes: Sequence[str] | None = None
    ) -> AuthorizationStart:
        """The authorization URL to send the teacher to, with a fresh PKCE pair and state."""
        registration = self._registered()
        verifier, challenge = _pkce_pair()
        state = secrets.token_urlsafe(24)
        query = {
            "response_type": "code",
            "client_id": registration.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes) if scopes is not None else registration.scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        url = f"{self.description.authorization_url}?{urlencode(query)}"
        return AuthorizationStart(
            url=url, state=state, code_verifier=verifier, redirect_uri=redirect_uri
        )

    def finish_authorization(self, start: AuthorizationStart, callback_url: str) -> Tokens:
        """Exchange the code in ``callback_url`` (where the teacher came back) for tokens;
        :class:`OAuthError` for a refusal (``access_denied`` …) or a state that does not match."""
        query = parse_qs(urlsplit(callback_url).query)
        state = (query.get("state") or [""])[0]
        if not secrets.compare_digest(state, start.state):
            raise OAuthError(0, "invalid_state", "the state that came back is not the one sent")
        if "error" in query:
            described = query.get("error_description")
            raise OAuthError(0, query["error"][0], described[0] if described else None)
        code = (query.get("code") or [""])[0]
        if not code:
            raise OAuthError(0, "invalid_request", "the callback carries no code")
        return self.exchange_code(code, start.code_verifier, start.redirect_uri)

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        """The token request of the authorization code grant (RFC 6749 §4.1.3, RFC 7636)."""
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self) -> Tokens:
        """New tokens from the refresh token (the provider rotates it)."""
        if self.tokens is None or not self.tokens.refresh_token:
            raise OAuthError(0, "invalid_grant", "there is no refresh token to use")
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token},
            url=self.description.refresh_url,
        )

    def _token_request(self, form: dict[str, str], *, url: str | None = None) -> Tokens:
        registration = self._registered()
        answer = self._send(
            "POST",
            url or self.description.token_url,
            data=form,
            auth=(registration.client_id, registration.client_secret),
        )
        body = self._oauth_json(answer, expect=200)
        if str(body.get("token_type", "")).lower() != "bearer" or "access_token" not in body:
            raise ApiClientError("the token answer is not a bearer token", status=200)
        expires = body.get("expires_in")
        tokens = Tokens(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token")
            or (self.tokens.refresh_token if self.tokens else None),
            expires_at=(
                datetime.fromtimestamp(datetime.now(UTC).timestamp() + int(expires), UTC)
                if isinstance(expires, int)
                else None
            ),
            scope=str(body.get("scope", "")),
        )
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return tokens

    # -- resources ---------------------------------------------------------------------------

    def get_credentials(
        self, *, limit: int | None = None, offset: int | None = None, since: datetime | None = None
    ) -> CredentialsPage:
        """One page of ``GET /credentials``."""
        params: dict[str, str] = {}
        if limit is not None:
            params["limit"] = str(limit)
        if offset is not None:
            params["offset"] = str(offset)
        if since is not None:
            params["since"] = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return self._page(self.description.api_url + "/credentials", params)

    def _page(self, url: str, params: Mapping[str, str] | None = None) -> CredentialsPage:
        answer = self._api("GET", url, params=params)
        body = self._json(answer)
        total = answer.headers.get("x-total-count")
        return CredentialsPage(
            credentials=list(body.get("credential", [])),
            compact_jws=list(body.get("compactJwsString", [])),
            total=int(total) if total and total.isdigit() else None,
            links=_links(answer.headers.get("link")),
        )

    def iter_credentials(
        self, *, page_size: int = 100, since: datetime | None = None
    ) -> Iterator[dict[str, Any] | str]:
        """Every credential, page by page (following ``Link: rel="next"``)."""
        page = self.get_credentials(limit=page_size, offset=0, since=since)
        seen = 0
        while True:
            yield from page
            seen += 1
            next_url = page.links.get("next")
            if not next_url or seen > 100_000:
                return
            page = self._page(next_url)

    def upsert_credential(self, credential: Mapping[str, Any] | str) -> str:
        """``POST /credentials``: ``created`` (201), ``replaced`` (200) or ``unchanged`` (304)."""
        url = self.description.api_url + "/credentials"
        if isinstance(credential, str):
            answer = self._api(
                "POST", url, content=credential.encode("ascii"), content_type="text/plain"
            )
        else:
            answer = self._api("POST", url, json=dict(credential))
        outcome = {201: "created", 200: "replaced", 304: "unchanged"}.get(answer.status_code)
        if outcome is None:
            raise ApiClientError(f"unexpected HTTP {answer.status_code}", status=answer.status_code)
        return outcome

    def get_profile(self) -> dict[str, Any]:
        return self._json(self._api("GET", self.description.api_url + "/profile"))

    def put_profile(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """``PUT /profile``: the stored profile (the same one when nothing changed, 304)."""
        answer = self._api("PUT", self.description.api_url + "/profile", json=dict(profile))
        if answer.status_code == 304:
            return dict(profile)
        return self._json(answer)

    # -- plumbing ----------------------------------------------------------------------------

    def _registered(self) -> ClientRegistration:
        if self.registration is None:
            raise ApiClientError("register the client first (register())")
        return self.registration

    def _api(
        self,
        method: str,
        url: str,
        *,
        content_type: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """A protected request: refreshed once on 401; Imsx_StatusInfo errors raised."""
        if self.tokens is None:
            raise ApiClientError("authorize first: there is no access token")
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self.tokens.access_token}",
                "Accept": "application/json",
            }
            if content_type:
                headers["Content-Type"] = content_type
            answer = self._send(method, url, headers=headers, **kwargs)
            if answer.status_code == 401 and attempt == 1 and self.tokens.refresh_token:
                self.refresh()
                continue
            break
        if answer.status_code >= 400:
            try:
                info = answer.json()
            except ValueError:
                info = None
            if isinstance(info, dict) and "imsx_codeMajor" in info:
                raise ApiError(answer.status_code, info)
            raise ApiClientError(f"HTTP {answer.status_code}", status=answer.status_code)
        return answer

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiClientError(f"cannot reach {url}: {exc}") from None

    @staticmethod
    def _json(answer: httpx.Response) -> dict[str, Any]:
        if answer.status_code >= 400:
            try:
                info = answer.json()
            except ValueError:
                info = None
            if isinstance(info, dict) and "imsx_codeMajor" in info:
                raise ApiError(answer.status_code, info)
            raise ApiClientError(f"HTTP {answer.status_code}", status=answer.status_code)
        try:
            body = answer.json()
        except ValueError:
            raise ApiClientError("the answer is not JSON", status=answer.status_code) from None
        if not isinstance(body, dict):
            raise ApiClientError("the answer is not a JSON object", status=answer.status_code)
        return body

    @staticmethod
    def _oauth_json(answer: httpx.Response, *, expect: int) -> dict[str, Any]:
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code != expect:
            if isinstance(body, dict) and "error" in body:
                raise OAuthError(
                    answer.status_code, str(body["error"]), body.get("error_description")
                )
            raise ApiClientError(f"HTTP {answer.status_code}", status=answer.status_code)
        if not isinstance(body, dict):
            raise ApiClientError("the answer is not a JSON object", status=answer.status_code)
        return body
