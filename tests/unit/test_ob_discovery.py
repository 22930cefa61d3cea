"""The OB 3.0 Service Description Document: built from the bundled 1EdTech OpenAPI file
(byte-identical to the vendored reference copy), with this instance's URLs and facts, and
valid against the spec's own ServiceDescriptionDocument schema."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from mcbadge.server.oauth.discovery import ProviderInfo, bundled_openapi, service_description

BASE = "https://badges.provider.example"


def test_the_bundled_openapi_file_is_byte_identical_to_the_reference(reference: Path) -> None:
    bundled = resources.files("mcbadge").joinpath("schemas/api/ob_v3p0_openapi.json").read_bytes()
    original = (reference / "api" / "ob_v3p0_openapi.json").read_bytes()
    assert hashlib.sha256(bundled).hexdigest() == hashlib.sha256(original).hexdigest()
    assert hashlib.sha256(bundled).hexdigest().startswith("850d2add")


def _validate(document: dict[str, Any], name: str) -> None:
    spec = bundled_openapi()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    jsonschema.Draft7Validator(schema).validate(document)


def test_the_description_names_this_instance_and_its_endpoints() -> None:
    provider = ProviderInfo(
        name="Mountain State Badges",
        image="https://badges.provider.example/logo.png",
        terms_url="https://badges.provider.example/terms",
        privacy_url="https://badges.provider.example/privacy",
    )
    document = service_description(BASE, provider)
    _validate(document, "ServiceDescriptionDocument")
    assert document["servers"][0]["url"] == BASE + "/ims/ob/v3p0"
    info = document["info"]
    assert info["title"] == "Mountain State Badges"
    assert info["termsOfService"] == provider.terms_url
    assert info["x-imssf-privacyPolicyUrl"] == provider.privacy_url
    assert info["x-imssf-image"] == provider.image
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    _validate(scheme, "OpenApiOAuth2SecurityScheme")
    assert scheme["x-imssf-registrationUrl"] == BASE + "/oauth/register"
    assert scheme["x-imssf-name"] == "Mountain State Badges"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == BASE + "/oauth/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == BASE + "/oauth/token"
    assert len(flow["scopes"]) == 4


def test_building_a_description_leaves_the_bundled_document_alone() -> None:
    before = bundled_openapi()
    service_description(BASE, ProviderInfo())
    assert bundled_openapi() == before
    plain = service_description(BASE, ProviderInfo())
    assert plain["info"]["termsOfService"] == BASE  # no terms configured: the service's URL
    assert "x-imssf-image" not in plain["info"]
