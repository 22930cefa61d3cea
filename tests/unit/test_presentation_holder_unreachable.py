"""A holder's did:web document that cannot be fetched leaves a presentation undecided (exit 2),
as an issuer's does for a credential: "we could not tell" is neither a pass nor a definite
failure. Before, a presentation said key_resolution failed (exit 1) for a network failure,
even when the fetcher's own code said "unreachable"."""

from __future__ import annotations

import pytest
import test_presentation_exact as di_kit
import test_presentation_jwt_exact as jwt_kit
from test_verify_exact import NOW

from mcbadge.errors import FetchError
from mcbadge.verify import VerificationPolicy, exit_code_for, verify, verify_presentation


class Down:
    """A fetcher whose every request fails, with the code a real one gives."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.requests: list[str] = []

    def get(self, url: str) -> bytes:
        self.requests.append(url)
        raise FetchError(f"{url} timed out", code=self.code)

    def close(self) -> None:
        """Nothing to release."""


CODES = ["status_retrieval.timeout", "key_resolution.unreachable", "status_retrieval.http_error"]
HOLDER_URL = "https://teacher.example/.well-known/did.json"


@pytest.mark.parametrize("code", CODES)
def test_a_vp_jwt_whose_holder_document_cannot_be_fetched_is_undecided(code: str) -> None:
    down = Down(code)
    result = verify_presentation(jwt_kit._web_signed(), jwt_kit.policy(offline=False, fetcher=down))
    check = result.outer.check("key_resolution")
    assert check is not None
    assert (check.status, check.code, check.message, check.indeterminate) == (
        "failed",
        "key_resolution.unreachable",
        f"the holder's DID document could not be retrieved: {HOLDER_URL} timed out",
        True,
    )
    assert [c.id for c in result.outer.checks if c.status == "failed"] == ["key_resolution"]
    assert down.requests == [HOLDER_URL]
    assert not result.verified
    assert result.indeterminate
    assert exit_code_for(result) == 2


@pytest.mark.parametrize("code", CODES)
def test_a_data_integrity_presentation_whose_holder_document_cannot_be_fetched_is_undecided(
    code: str,
) -> None:
    document = di_kit.signed_vp(
        di_kit.WEB_BASE, di_kit.TEACHER, verificationMethod=f"{di_kit.HOLDER_WEB}#ed"
    )
    result = di_kit.run_web(document, Down(code))  # type: ignore[arg-type]
    check = result.outer.check("key_resolution")
    assert check is not None
    assert (check.code, check.indeterminate) == ("key_resolution.unreachable", True)
    assert check.message == (
        f"the holder's DID document could not be retrieved: {HOLDER_URL} timed out"
    )
    assert exit_code_for(result) == 2


def test_a_credential_s_issuer_document_that_cannot_be_fetched_reads_the_same() -> None:
    """The single-credential path, for comparison: the same words, the same exit code."""
    result = verify(
        jwt_kit.WEB_ISSUED,
        VerificationPolicy(now=NOW, offline=False, fetcher=Down("status_retrieval.timeout")),
    )
    check = result.check("key_resolution")
    assert check is not None
    assert (check.code, check.indeterminate) == ("key_resolution.unreachable", True)
    assert exit_code_for(result) == 2


def test_a_holder_document_that_was_fetched_but_lacks_the_key_is_a_definite_failure() -> None:
    """Only a document that could not be fetched is undecided: one that was fetched and does
    not hold the key the presentation names is the holder's answer, and it is no."""
    served = jwt_kit.Host({HOLDER_URL: jwt_kit._did_web(jwt_kit.HOLDER_WEB, jwt_kit.OTHER)})
    token = jwt_kit.vp_jwt(
        claims={"iss": jwt_kit.HOLDER_WEB},
        head={"kid": f"{jwt_kit.HOLDER_WEB}#key-9"},
        vp={"holder": jwt_kit.HOLDER_WEB},
    )
    result = verify_presentation(token, jwt_kit.policy(offline=False, fetcher=served))
    check = result.outer.check("key_resolution")
    assert check is not None
    assert check.status == "failed"
    assert check.indeterminate is False
    assert exit_code_for(result) == 1
