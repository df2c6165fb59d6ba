#!/bin/sh
# Make Debian's Chromium available for the browser tests (tests/browser).
#
# Playwright's own browser download does not work here, so the tests drive
# the distribution's /usr/bin/chromium. Run by `make test` before pytest:
# - Chromium present: nothing to do;
# - missing and running as root with apt: install `chromium` and
#   `chromium-driver`;
# - still missing: print why; the browser tests then skip with the same
#   reason, except with CI=true, where a missing browser fails the run.
# CHROMIUM_BIN names another binary; BROWSER_INSTALL=0 never installs.
set -u

find_chromium() {
    # CHROMIUM_BIN, when set, is the only candidate (the tests honour it too).
    if [ -n "${CHROMIUM_BIN:-}" ]; then
        candidates="$CHROMIUM_BIN"
    else
        candidates="/usr/bin/chromium /usr/bin/chromium-browser"
    fi
    for candidate in $candidates; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if found=$(find_chromium); then
    echo "browser tests: using $found"
    exit 0
fi

if [ "${BROWSER_INSTALL:-1}" = "0" ]; then
    reason="Chromium is not installed (BROWSER_INSTALL=0: not installing it)"
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: Chromium is missing; installing Debian's chromium and chromium-driver with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -q && apt-get install -y -q chromium chromium-driver; then
        if found=$(find_chromium); then
            echo "browser tests: using $found"
            exit 0
        fi
    fi
    reason="apt-get could not install chromium"
elif [ "$(id -u)" != "0" ]; then
    reason="Chromium is not installed and installing it needs root (apt-get install chromium chromium-driver)"
else
    reason="Chromium is not installed and apt-get is not available"
fi

case "${CI:-}" in
    true|TRUE|True|1)
        echo "browser tests: FAILED: $reason; with CI=true the browser tests must run." >&2
        exit 1
        ;;
esac
echo "browser tests: will be SKIPPED: $reason."
exit 0
