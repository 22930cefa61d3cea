"""Pieces of ``mcbadge.api_client`` that need no provider: the PKCE pair, Link headers,
errors carrying Imsx_StatusInfo."""

from __future__ import annotations

import base64
import hashlib

from mcbadge.api_client import ApiError, _links, _pkce_pair


def test_pkce_pair_is_s256() -> None:
    verifier, challenge = _pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    assert _pkce_pair()[0] != verifier


def test_link_header_parsing() -> None:
    header = (
        '<https://p.example/c?limit=2&offset=2>; rel="next", '
        '<https://p.example/c?limit=2&offset=4>; rel="last", '
        "<https://p.example/c?limit=2&offset=0>; rel=first, garbage, <x>; title=y"
    )
    assert _links(header) == {
        "next": "https://p.example/c?limit=2&offset=2",
        "last": "https://p.example/c?limit=2&offset=4",
        "first": "https://p.example/c?limit=2&offset=0",
    }
    assert _links(None) == {}


def test_api_error_reads_the_status_info() -> None:
    info = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "limit must be a positive integer",
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "invalid_query_parameter",
                }
            ]
        },
    }
    error = ApiError(400, info)
    assert error.status == 400
    assert error.code_minor == "invalid_query_parameter"
    assert "limit must be a positive integer" in str(error)
    assert ApiError(500, {"imsx_codeMajor": "failure"}).code_minor is None
