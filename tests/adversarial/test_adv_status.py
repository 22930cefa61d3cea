"""Status: revoked, suspended, and every way a status list can be untrustworthy.

The status host is faked (see _helpers.FakeHost) so each case controls exactly what the
"server" returns and counts the requests; tests/adversarial/test_adv_network.py covers the
real hardened fetcher over loopback HTTPS.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, V1, FakeHost, make_credential, run
from _signer import b64url, jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, credential_with_status, gzip_bomb_list, status_list

from mcbadge.status import new_bitstring, set_bit


def test_active_status_verifies(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((3, 8)))
    code, result = run(credential_with_status(index=7))
    assert code == 0
    assert result.summary.status_state == "active"
    assert host.requests == [LIST_URL]


def test_revoked(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((7,)))
    code, result = run(credential_with_status(index=7))
    assert code == 1
    assert result.failed_checks == ["status"]
    assert result.check("status").code == "status.revoked"
    assert result.summary.status_state == "revoked"


def test_suspended(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((9,), "suspension"))
    code, result = run(credential_with_status(index=9, purpose="suspension"))
    assert code == 1
    assert result.check("status").code == "status.suspended"


def test_unsigned_status_list_is_indeterminate(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), sign=False))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.failed_checks == ["status_list"]
    assert result.indeterminate


def test_tampered_status_list_is_indeterminate(host: FakeHost) -> None:
    # The issuer signed "index 7 revoked"; someone cleared the bit in transit.
    document = status_list((7,))
    bits = new_bitstring()
    document["credentialSubject"]["encodedList"] = status_list((), sign=False)["credentialSubject"][
        "encodedList"
    ]
    del bits
    host.put(LIST_URL, document)
    code, result = run(credential_with_status(index=7))
    assert code == 2
    assert result.failed_checks == ["status_list"]
    assert result.check("status_list").code == "status_list.unverified"


def test_status_list_from_another_issuer(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), key=ATTACKER_KEY))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status_list").code == "status_list.wrong_issuer"


def test_status_list_claiming_our_issuer_signed_by_attacker(host: FakeHost) -> None:
    document = status_list((), sign=False)
    host.put(LIST_URL, sign_di(document, ATTACKER_KEY))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status_list").code == "status_list.unverified"


def test_index_out_of_range(host: FakeHost) -> None:
    host.put(LIST_URL, status_list(()))
    code, result = run(credential_with_status(index=131_072 * 4))
    assert code == 1
    assert result.failed_checks == ["status_range"]


@pytest.mark.parametrize("index", ["07", "-1", "0x10", "1.0", "", " 7"])
def test_non_canonical_index_fails_without_a_request(host: FakeHost, index: str) -> None:
    host.put(LIST_URL, status_list(()))
    code, result = run(credential_with_status(index=index))
    assert code == 1
    assert result.check("status_range").code == "status_range.bad_index"
    assert host.requests == []


def test_gzip_bomb_is_capped(host: FakeHost) -> None:
    host.put(LIST_URL, gzip_bomb_list())
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status_list").code == "status_list.too_large"


def test_short_status_list(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), size=8 * 1024))
    code, result = run(credential_with_status(index=3))
    assert code == 2
    assert result.check("status_list").code == "status_list.too_small"


def test_status_list_for_the_wrong_purpose(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), "suspension"))
    code, result = run(credential_with_status(purpose="revocation"))
    assert code == 2
    assert result.check("status_list").code == "status_list.wrong_purpose"


def test_expired_status_list(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), validUntil="2026-02-01T00:00:00Z"))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.failed_checks == ["status_list"]


def test_unreachable_status_list(host: FakeHost) -> None:
    code, result = run(credential_with_status())
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]
    assert result.summary.status_state == "unknown"


def test_status_list_that_is_not_json(host: FakeHost) -> None:
    host.put(LIST_URL, b"<html>hello</html>")
    code, result = run(credential_with_status())
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]


def test_offline_with_status_is_indeterminate_and_makes_no_request(host: FakeHost) -> None:
    host.put(LIST_URL, status_list(()))
    code, result = run(credential_with_status(), offline=True)
    assert code == 2
    assert set(result.failed_checks) == {"status_retrieval", "network_policy"}
    assert result.check("network_policy").code == "network_policy.offline"
    assert host.requests == []


def test_unknown_status_type(host: FakeHost) -> None:
    # Signed as Data Integrity, the undefined type already fails JSON-LD safe mode ...
    document = make_credential(credentialStatus={"id": LIST_URL, "type": "MadeUpStatus"})
    code, result = run(sign_di(document, ISSUER_KEY))
    assert code == 1
    assert result.failed_checks == ["data_loss"]
    # ... as a VC-JWT (only a data_loss warning) the status check refuses what it cannot read.
    code, result = run(sign_jwt(jwt_payload(document), ISSUER_KEY))
    assert code == 1
    assert result.failed_checks == ["status"]
    assert result.check("status").code == "status.unsupported_type"
    assert host.requests == []


def _revocation_credential(**overrides: Any) -> dict[str, Any]:
    status = {"id": "https://status.test/revocations", "type": "1EdTechRevocationList"}
    contexts = [
        *make_credential()["@context"],
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    return sign_di(
        make_credential(credentialStatus=status, **{"@context": contexts}, **overrides),
        ISSUER_KEY,
    )


def test_1edtech_revocation_list_revoked(host: FakeHost) -> None:
    credential = _revocation_credential()
    host.put(
        "https://status.test/revocations",
        {"revokedCredential": [{"id": credential["id"], "revocationReason": "misconduct"}]},
    )
    code, result = run(credential)
    assert code == 1
    assert result.check("status").code == "status.revoked"


def test_1edtech_revocation_list_not_revoked(host: FakeHost) -> None:
    credential = _revocation_credential()
    host.put(
        "https://status.test/revocations",
        {"revokedCredential": [{"id": credential["id"], "revoked": False}, {"id": "urn:x"}]},
    )
    code, result = run(credential)
    assert code == 0, result.failed_checks


def test_1edtech_revocation_list_malformed(host: FakeHost) -> None:
    host.put("https://status.test/revocations", {"revoked": []})
    code, result = run(_revocation_credential())
    assert code == 2
    assert result.failed_checks == ["status_list"]


def _status_list_2021(set_indices: tuple[int, ...]) -> dict[str, Any]:
    import gzip

    bits = new_bitstring()
    for index in set_indices:
        set_bit(bits, index)
    document = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER_KEY.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": b64url(gzip.compress(bytes(bits))),
        },
    }
    return sign_di(document, ISSUER_KEY)


def _v1_credential_with_2021_status() -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#5",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": LIST_URL,
    }
    contexts = [*V1, "https://w3id.org/vc/status-list/2021/v1"]
    document = make_credential(v1=True, credentialStatus=entry, **{"@context": contexts})
    return sign_di(document, ISSUER_KEY)


def test_status_list_2021_revoked(host: FakeHost) -> None:
    host.put(LIST_URL, _status_list_2021((5,)))
    code, result = run(_v1_credential_with_2021_status())
    assert code == 1, result.failed_checks
    assert result.check("status").code == "status.revoked"


def test_status_list_2021_active(host: FakeHost) -> None:
    host.put(LIST_URL, _status_list_2021((4, 6)))
    code, result = run(_v1_credential_with_2021_status())
    assert code == 0, [result.check(c).code for c in result.failed_checks]


def test_require_status_policy(host: FakeHost) -> None:
    code, result = run(sign_di(make_credential(), ISSUER_KEY), require_status=True)
    assert code == 1
    assert result.check("status").code == "status.missing"
    assert copy.deepcopy(host.requests) == []
