#!/usr/bin/env bash
# Make sure Debian's Chromium (and its chromedriver) are installed for the browser tests.
#
# The browser tests drive /usr/bin/chromium (Playwright with executable_path; kaleido finds it
# too). `playwright install` cannot download browsers on these machines, so we use the
# distribution's package instead. Safe to run repeatedly: it does nothing when both are present.
#
# Usage: bash scripts/ensure-chromium.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
PACKAGES=(chromium chromium-driver)

say() { printf 'ensure-chromium: %s\n' "$*"; }
die() {
    printf 'ensure-chromium: ERROR: %s\n' "$*" >&2
    printf 'ensure-chromium: install them by hand, e.g.  sudo apt-get update && sudo apt-get install -y %s\n' \
        "${PACKAGES[*]}" >&2
    printf 'ensure-chromium: or run the tests without a browser:  .venv/bin/python -m pytest -m "not browser"\n' >&2
    exit 1
}

missing=()
[[ -x $CHROMIUM ]] || missing+=("$CHROMIUM")
[[ -x $CHROMEDRIVER ]] || missing+=("$CHROMEDRIVER")

if ((${#missing[@]} == 0)); then
    version=$("$CHROMIUM" --version 2>/dev/null || true)
    say "found $CHROMIUM and $CHROMEDRIVER${version:+ ($version)}; nothing to do"
    exit 0
fi

say "missing: ${missing[*]}"

command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found: this script only knows Debian/Ubuntu; install Chromium so that $CHROMIUM exists"

# Run as root directly; otherwise through sudo when it exists.
as_root=()
if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed: cannot install ${PACKAGES[*]}"
    if [[ -t 0 ]]; then
        as_root=(sudo)
    else
        as_root=(sudo -n) # no terminal to type a password into: fail instead of hanging
    fi
fi

say "running: ${as_root[*]:+${as_root[*]} }apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
    die "apt-get update failed (no network access to the Debian mirror, or no permission?)"

say "running: ${as_root[*]:+${as_root[*]} }apt-get install -y ${PACKAGES[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}" ||
    die "apt-get install ${PACKAGES[*]} failed"

[[ -x $CHROMIUM ]] || die "$CHROMIUM is still missing after installing ${PACKAGES[*]}"
[[ -x $CHROMEDRIVER ]] || die "$CHROMEDRIVER is still missing after installing ${PACKAGES[*]}"
say "installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
