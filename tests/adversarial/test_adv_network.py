"""The verifier over real (loopback) HTTPS through the hardened fetcher: status lists and
did:web documents, redirects, private addresses, oversize and stalled responses."""

from __future__ import annotations

import json
from typing import Any

from _helpers import ISSUER_KEY, make_credential, run
from _signer import sign_di
from _status_kit import credential_with_status, status_list

from https_fixture import HTTPSServer, Route

pytest_plugins = ["https_fixture"]


def _serve(server: HTTPSServer, path: str, document: Any, **route: Any) -> str:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    server.routes[path] = Route(body=body, **route)
    return server.url("status.test", path)


def _network(server: HTTPSServer, **options: Any) -> dict[str, Any]:
    return {
        "resolve": (f"status.test:{server.port}:127.0.0.1", f"issuer.test:{server.port}:127.0.0.1"),
        "ca_bundle": server.ca_path,
        **options,
    }


def test_status_list_over_https_verifies(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve(https_server, "/lists/1", status_list((), url=url))
    code, result = run(credential_with_status(url=url), **_network(https_server))
    assert code == 0, [result.check(c).code for c in result.failed_checks]
    assert len(https_server.requests) == 1
    assert https_server.requests[0].sni == "status.test"


def test_revoked_over_https(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve(https_server, "/lists/1", status_list((7,), url=url))
    code, result = run(credential_with_status(url=url, index=7), **_network(https_server))
    assert code == 1
    assert result.check("status").code == "status.revoked"


def test_redirect_is_refused(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    https_server.routes["/lists/1"] = Route(
        302, {"Location": https_server.url("status.test", "/elsewhere")}, b""
    )
    code, result = run(credential_with_status(url=url), **_network(https_server))
    assert code == 2
    assert result.check("network_policy").code == "network_policy.redirect"
    assert [r.path for r in https_server.requests] == ["/lists/1"]


def test_private_address_is_refused_without_a_request(https_server: HTTPSServer) -> None:
    url = f"https://127.0.0.1:{https_server.port}/lists/1"
    _serve(https_server, "/lists/1", status_list((), url=url))
    code, result = run(credential_with_status(url=url), ca_bundle=https_server.ca_path)
    assert code == 2
    assert result.check("network_policy").code == "network_policy.private_address"
    assert https_server.requests == []


def test_oversize_response_is_cut_off(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve(https_server, "/lists/1", b"[" + b"0," * (3 * 1024 * 1024) + b"0]")
    code, result = run(credential_with_status(url=url), **_network(https_server))
    assert code == 2
    assert result.check("status_retrieval").code == "status_retrieval.too_large"


def test_stalled_response_times_out(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve(https_server, "/lists/1", b"{}", stall=True)
    code, result = run(credential_with_status(url=url), **_network(https_server, timeout=0.5))
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]


def test_untrusted_certificate_is_indeterminate(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve(https_server, "/lists/1", status_list((), url=url))
    options = _network(https_server)
    del options["ca_bundle"]
    code, result = run(credential_with_status(url=url), **options)
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]


def _did_web(https_server: HTTPSServer, relationship: str) -> dict[str, Any]:
    did = f"did:web:issuer.test%3A{https_server.port}"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ISSUER_KEY.multikey,
            }
        ],
        relationship: [f"{did}#key-1"],
    }
    https_server.routes["/.well-known/did.json"] = Route(body=json.dumps(document).encode())
    credential = make_credential()
    credential["issuer"]["id"] = did
    return sign_di(credential, ISSUER_KEY, vm=f"{did}#key-1")


def test_did_web_is_fetched_with_the_hardened_fetcher(https_server: HTTPSServer) -> None:
    credential = _did_web(https_server, "assertionMethod")
    code, result = run(credential, **_network(https_server))
    assert code == 0, [result.check(c).code for c in result.failed_checks]
    assert [r.path for r in https_server.requests] == ["/.well-known/did.json"]
    assert https_server.requests[0].sni == "issuer.test"


def test_did_web_key_not_under_assertion_method(https_server: HTTPSServer) -> None:
    credential = _did_web(https_server, "capabilityInvocation")
    code, result = run(credential, **_network(https_server))
    assert code == 1
    assert result.check("key_binding").code == "key_binding.not_assertion_method"


def test_unknown_context_makes_zero_requests(https_server: HTTPSServer) -> None:
    contexts = [*make_credential()["@context"], https_server.url("status.test", "/ctx.jsonld")]
    code, result = run(make_credential(**{"@context": contexts}), **_network(https_server))
    assert code == 1
    assert "context" in result.failed_checks
    assert https_server.requests == []


def test_did_web_document_missing_is_indeterminate(https_server: HTTPSServer) -> None:
    credential = _did_web(https_server, "assertionMethod")
    del https_server.routes["/.well-known/did.json"]
    code, result = run(credential, **_network(https_server))
    assert code == 2
    assert result.failed_checks == ["key_resolution"]
    assert result.check("key_resolution").code == "key_resolution.unreachable"


def test_did_web_redirect_is_refused(https_server: HTTPSServer) -> None:
    credential = _did_web(https_server, "assertionMethod")
    https_server.routes["/.well-known/did.json"] = Route(
        301, {"Location": "https://evil.example/did.json"}, b""
    )
    code, result = run(credential, **_network(https_server))
    assert code == 2
    assert result.check("network_policy").code == "network_policy.redirect"
    assert len(https_server.requests) == 1
