"""The VP-JWT header rules of a holder's presentation that the 2026-12-05 mutation round of
proofs/ found untested (``_check_header`` of src/mcbadge/proofs/presentation.py): the exact
code and message of each refusal (no alg, an unsupported alg, a forbidden header, a cty that
is not a presentation's), read from ``verify_presentation_jwt`` for a signed and an unsigned
token, from ``_check_header`` itself, and from the presentation verifier's report. A cty that
is not a presentation's must keep a correctly signed presentation from verifying.
Mutant names are the ``__mutmut_N`` suffixes of
``mcbadge.proofs.presentation.x__check_header``."""

from __future__ import annotations

from typing import Any

import pytest
from test_presentation_jwt_exact import (
    GOOD,
    _past,
    _unsigned,
    fail,
    policy,
    report,
    vp_jwt,
)

from mcbadge.did import OfflineResolver
from mcbadge.errors import MCBadgeError
from mcbadge.proofs._common import Issue
from mcbadge.proofs.presentation import _check_header, verify_presentation_jwt
from mcbadge.verify import PRESENTATION_CHECK_IDS, verify_presentation

KID_HEADER = {"alg": "EdDSA", "typ": "vp+jwt", "cty": "vp", "kid": "did:key:z#z"}

#: (header change, code, message): one refusal of each rule the mutants changed.
REFUSALS: dict[str, tuple[dict[str, Any], str, str]] = {
    "no_alg": ({"alg": None}, "jwt.alg_missing", "the JWT header has no alg"),
    "alg_es384": (
        {"alg": "ES384"},
        "jwt.alg_unsupported",
        "the JWT algorithm 'ES384' is not supported",
    ),
    "alg_ps256": (
        {"alg": "PS256"},
        "jwt.alg_unsupported",
        "the JWT algorithm 'PS256' is not supported",
    ),
    **{
        f"forbidden_{name}": (
            {name: value},
            "jwt.header_forbidden",
            f"the JWT header {name!r} is not accepted",
        )
        for name, value in (
            ("jku", "https://teacher.example/keys.json"),
            ("x5u", "https://teacher.example/cert.pem"),
            ("x5c", ["MIIB"]),
            ("x5t", "abc"),
            ("x5t#S256", "abc"),
            ("b64", False),
            ("crit", ["exp"]),
        )
    },
    "cty_vc": ({"cty": "vc"}, "jwt.bad_cty", "the JWT cty 'vc' is not a presentation's"),
    "cty_jwt": ({"cty": "JWT"}, "jwt.bad_cty", "the JWT cty 'JWT' is not a presentation's"),
}


def _header(change: dict[str, Any]) -> dict[str, Any]:
    header = dict(KID_HEADER)
    for name, value in change.items():
        if value is None:
            header.pop(name)
        else:
            header[name] = value
    return header


@pytest.mark.parametrize("name", list(REFUSALS))
def test_check_header_refuses_each_header_rule_with_its_code_and_message(name: str) -> None:
    """A VP-JWT header with no alg, an alg other than EdDSA/ES256/RS256, one of the headers a
    presentation may not carry (jku, x5u, x5c, x5t, x5t#S256, b64, crit) or a cty other than
    a presentation's is refused with that rule's code and message. Kills _check_header 6-14
    (no alg), 42-47 (unsupported alg), 49-54 (forbidden header) and 83-88 (cty): a code or
    message changed, dropped (None) or the call broken (TypeError)."""
    change, code, message = REFUSALS[name]
    with pytest.raises(MCBadgeError) as caught:
        _check_header(_header(change))
    assert type(caught.value) is MCBadgeError
    assert caught.value.code == code
    assert caught.value.message == message


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("name", list(REFUSALS))
def test_verify_presentation_jwt_names_the_header_rule_a_token_breaks(
    name: str, signed: bool
) -> None:
    """The proof layer's answer for a holder's VP-JWT that breaks a header rule, signed or
    with its signature cut off (the header is judged first, to say why): not verified, one
    error, that rule's exact code and message. Kills _check_header 6-14, 42-47, 49-54 and
    83-88 through verify_presentation_jwt; for the signed cty cases also 72-75 (cty not read:
    the token would verify)."""
    change, code, message = REFUSALS[name]
    token = vp_jwt(head=change) if signed else _unsigned(change)
    outcome, _header_read, _payload, _vp = verify_presentation_jwt(token, OfflineResolver())
    assert outcome.errors == [Issue(code, message)]
    assert outcome.verified is False


@pytest.mark.parametrize("cty", ["vc", "JWT", "application/vc+ld+json"])
def test_a_signed_presentation_whose_cty_is_not_a_presentations_does_not_verify(
    cty: str,
) -> None:
    """FAIL-OPEN guard: a teacher's correctly signed vp+jwt whose cty says it carries
    something other than a presentation (a credential's vc, a nested JWT) fails the report's
    jwt check with jwt.bad_cty, and the presentation is not verified; the same token with the
    presentation's cty verifies. Kills _check_header 72, 73, 74, 75 (cty never read: the
    presentation would read verified) and 83-88 (the code or message of that refusal)."""
    assert verify_presentation(vp_jwt(), policy()).verified
    result = verify_presentation(vp_jwt(head={"cty": cty}), policy())
    assert result.verified is False
    expected = report(
        GOOD, jwt=fail("jwt.bad_cty", f"the JWT cty {cty!r} is not a presentation's")
    ) | _past("jwt")
    actual = {c.id: (c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks}
    assert actual == {cid: expected[cid] for cid in PRESENTATION_CHECK_IDS}
    assert result.outer.failed_checks == ["jwt"]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"alg": None}, "jwt.alg_missing", "the JWT header has no alg"),
        ({"alg": "ES384"}, "jwt.alg_unsupported", "the JWT algorithm 'ES384' is not supported"),
        (
            {"jku": "https://x.example"},
            "jwt.header_forbidden",
            "the JWT header 'jku' is not accepted",
        ),
    ],
    ids=["no_alg", "alg_unsupported", "forbidden_jku"],
)
def test_the_presentation_report_files_a_header_refusal_under_jwt(
    change: dict[str, Any], code: str, message: str
) -> None:
    """The presentation verifier's report of a teacher's vp+jwt whose header breaks a rule:
    the jwt check fails with that rule's code and message, the proof's passes are not given,
    the presentation is not verified. Kills _check_header 6-14, 42-47 and 49-54 as the report
    shows them (a code outside jwt.* would be filed under signature)."""
    result = verify_presentation(vp_jwt(head=change), policy())
    assert result.verified is False
    expected = report(GOOD, jwt=fail(code, message)) | _past("jwt")
    actual = {c.id: (c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks}
    assert actual == {cid: expected[cid] for cid in PRESENTATION_CHECK_IDS}
    assert result.outer.failed_checks == ["jwt"]
