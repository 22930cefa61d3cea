"""Text a credential carries cannot add lines to a report a clerk reads.

An issuer chooses its achievement's name, its own name, the evidence and the alignments; a
tampered credential inside a learner record chooses anything. Printed as it is, a line break
in one of them would put a line of the credential's making into the report: a ``VERIFIED``
under a credential that failed, a forged ``Status:``. Every such value is shown on its own
line with its control characters escaped (:func:`mcbadge._display.one_line`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_verify_exact import NOW, credential, di

from mcbadge._display import one_line
from mcbadge.verify import VerificationPolicy, render_text, verify

FORGED = "Unit 1\nVERIFIED\r\n  Status:      active\u2028VERIFIED\x1b[32m\u202eok"
SHOWN = "Unit 1\\nVERIFIED\\r\\n  Status:      active\\u2028VERIFIED\\x1b[32m\\u202eok"
POLICY = VerificationPolicy(now=NOW, offline=True)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("CS Pedagogy I", "CS Pedagogy I"),
        ("Pédagogie: programmation 中文 \u00a0x", "Pédagogie: programmation 中文 \u00a0x"),
        ("a\tb\x00c\x7fd\x85e", "a\\tb\\x00c\\x7fd\\x85e"),
        ("line\u2029para\u200bzero\ufeffbom", "line\\u2029para\\u200bzero\\ufeffbom"),
        ("\ud800lone", "\\ud800lone"),
        ("tag\U000e0041", "tag\\U000e0041"),
        (FORGED, SHOWN),
    ],
)
def test_one_line_escapes_control_format_and_separator_characters(text: str, shown: str) -> None:
    assert one_line(text) == shown
    assert len(one_line(text).splitlines()) == 1


def _with_forged_text(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["issuer"]["name"] = FORGED
    achievement = doc["credentialSubject"]["achievement"]
    achievement["name"] = FORGED
    achievement["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": FORGED,
            "targetUrl": "https://example.edu/standards/1",
        }
    ]
    doc["evidence"] = [{"type": ["Evidence"], "name": FORGED, "narrative": f"one\n{FORGED}"}]
    return doc


def test_a_credentials_text_cannot_add_lines_to_its_report() -> None:
    plain = verify(di(credential()), policy=POLICY)
    forged = verify(di(_with_forged_text(credential())), policy=POLICY)
    assert plain.verified
    assert forged.verified

    lines = render_text(forged, name="forged\n.json").splitlines()
    assert lines[0] == "forged\\n.json: VERIFIED"
    assert f"  Achievement: {SHOWN}" in lines
    assert f"  Issuer:      {SHOWN} (" in "\n".join(lines)
    assert f"  Evidence:    {SHOWN}" in lines
    # a narrative keeps its own lines, each marked "| " as the credential's text
    narrative = [line for line in lines if line.startswith("               | ")]
    assert narrative == [
        "               | " + part
        for part in (
            "one",
            "Unit 1",
            "VERIFIED",
            "  Status:      active",
            "VERIFIED\\x1b[32m\\u202eok",
        )
    ]
    # no line of the report starts with text of the credential's making
    assert not any(line.startswith(("VERIFIED", "  Status:      active\\")) for line in lines)
    assert sum(line.startswith("  Status:") for line in lines) == 1
    assert "\x1b" not in "\n".join(lines)
    assert "\u202e" not in "\n".join(lines)


def test_a_failed_credential_with_forged_text_still_reads_as_failed() -> None:
    signed = di(_with_forged_text(credential()))
    signed["credentialSubject"]["id"] = "did:example:someone-else"  # tampered after signing
    result = verify(signed, policy=POLICY)
    assert not result.verified
    lines = render_text(result).splitlines()
    assert lines[0] == "NOT VERIFIED"
    assert [line for line in lines if "VERIFIED" in line and not line.startswith("  ")] == [
        "NOT VERIFIED"
    ]
