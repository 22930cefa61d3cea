"""The Service Description Document of ``GET /ims/ob/v3p0/discovery`` (OB 3.0 §6.3, §7.1.1.1).

The SDD "MUST be a profiled version of the OpenAPI 3.0 (JSON) file provided with this
specification": it is built from the bundled copy of that file,
``mcbadge/schemas/api/ob_v3p0_openapi.json`` (byte-identical to
``1EdTech/openbadges-specification @ a4e4e709665c : docs/openapi/openapi.json``, gh-pages, the
file purl names ``ob_v3p0_oas.json``; SHA-256 ``850d2add…4ecc50825``, recorded in
tests/reference/PROVENANCE.md and checked by tests/unit/test_ob_discovery.py). Only the
instance's facts are filled in: its server URL, its name, image, terms and privacy policy
(``info`` and the ``x-imssf-*`` members of the ``OAuth2ACG`` scheme, as the spec's examples
show them), and the URLs of its registration, authorization and token endpoints.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "API_PATH",
    "AUTHORIZE_PATH",
    "REGISTER_PATH",
    "REVOKE_PATH",
    "TOKEN_PATH",
    "ProviderInfo",
    "bundled_openapi",
    "service_description",
]

API_PATH = "/ims/ob/v3p0"
REGISTER_PATH = "/oauth/register"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a secret)
REVOKE_PATH = "/oauth/revoke"


@dataclass(frozen=True)
class ProviderInfo:
    """What the SDD says about the provider; URLs default to the service's own URL."""

    name: str = "mcbadge"
    image: str | None = None
    terms_url: str | None = None
    privacy_url: str | None = None


@cache
def _openapi_text() -> str:
    return (
        resources.files("mcbadge")
        .joinpath("schemas")
        .joinpath("api")
        .joinpath("ob_v3p0_openapi.json")
        .read_text(encoding="utf-8")
    )


def bundled_openapi() -> dict[str, Any]:
    """A fresh copy of the OB 3.0 OpenAPI document as 1EdTech publishes it."""
    document: dict[str, Any] = json.loads(_openapi_text())
    return document


def service_description(public_url: str, provider: ProviderInfo) -> dict[str, Any]:
    """The SDD of the service at ``public_url`` (no trailing slash)."""
    document = copy.deepcopy(bundled_openapi())
    terms = provider.terms_url or public_url
    privacy = provider.privacy_url or public_url
    document["servers"] = [{"url": public_url + API_PATH, "description": provider.name}]
    info = document["info"]
    info.pop("contact", None)  # 1EdTech's own contact, not this provider's
    info["title"] = provider.name
    info["termsOfService"] = terms
    info["x-imssf-privacyPolicyUrl"] = privacy
    if provider.image:
        info["x-imssf-image"] = provider.image
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    scheme["description"] = "OAuth 2.0 Authorization Code Grant authorization"
    scheme["x-imssf-name"] = provider.name
    scheme["x-imssf-privacyPolicyUrl"] = privacy
    scheme["x-imssf-termsOfServiceUrl"] = terms
    scheme["x-imssf-registrationUrl"] = public_url + REGISTER_PATH
    if provider.image:
        scheme["x-imssf-image"] = provider.image
    flow = scheme["flows"]["authorizationCode"]
    flow["authorizationUrl"] = public_url + AUTHORIZE_PATH
    flow["tokenUrl"] = public_url + TOKEN_PATH
    flow["refreshUrl"] = public_url + TOKEN_PATH
    return document
