#!/usr/bin/env bash
# Make sure Debian's Chromium is installed: for the running app (`make run`) and for the tests
# (`make test`).
#
# The app draws the charts of its PDF, PowerPoint, PNG and ZIP downloads with kaleido in
# Chromium; the browser tests drive /usr/bin/chromium (Playwright with executable_path).
# `playwright install` cannot download browsers on these machines, so we use the
# distribution's package instead. Safe to run repeatedly: it does nothing when all is there.
#
# Usage: bash scripts/ensure-chromium.sh          what the tests need: chromium, chromium-driver
#        PY=.venv/bin/python bash scripts/ensure-chromium.sh --app
#                                                 what the app needs: the browser the app itself
#                                                 finds (BROWSER_PATH, or Chromium on the PATH),
#                                                 else Debian's chromium
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
PACKAGES=(chromium chromium-driver)
REQUIRED=("$CHROMIUM" "$CHROMEDRIVER")
MODE=tests
case "${1:-}" in
    "") ;;
    --app) MODE=app PACKAGES=(chromium) REQUIRED=() ;;
    *) printf 'usage: %s [--app]\n' "$0" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'ensure-chromium: %s\n' "$*"; }
die() {
    printf 'ensure-chromium: ERROR: %s\n' "$*" >&2
    printf 'ensure-chromium: install them by hand, e.g.  sudo apt-get update && sudo apt-get install -y %s\n' \
        "${PACKAGES[*]}" >&2
    if [[ $MODE == app ]]; then
        printf 'ensure-chromium: or set BROWSER_PATH to a Chromium or Chrome executable (PDF, PowerPoint, PNG and ZIP downloads need one)\n' >&2
    else
        printf 'ensure-chromium: or run the tests without a browser:  .venv/bin/python -m pytest -m "not browser"\n' >&2
    fi
    exit 1
}

# The browser the app will use, found as the app finds it (dashboard/snapshot/charts.py).
app_browser() {
    "${PY:-.venv/bin/python}" -c \
        'from dashboard.snapshot.charts import browser_path; print(browser_path() or "")'
}

if [[ $MODE == app ]]; then
    browser=$(app_browser) || die "could not ask the app which browser it uses (PY=${PY:-.venv/bin/python})"
    if [[ -n $browser && -x $browser ]]; then
        say "the app draws charts with $browser; nothing to do"
        exit 0
    fi
    [[ -z ${BROWSER_PATH:-} ]] ||
        die "BROWSER_PATH is set to $BROWSER_PATH, which is not an executable: fix it, or unset it to use Debian's chromium"
fi

missing=()
for path in "${REQUIRED[@]}"; do
    [[ -x $path ]] || missing+=("$path")
done

if [[ $MODE == tests ]] && ((${#missing[@]} == 0)); then
    version=$("$CHROMIUM" --version 2>/dev/null || true)
    say "found $CHROMIUM and $CHROMEDRIVER${version:+ ($version)}; nothing to do"
    exit 0
fi

say "missing: ${missing[*]:-a browser for the chart downloads of the app}"

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

for path in "${REQUIRED[@]}"; do
    [[ -x $path ]] || die "$path is still missing after installing ${PACKAGES[*]}"
done
if [[ $MODE == app ]]; then
    browser=$(app_browser) || true
    [[ -n $browser && -x $browser ]] ||
        die "the app still finds no browser after installing ${PACKAGES[*]}"
    say "installed: the app draws charts with $browser"
else
    say "installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
fi
