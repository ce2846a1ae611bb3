"""Accessibility in headless Chromium: axe-core's WCAG 2.2 A/AA rules on every page and the
states a user opens (tables shown, menus and lists open, notes about a bad link, empty
periods), and every control of a page reached with Tab, operated from the keyboard and shown
with a visible focus ring.

Pages opened by the other browser test files are checked there too, in the states those tests
reach (a Benchmark peer group and league table, an import previewed, a presentation's slides,
a download made). The app, the database and Chromium come from tests/test_browser.py.
"""

from __future__ import annotations

import pytest

from accessibility import assert_accessible
from layouts import ids
from test_browser import (SCREENSHOTS, base_url,  # noqa: F401 (fixtures reused)
                          browser_type_launch_args, wait_ready, watched_page)

pytestmark = pytest.mark.browser

ACTIVITY = "/activity?service=DEMO002&from=2024-04&to=2025-03&granularity=quarter"
# Every page, and what shows it is drawn.
PAGES = {
    "overview": ("/", "#page-content .js-plotly-plot .main-svg"),
    "staffing": ("/staffing", "#page-content .js-plotly-plot .main-svg"),
    "finance": ("/finance", "#page-content .js-plotly-plot .main-svg"),
    "activity": ("/activity", "#page-content .js-plotly-plot .main-svg"),
    "impact": ("/impact", "#page-content .js-plotly-plot .main-svg"),
    "executive": ("/executive", "#exec-content .js-plotly-plot .main-svg"),
    "benchmark": ("/benchmark", "#bench-league .ag-row"),
    "import": ("/import", "#import-upload"),
    "data-quality": ("/data-quality", "#quality-coverage .main-svg"),
    "definitions": ("/definitions", "#definitions-grid .ag-row"),
    "present": ("/present?page=overview&service=DEMO001", "#present-counter"),
    "not-found": ("/no-such-page", "text=Page not found"),
}


def open_page(page, base_url, path: str, ready: str) -> None:
    page.goto(base_url + path)
    page.wait_for_selector(ready, timeout=20000)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_axe(watched_page, base_url, name):
    page = watched_page
    path, ready = PAGES[name]
    open_page(page, base_url, path, ready)
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert_accessible(page, f"the {name} page")
    assert page.errors == []


def test_dashboard_states_pass_axe(watched_page, base_url):
    """A dashboard page with every "Show data" table open, then the Download menu open, then
    the service list open and searched."""
    page = watched_page
    page.goto(base_url + ACTIVITY)
    wait_ready(page)
    summaries = page.locator("#page-content details > summary")
    assert summaries.count() >= 2
    for i in range(summaries.count()):
        summaries.nth(i).click()
    assert page.locator("#page-content details[open] table").count() == summaries.count()
    assert_accessible(page, "a dashboard page with its data tables shown")

    page.locator(f"#{ids.SNAP_MENU} .dropdown-toggle").click()
    page.wait_for_selector(f"#{ids.SNAP_MENU} .dropdown-menu.show")
    assert_accessible(page, "a dashboard page with the Download menu open")
    page.keyboard.press("Escape")

    page.locator(f"#{ids.SERVICE}").click()
    page.wait_for_selector(".dash-dropdown-option")
    assert_accessible(page, "a dashboard page with the service list open")
    page.locator(".dash-dropdown-search").fill("Ashgrove")
    page.wait_for_function("document.querySelectorAll('.dash-dropdown-option').length === 1")
    assert_accessible(page, "a dashboard page with the service list searched")
    page.keyboard.press("Escape")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "a11y-show-data.png"), full_page=True)
    assert page.errors == []


def test_notes_and_empty_states_pass_axe(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/staffing?service=NOPE&granularity=decade&from=2024-99")
    page.wait_for_selector(".alert-warning")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "a page whose link had bad values")
    page.goto(base_url + "/finance?service=DEMO001&from=2010-04&to=2011-03&granularity=year")
    page.wait_for_selector(".empty-state")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "a page for a period without figures")
    page.goto(base_url + "/benchmark?service=NOPE&fy=1066&per=nothing")
    page.wait_for_selector("#bench-content .alert")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "the Benchmark page with a bad link")
    page.goto(base_url + "/data-quality?service=NOPE")
    page.wait_for_selector("#quality-coverage .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "the Data quality page with a bad link")
    assert page.errors == []
