"""The verification page in a real browser, driven as a clerk would use it, with JavaScript
off: open the page, choose a file in the file field, press Verify, read the verdict; paste a
tampered credential and read that it is NOT VERIFIED; send a file that is no credential and
land on the error summary; send one that is too large and read the 413 page.

Headless Chromium and its chromedriver from the operating system's packages (Debian
``chromium`` and ``chromium-driver``; scripts/ci-browser.sh installs both under CI), driven
through WebDriver by the ``selenium`` dev dependency, pointed at those two binaries so that
nothing is downloaded. The service runs on 127.0.0.1. Under CI a missing browser, driver or
selenium fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.page_kit import K5, Kit, make_kit, page_config
from tests.integration.service_helpers import serve

LIMIT = 256 * 1024
#: seconds a page load, a wait on the page or a request may take on a loaded 2-core machine
WAIT = 120
# the module's first tests also start Chromium and build the kit, and the last runs the Nu
# HTML Checker's JVM: more than the suite's default 60 s when the machine is busy
pytestmark = pytest.mark.timeout(600)
# Chromium's own services must not phone home (connections out are refused here anyway)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--window-size=1200,1600",
)


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI (scripts/ci-browser.sh installs it)")
    pytest.skip(f"{what} is not installed")


def _binary(*names: str, package: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return found
    _missing(f"{names[0]} (Debian package `{package}`)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = _binary("chromium", "chromium-browser", package="chromium")
    chromedriver = _binary("chromedriver", package="chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (a dev dependency)")
    os.environ["SE_OFFLINE"] = "true"  # selenium must never fetch a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # JavaScript off, as a locked-down office browser may have it: the page must not need it
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("page-kit"))


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(page_config(tmp_path_factory.mktemp("service"), LIMIT)) as url:
        yield url + "/"


def _field(browser: Any, label_text: str) -> Any:
    """The form field a person finds by its label."""
    from selenium.webdriver.common.by import By

    labels = [
        label
        for label in browser.find_elements(By.TAG_NAME, "label")
        if label.text.strip() == label_text
    ]
    assert len(labels) == 1, f"no single label {label_text!r}"
    return browser.find_element(By.ID, labels[0].get_attribute("for"))


def _press_verify(browser: Any) -> None:
    """Press the button, and wait (on the page, not the clock) until the answer is loaded:
    the form is gone and the new page is complete down to its footer."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    [button] = [b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Verify"]
    button.click()
    WebDriverWait(browser, WAIT).until(lambda _: _gone(button))
    WebDriverWait(browser, WAIT).until(
        expected_conditions.presence_of_element_located((By.TAG_NAME, "footer"))
    )


def _gone(element: Any) -> bool:
    """True once ``element`` belongs to a page that was left. Caught mid-navigation,
    chromedriver may say so as "Node with given id does not belong to the document" rather
    than as a stale element (selenium's staleness_of lets that through as an error)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc.msg):
            return True
        raise
    return False


def _focused(browser: Any, **attributes: str) -> Any:
    """The focused element when it has these attributes, else ``None``."""
    element = browser.switch_to.active_element
    if all(element.get_attribute(name) == value for name, value in attributes.items()):
        return element
    return None


def _wait(browser: Any, condition: Any) -> Any:
    """Wait until ``condition`` holds on the page (TimeoutException if it never does)."""
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, WAIT).until(condition)


def _verdict(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.CSS_SELECTOR, "p.verdict strong").text)


def _body(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.TAG_NAME, "body").text)


def test_javascript_is_really_off(browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get("data:text/html,<noscript><p id=off>scripts are off</p></noscript>")
    assert browser.find_element(By.ID, "off").text == "scripts are off"


def test_a_clerk_chooses_a_badge_image_and_reads_verified(
    browser: Any, page_url: str, kit: Kit, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    assert browser.title == "Verify a credential"
    _field(browser, "Credential files").send_keys(str(kit.files["badge.png"]))
    _press_verify(browser)
    assert browser.title == "Verification report: badge.png"
    assert _verdict(browser) == "VERIFIED"
    text = _body(browser)
    assert "Every check passed" in text
    assert "not decided: no trust list was given" in text
    browser.save_screenshot(str(tmp_path / "verified.png"))
    # and back to the form by the link on the report
    browser.find_element(By.LINK_TEXT, "Verify another document").click()
    _wait(browser, lambda d: d.title == "Verify a credential")  # the click only starts it


def test_a_clerk_pastes_a_tampered_credential_and_reads_not_verified(
    browser: Any, page_url: str, kit: Kit
) -> None:
    browser.get(page_url)
    _field(browser, "Or paste a credential").send_keys(kit.read("tampered.json").decode())
    _press_verify(browser)
    assert _verdict(browser) == "NOT VERIFIED"
    text = _body(browser)
    assert "This credential is not verified" in text
    assert "Failed checks" in text


def test_a_clerk_chooses_a_learner_record(browser: Any, page_url: str, kit: Kit) -> None:
    browser.get(page_url)
    _field(browser, "Credential files").send_keys(str(kit.files["record.clr.json"]))
    _press_verify(browser)
    assert _verdict(browser) == "VERIFIED"
    assert "learner record (CLR 2.0)" in _body(browser)


def test_a_file_that_is_no_credential_lands_on_the_error_summary(
    browser: Any, page_url: str, kit: Kit
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    _field(browser, "Teacher's e-mail address").send_keys("dana@example.org")
    _field(browser, "Credential files").send_keys(str(kit.files["notes.txt"]))
    _press_verify(browser)
    assert browser.title == "Error: Verify a credential"
    # the summary takes the focus (autofocus, once the page is shown)
    summary = _wait(browser, lambda d: _focused(d, role="alert"))
    assert "There is a problem" in summary.text
    assert "notes.txt could not be read as a credential" in summary.text
    # its link leads to the field, whose own message a screen reader hears with it
    summary.find_element(By.CSS_SELECTOR, "a[href='#documents']").click()
    field = _wait(browser, lambda d: _focused(d, id="documents"))
    assert field == _field(browser, "Credential files")
    described = field.get_attribute("aria-describedby").split()
    assert "documents-error" in described
    assert browser.find_element(By.ID, "documents-error").text.startswith("Error: notes.txt")
    assert _field(browser, "Teacher's e-mail address").get_attribute("value") == (
        "dana@example.org"
    )


def test_the_keyboard_focus_is_visible(browser: Any, page_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(page_url)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "documents"  # the first field comes first
    assert focused.value_of_css_property("outline-style") == "solid"
    assert focused.value_of_css_property("outline-width") == "3px"


def test_a_file_over_the_limit_gives_a_readable_413_page(
    browser: Any, page_url: str, tmp_path: Path
) -> None:
    huge = tmp_path / "scan-of-everything.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * (LIMIT + 1))
    browser.get(page_url)
    _field(browser, "Credential files").send_keys(str(huge))
    _press_verify(browser)
    assert browser.title == "The upload is too large"
    text = _body(browser)
    assert f"at most {LIMIT:,} bytes" in text
    assert "Nothing was verified" in text


def test_every_page_is_valid_html(page_url: str, kit: Kit, tmp_path: Path) -> None:
    """The Nu HTML Checker (as for the reports) finds no error on any page the service
    shows: the form, the form with errors, the reports with their link back, the 413 and
    415 pages."""
    import subprocess

    import httpx
    from tests.integration.test_report_browser import _java_and_vnu

    java, vnu = _java_and_vnu()
    blank = {"text": "", "recipient": "", "challenge": "", "domain": "", "trust_list_pin": ""}

    def send(*names: str, rule: bool = False, **fields: str) -> str:
        files = [("documents", (name, kit.read(name))) for name in names]
        if rule:
            files.append(("rule", ("rule.json", kit.read("rule.json"))))
        answer = http.post(page_url + "verify", files=files, data={**blank, **fields})
        return answer.text

    # httpx's default timeout (5 s) is less than a rule evaluation can take on a busy machine
    http = httpx.Client(timeout=WAIT)
    pages = {
        "form.html": http.get(page_url).text,
        "errors.html": send("notes.txt", trust_list_pin="x"),
        "credential.html": send("badge.png"),
        "bundle.html": send("presentation.json"),
        "batch.html": send("badge.svg", "record.clr.json"),
        "evaluation.html": send(*(f"{slug}.json" for slug in K5), rule=True),
        "too-large.html": http.post(
            page_url + "verify", files={"documents": ("x", b" " * (LIMIT + 1))}
        ).text,
        "wrong-type.html": http.post(page_url + "verify", data=blank).text,
    }
    http.close()
    for name, html in pages.items():
        assert "<!DOCTYPE html>" in html, name
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
