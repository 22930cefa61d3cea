"""The verification page for people (``GET /``, ``POST /verify``) on a real server on
127.0.0.1, through a real HTTP client sending what a browser's form sends
(``multipart/form-data``): every kind of document gives its report, a rule gives its
evaluation, issuer trust is "not decided" without a trust list, and hostile or wrong input
gives a readable HTML page (the form with an error summary, a 413 page), never JSON or a trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.page_kit import CHALLENGE, K5, TEACHER, Kit, make_kit, page_config
from tests.integration.service_helpers import client, serve

import mcbadge
from mcbadge.server import serve_in_thread
from mcbadge.server.config import ServiceConfig

LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("page-kit"))


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with serve(page_config(tmp_path_factory.mktemp("page"), LIMIT)) as url, client(url) as c:
        yield c


class _Page(HTMLParser):
    """What a test reads from a page: text, elements by tag, labels, the error summary."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.elements.append((tag, values))
        if tag == "label":
            self._label = values.get("for", "")
            self.labels[self._label] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._label is not None:
            self.labels[self._label] += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag]

    def by_id(self, element_id: str) -> dict[str, str]:
        found = [attrs for _, attrs in self.elements if attrs.get("id") == element_id]
        assert len(found) == 1, f"{element_id!r} is on the page {len(found)} times"
        return found[0]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def _page(answer: httpx.Response) -> _Page:
    assert answer.headers["content-type"].startswith("text/html"), answer.headers
    assert "Traceback" not in answer.text
    page = _Page()
    page.feed(answer.text)
    return page


def _verdict(answer: httpx.Response) -> str:
    found = re.search(r'<p class="verdict [a-z]+"><strong>([A-Z ]+)</strong>', answer.text)
    assert found is not None, answer.text[:2000]
    return found.group(1)


def _post(
    http: httpx.Client,
    files: list[tuple[str, tuple[str, bytes]]] | None = None,
    **fields: str,
) -> httpx.Response:
    # a browser sends every field of the form, the empty ones too
    data = {"text": "", "recipient": "", "challenge": "", "domain": "", "trust_list_pin": ""}
    data.update(fields)
    return http.post("/verify", files=files or [("documents", ("", b""))], data=data)


def _upload(kit: Kit, *names: str, field: str = "documents") -> list[tuple[str, tuple[str, bytes]]]:
    return [(field, (Path(name).name, kit.read(name))) for name in names]


def _summary_links(page: _Page) -> list[str]:
    summary = page.by_id("error-summary-title")
    assert summary is not None
    return [a["href"] for a in page.all("a") if a.get("href", "").startswith("#")]


# -- the form ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/verify"])
def test_the_form_is_plain_accessible_html(http: httpx.Client, path: str) -> None:
    answer = http.get(path)
    assert answer.status_code == 200
    assert "form-action 'self'" in answer.headers["content-security-policy"]
    page = _page(answer)
    assert page.all("html") == [{"lang": "en"}]
    assert not page.all("script")
    [form] = page.all("form")
    assert form == {"method": "post", "action": "verify", "enctype": "multipart/form-data"}
    fields = page.all("input") + page.all("textarea")
    assert {f["name"] for f in fields} == {
        "documents",
        "text",
        "recipient",
        "challenge",
        "domain",
        "rule",
        "trust_list",
        "trust_list_pin",
    }
    for item in fields:  # every field has a visible label tied to it
        assert page.labels.get(item["id"], "").strip(), item
    assert page.by_id("documents")["type"] == "file"
    assert "multiple" in page.by_id("documents")
    assert [b.get("type") for b in page.all("button")] == ["submit"]
    assert len(page.all("h1")) == 1


# -- every kind of document ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("k5-digital-citizenship.json", "Credential"),
        ("badge.jwt", "Credential"),
        ("badge.png", "Credential"),
        ("badge.svg", "Credential"),
        ("presentation.json", "a verifiable presentation"),
        ("record.clr.json", "a learner record (CLR 2.0)"),
    ],
)
def test_each_kind_of_document_is_verified_as_what_it_is(
    http: httpx.Client, kit: Kit, name: str, what: str
) -> None:
    answer = _post(http, _upload(kit, name), challenge=CHALLENGE, recipient=TEACHER)
    assert answer.status_code == 200
    assert _verdict(answer) == "VERIFIED"
    page = _page(answer)
    assert what in page.words
    assert f"Verification report: {name}" in page.words
    assert not page.all("script")
    assert {"href": "./"} in page.all("a")  # back to the form


def test_pasted_tampered_credential_is_not_verified_and_says_why(
    http: httpx.Client, kit: Kit
) -> None:
    answer = _post(http, text=kit.read("tampered.json").decode())
    assert answer.status_code == 200
    assert _verdict(answer) == "NOT VERIFIED"
    words = _page(answer).words
    assert "Verification report: pasted text" in words
    assert "Failed checks" in words
    assert "proof" in words


def test_a_pasted_vc_jwt_is_verified(http: httpx.Client, kit: Kit) -> None:
    answer = _post(http, text="\n  " + kit.read("badge.jwt").decode() + "\n")
    assert _verdict(answer) == "VERIFIED"
    assert "VC-JWT" in _page(answer).words


def test_a_presentation_without_the_challenge_is_not_verified(http: httpx.Client, kit: Kit) -> None:
    answer = _post(http, _upload(kit, "presentation.json"))
    assert _verdict(answer) == "NOT VERIFIED"
    assert "challenge.not_given" in answer.text


def test_several_files_give_one_report_with_the_tally(http: httpx.Client, kit: Kit) -> None:
    answer = _post(http, _upload(kit, "badge.png", "tampered.json", "record.clr.json"))
    assert answer.status_code == 200
    words = _page(answer).words
    assert _verdict(answer) == "NOT VERIFIED"
    assert "3 files: 2 verified, 1 not verified, 0 indeterminate, 0 skipped" in words


# -- issuer trust ---------------------------------------------------------------------------------


def _trust_row(answer: httpx.Response) -> str:
    found = re.search(r'<th scope="row">Issuer trusted</th><td>([^<]*)</td>', answer.text)
    assert found is not None
    return found.group(1)


def test_without_a_trust_list_issuer_trust_is_not_decided(http: httpx.Client, kit: Kit) -> None:
    answer = _post(http, _upload(kit, "k5-data-analysis.json"))
    assert _verdict(answer) == "VERIFIED"
    assert _trust_row(answer).startswith("not decided: no trust list was given")
    clr = _post(http, _upload(kit, "record.clr.json"))
    rows = re.findall(r'<th scope="row">Issuer trusted</th><td>([^<]*)</td>', clr.text)
    assert len(rows) == 1 + len(K5)
    assert all(row.startswith("not decided") for row in rows[1:]), rows


def test_a_pinned_trust_list_decides_trust(http: httpx.Client, kit: Kit) -> None:
    files = _upload(kit, "k5-data-analysis.json") + _upload(
        kit, "providers.trust-list.json", field="trust_list"
    )
    answer = _post(http, files, trust_list_pin=kit.trust_list_sha256.upper())
    assert _verdict(answer) == "VERIFIED"
    assert _trust_row(answer).startswith("yes, by Mountain State approved micro-credential")
    clr = _post(
        http,
        _upload(kit, "record.clr.json")
        + _upload(kit, "providers.trust-list.json", field="trust_list"),
        trust_list_pin=kit.trust_list_sha256,
    )
    rows = re.findall(r'<th scope="row">Issuer trusted</th><td>([^<]*)</td>', clr.text)
    assert len(rows) == 1 + len(K5)
    assert all(row.startswith("yes, by") for row in rows[1:])


def test_a_trust_list_that_does_not_match_its_pin_is_refused(http: httpx.Client, kit: Kit) -> None:
    files = _upload(kit, "k5-data-analysis.json") + _upload(
        kit, "providers.trust-list.json", field="trust_list"
    )
    answer = _post(http, files, trust_list_pin="0" * 64)
    assert answer.status_code == 400
    page = _page(answer)
    assert _summary_links(page) == ["#trust_list"]
    assert "the file was changed, or the pin is wrong" in page.words
    assert page.by_id("trust_list")["aria-invalid"] == "true"


@pytest.mark.parametrize(
    ("pin", "with_list", "field"),
    [
        ("", True, "trust_list_pin"),
        ("not-a-pin", True, "trust_list_pin"),
        ("a" * 64, False, "trust_list"),
    ],
)
def test_a_trust_list_needs_a_pin_and_a_pin_a_list(
    http: httpx.Client, kit: Kit, pin: str, with_list: bool, field: str
) -> None:
    files = _upload(kit, "k5-data-analysis.json")
    if with_list:
        files += _upload(kit, "providers.trust-list.json", field="trust_list")
    answer = _post(http, files, trust_list_pin=pin)
    assert answer.status_code == 400
    page = _page(answer)
    assert _summary_links(page) == [f"#{field}"]
    assert field + "-error" in page.by_id(field)["aria-describedby"].split()


# -- stack rules ---------------------------------------------------------------------------------


def _k5(kit: Kit) -> list[tuple[str, tuple[str, bytes]]]:
    return _upload(kit, *(f"{slug}.json" for slug in K5)) + _upload(kit, "rule.json", field="rule")


def test_a_rule_with_the_trust_list_it_names_is_met(http: httpx.Client, kit: Kit) -> None:
    files = _k5(kit) + _upload(kit, "providers.trust-list.json", field="trust_list")
    answer = _post(http, files, recipient=TEACHER, trust_list_pin=kit.trust_list_sha256)
    assert answer.status_code == 200
    assert _verdict(answer) == "MET"
    words = _page(answer).words
    assert "Stack rule evaluation: K-5 Computer Science Micro-Endorsement" in words
    assert "k5-data-analysis.json" in words


def test_a_rule_without_its_trust_list_is_undecided_never_met(http: httpx.Client, kit: Kit) -> None:
    answer = _post(http, _k5(kit), recipient=TEACHER)
    assert _verdict(answer) == "UNDECIDED"
    words = _page(answer).words
    assert "that the rule names was not loaded" in words
    assert "rule.trust_undecided" in words
    # the credentials in a CLR count the same way
    clr = _post(
        http,
        _upload(kit, "record.clr.json") + _upload(kit, "rule.json", field="rule"),
        recipient=TEACHER,
    )
    assert _verdict(clr) == "UNDECIDED"


def test_a_rule_with_a_missing_credential_is_not_met(http: httpx.Client, kit: Kit) -> None:
    files = _upload(kit, *(f"{slug}.json" for slug in K5[:4]))
    files += _upload(kit, "rule.json", field="rule")
    files += _upload(kit, "providers.trust-list.json", field="trust_list")
    answer = _post(http, files, recipient=TEACHER, trust_list_pin=kit.trust_list_sha256)
    assert _verdict(answer) == "NOT MET"
    assert "rule.not_held" in answer.text


def test_a_file_that_is_no_rule_goes_back_to_the_form(http: httpx.Client, kit: Kit) -> None:
    files = [*_upload(kit, "badge.png"), ("rule", ("rule.json", kit.read("tampered.json")))]
    answer = _post(http, files)
    assert answer.status_code == 400
    page = _page(answer)
    assert _summary_links(page) == ["#rule"]
    assert "rule.json is not a stack rule mcbadge can use" in page.words


# -- wrong and hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["notes.txt", "blank.png"])
def test_an_unreadable_file_gives_the_form_with_an_error_summary(
    http: httpx.Client, kit: Kit, name: str
) -> None:
    answer = _post(http, _upload(kit, name), recipient=TEACHER)
    assert answer.status_code == 400
    page = _page(answer)
    assert page.words.startswith("Error: Verify a credential")  # the title says it first
    assert page.by_id("error-summary-title")
    assert _summary_links(page) == ["#documents"]
    assert f"{name} could not be read as a credential" in page.words
    field = page.by_id("documents")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"].split() == ["documents-hint", "documents-error"]
    assert page.by_id("recipient")["value"] == TEACHER  # what was typed is kept


@pytest.mark.parametrize(
    ("files", "text", "message"),
    [
        (None, "", "Choose a file to verify"),
        (None, "   \n", "Choose a file to verify"),
        ("badge.png", "{}", "Give either files or pasted text, not both"),
    ],
)
def test_nothing_or_two_things_to_verify_is_an_error(
    http: httpx.Client, kit: Kit, files: str | None, text: str, message: str
) -> None:
    answer = _post(http, _upload(kit, files) if files else None, text=text)
    assert answer.status_code == 400
    page = _page(answer)
    assert _summary_links(page) == ["#documents"]
    assert message in page.words


def test_a_hostile_file_name_is_shown_as_text(http: httpx.Client, kit: Kit) -> None:
    name = '<img src=x onerror="alert(1)">.png'
    answer = _post(http, [("documents", (name, kit.read("badge.png")))])
    assert _verdict(answer) == "VERIFIED"
    assert "<img" not in answer.text
    assert "&lt;img src=x onerror=" in answer.text
    # a name is only a name: no folder of the sender's is shown
    for sent in ("C:/Users/clerk/Desktop/badge.png", "C:\\Users\\clerk\\Desktop\\badge.png"):
        answer = _post(http, [("documents", (sent, kit.read("badge.png")))])
        assert "Desktop" not in answer.text
        assert "Verification report: badge.png" in _page(answer).words


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 16 * 1024):
        yield data[start : start + 16 * 1024]


@pytest.mark.parametrize("declared", [True, False])
def test_an_oversized_upload_is_a_413_page(http: httpx.Client, declared: bool) -> None:
    body = httpx.Request(
        "POST",
        "http://x/verify",
        files={"documents": ("huge.json", b"{" + b" " * (LIMIT + 10) + b"}")},
    )
    payload = body.read()
    headers = {"content-type": body.headers["content-type"]}
    content: Any = payload if declared else _chunks(payload)  # chunked: no Content-Length
    answer = http.post("/verify", content=content, headers=headers)
    assert answer.status_code == 413
    page = _page(answer)
    assert "The upload is too large" in page.words
    assert f"at most {LIMIT:,} bytes" in page.words
    assert "Nothing was verified" in page.words


def test_a_form_sent_another_way_is_a_415_page(http: httpx.Client) -> None:
    answer = http.post("/verify", data={"text": "{}"})  # application/x-www-form-urlencoded
    assert answer.status_code == 415
    assert "multipart/form-data" in _page(answer).words
    answer = http.post("/verify", json={"text": "{}"})
    assert answer.status_code == 415


def test_a_broken_multipart_body_gives_the_form_again(http: httpx.Client) -> None:
    answer = http.post(
        "/verify",
        content=b'--b\r\nContent-Disposition: form-data; name="documents"',
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert answer.status_code == 400
    assert _summary_links(_page(answer)) == ["#documents"]


def test_a_fault_of_the_service_is_a_page_without_a_trace(
    http: httpx.Client, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mcbadge.verify

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(mcbadge.verify, "verify_any", broken)
    answer = _post(http, _upload(kit, "badge.png"))
    assert answer.status_code == 500
    page = _page(answer)
    assert "The service failed on this document" in page.words
    assert "not a verdict" in page.words
    assert "secret internal detail" not in answer.text


def _multipart_of_size(size: int) -> bytes:
    head = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n{}'
    tail = b"\r\n--b--\r\n"
    return head + b" " * (size - len(head) - len(tail)) + tail


def test_the_limit_is_the_configured_body_limit_to_the_byte(http: httpx.Client) -> None:
    headers = {"content-type": "multipart/form-data; boundary=b"}
    at_limit = http.post("/verify", content=_multipart_of_size(LIMIT), headers=headers)
    assert at_limit.status_code == 200
    assert _verdict(at_limit) == "NOT VERIFIED"  # "{}" is read, and is no credential
    over = http.post("/verify", content=_multipart_of_size(LIMIT + 1), headers=headers)
    assert over.status_code == 413


def test_a_body_declared_far_too_large_is_refused_before_it_is_sent(http: httpx.Client) -> None:
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(str(http.base_url))
    with socket.create_connection((where.hostname, where.port), timeout=10) as connection:
        connection.sendall(
            b"POST /verify HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 1000000000\r\n\r\n"
        )
        answer = b""
        while b"</html>" not in answer:
            data = connection.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"The upload is too large" in answer


def test_the_instances_own_did_web_is_known_offline_and_no_other(tmp_path: Path) -> None:
    from mcbadge.issuer import SigningKey
    from mcbadge.keys import generate_key, save_key
    from mcbadge.models.builders import award, load_catalog, profile
    from mcbadge.server.config import IssuerConfig

    key = generate_key("ed25519")
    save_key(key, tmp_path / "provider.key.json")
    own = "did:web:badges.provider.example"
    config = ServiceConfig(
        base_url="https://badges.provider.example",
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(tmp_path / "provider.key.json"), did_web=True),),
    )
    catalog = load_catalog(Path(__file__).resolve().parents[2] / "examples" / "catalog")

    def badge(did: str) -> bytes:
        method = SigningKey.load(tmp_path / "provider.key.json").verification_method_entry(did)
        credential = award(
            catalog[K5[0]], issuer=profile(did, "Provider"), recipient_email=TEACHER
        ).to_json()
        signed = mcbadge.sign(
            credential, key, format="eddsa-rdfc-2022", verification_method=method["id"]
        )
        return signed.to_text().encode()

    with serve_in_thread(config) as url, client(url) as page:
        mine = _post(page, [("documents", ("own.json", badge(own)))])
        assert _verdict(mine) == "VERIFIED"
        # the same key under another domain's did:web: its document is not fetched
        elsewhere = _post(page, [("documents", ("other.json", badge("did:web:elsewhere.example")))])
        assert _verdict(elsewhere) == "INDETERMINATE"
        assert "network" in _page(elsewhere).words or "offline" in _page(elsewhere).words


def test_the_instances_own_status_lists_are_current_on_the_page(tmp_path: Path) -> None:
    from mcbadge.issuer import SigningKey
    from mcbadge.keys import generate_key, save_key
    from mcbadge.models.builders import award, load_catalog, profile
    from mcbadge.server.config import IssuerConfig

    save_key(generate_key("ed25519"), tmp_path / "provider.key.json")
    issuer = SigningKey.load(tmp_path / "provider.key.json").did_key
    config = ServiceConfig(
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(tmp_path / "provider.key.json")),),
        allow_unauthenticated=True,
    )
    catalog = load_catalog(Path(__file__).resolve().parents[2] / "examples" / "catalog")
    unsigned = award(
        catalog[K5[0]], issuer=profile(issuer, "Provider"), recipient_email=TEACHER
    ).to_json()
    with serve(config) as url, client(url) as http:
        issued = http.post("/credentials/issue", json={"credential": unsigned})
        assert issued.status_code == 201, issued.text
        signed = issued.json()["verifiableCredential"]
        assert signed["credentialStatus"]
        page = _post(http, [("documents", ("issued.json", json.dumps(signed).encode()))])
        assert _verdict(page) == "VERIFIED"
        assert "active (not revoked or suspended)" in _page(page).words
        revoked = http.post(
            "/credentials/status",
            json={
                "credentialId": signed["id"],
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
            },
        )
        assert revoked.status_code == 200, revoked.text
        page = _post(http, [("documents", ("issued.json", json.dumps(signed).encode()))])
        assert _verdict(page) == "NOT VERIFIED"
        assert "REVOKED" in _page(page).words


def test_a_plain_w3c_credential_is_not_a_badge_here(http: httpx.Client) -> None:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key

    key = generate_key("ed25519")
    plain = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": str(did_for_key(key)),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:teacher-7"},
    }
    signed = mcbadge.sign(plain, key, format="eddsa-rdfc-2022", check=False).to_text()
    # the VC API verifies it (the W3C suites send such credentials) ...
    assert http.post(
        "/credentials/verify", json={"verifiableCredential": json.loads(signed)}
    ).json()["verified"]
    # ... the page judges badges, as `mcbadge verify` does
    answer = _post(http, text=signed)
    assert _verdict(answer) == "NOT VERIFIED"
