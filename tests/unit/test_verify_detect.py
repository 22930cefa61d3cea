"""verify_any: one document verified as what it is (credential, presentation, CLR record,
baked image), and the HTML reports of what it returns (a presentation's too)."""

from __future__ import annotations

import json

import pytest
from tests.integration.page_kit import CHALLENGE, K5, TEACHER, Kit, make_kit

from mcbadge.report import render_bundle_html, render_credential_html
from mcbadge.verify import (
    BundleResult,
    VerificationPolicy,
    VerificationResult,
    verify,
    verify_any,
)

OFFLINE = VerificationPolicy(offline=True)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("detect"))


@pytest.mark.parametrize(
    "name", ["k5-data-analysis.json", "badge.jwt", "badge.png", "badge.svg", "tampered.json"]
)
def test_a_credential_gives_exactly_what_verify_gives(kit: Kit, name: str) -> None:
    data = kit.read(name)
    result = verify_any(data, OFFLINE)
    assert isinstance(result, VerificationResult)
    assert result.to_dict() == verify(data, OFFLINE).to_dict()
    assert result.verified is (name != "tampered.json")


def test_a_presentation_is_verified_as_one_under_the_bundle_policy(kit: Kit) -> None:
    data = kit.read("presentation.json")
    # under the plain policy it has no challenge to answer, so it fails on that
    plain = verify_any(data, OFFLINE)
    assert isinstance(plain, BundleResult)
    assert plain.kind == "presentation"
    assert plain.outer.check("challenge").code == "challenge.not_given"
    answered = verify_any(
        data,
        OFFLINE,
        bundle_policy=VerificationPolicy(
            offline=True, challenge=CHALLENGE, expected_recipient=TEACHER
        ),
    )
    assert isinstance(answered, BundleResult)
    assert answered.verified
    assert len(answered.nested) == 2


def test_a_learner_record_is_verified_with_every_credential_inside(kit: Kit) -> None:
    result = verify_any(kit.read("record.clr.json"), OFFLINE)
    assert isinstance(result, BundleResult)
    assert result.kind == "clr"
    assert result.verified
    assert len(result.nested) == len(K5)
    # a mapping is taken as well as bytes
    again = verify_any(json.loads(kit.read("record.clr.json")), OFFLINE)
    assert isinstance(again, BundleResult)
    assert again.verified


@pytest.mark.parametrize("name", ["notes.txt", "blank.png"])
def test_what_is_no_document_fails_input_and_is_never_a_bundle(kit: Kit, name: str) -> None:
    result = verify_any(kit.read(name), OFFLINE)
    assert isinstance(result, VerificationResult)
    assert not result.verified
    assert result.check("input").status == "failed"


def test_the_html_report_of_a_presentation_renders(kit: Kit) -> None:
    result = verify_any(
        kit.read("presentation.json"),
        VerificationPolicy(offline=True, challenge=CHALLENGE, expected_recipient=TEACHER),
    )
    assert isinstance(result, BundleResult)
    page = render_bundle_html(result, name="vp.json")
    assert "a verifiable presentation" in page
    assert page.count('class="verdict ok"><strong>VERIFIED</strong>') == 4  # bundle, outer, 2


def test_a_report_links_back_only_when_asked(kit: Kit) -> None:
    result = verify(kit.read("badge.png"), OFFLINE)
    assert isinstance(result, VerificationResult)
    assert "<nav" not in render_credential_html(result)
    page = render_credential_html(result, nav=[("./", "Verify <another>")])
    assert '<nav aria-label="Service">' in page
    assert '<a href="./">Verify &lt;another&gt;</a>' in page
