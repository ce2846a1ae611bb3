"""Accessibility in headless Chromium: axe-core's WCAG 2.2 A/AA rules on every page and the
states a user opens (tables shown, menus and lists open, notes about a bad link, empty
periods), and every control of a page reached with Tab, operated from the keyboard and shown
with a visible focus ring.

Pages opened by the other browser test files are checked there too, in the states those tests
reach (a Benchmark peer group and league table, an import previewed, a presentation's slides,
a download made). The app, the database and Chromium come from tests/test_browser.py.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from accessibility import assert_accessible
from conftest import make_demo_app
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
    "benchmark": ("/benchmark", "#benchmark-league .ag-row"),
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
    page.wait_for_selector("#benchmark-content .alert")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "the Benchmark page with a bad link")
    page.goto(base_url + "/data-quality?service=NOPE")
    page.wait_for_selector("#quality-coverage .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "the Data quality page with a bad link")
    assert page.errors == []


# --- keyboard ------------------------------------------------------------------------------

# Mark every control a keyboard user must be able to reach on the page as it is shown: visible,
# enabled, and for radio buttons sharing a name, one per group (Tab reaches the group, the
# arrow keys its buttons). Return how many there are.
MARK_CONTROLS = """() => {
    const selector = 'a[href], button, input, select, textarea, summary, [role=button], '
        + '[role=link], [role=checkbox], [role=radio], [role=switch], [role=tab], [role=menuitem], '
        + '[role=grid], [role=treegrid], [tabindex]:not([tabindex="-1"])';
    const GRID = '[role=grid], [role=treegrid]';
    const shown = (e) => e.getClientRects().length > 0 && !e.closest('[hidden], [inert]')
        && getComputedStyle(e).visibility !== 'hidden';
    const groups = new Set();
    let n = 0;
    for (const e of document.querySelectorAll(selector)) {
        if (e.classList.contains('ag-tab-guard')) { continue; }  // AG Grid's focus plumbing
        if (e.parentElement && e.parentElement.closest(GRID)) { continue; }  // reached by arrows
        if (e.disabled || e.type === 'hidden' || !shown(e)) { continue; }
        if (e.type === 'radio' && e.name) {
            if (groups.has(e.name)) { continue; }
            groups.add(e.name);
            e.dataset.kbdGroup = e.name;
        }
        e.dataset.kbd = String(n++);
    }
    return n;
}"""

# The focused element (a cell of a grid stands for its grid), whether it was met before, and
# how its focus shows: the outline and box shadow of the element, or, when it is drawn
# invisibly (a file input under its button), of its nearest visible ancestor. Transitions (a
# chart's mode bar fading in) are finished first: what counts is where they end.
FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) { return null; }
    document.getAnimations().forEach(a => { try { a.finish(); } catch (err) { /* endless */ } });
    const seen = e.dataset.kbdSeen === '1';
    e.dataset.kbdSeen = '1';
    const visible = (el) => {
        let opacity = 1;
        for (let a = el; a; a = a.parentElement) {
            opacity *= parseFloat(getComputedStyle(a).opacity);
        }
        const box = el.getBoundingClientRect();
        return opacity > 0.1 && box.width > 0 && box.height > 0;
    };
    let shown = e;
    while (shown.parentElement && !visible(shown)) { shown = shown.parentElement; }
    const style = getComputedStyle(shown);
    const group = e.type === 'radio' && e.name
        ? document.querySelector(`input[type=radio][name="${CSS.escape(e.name)}"][data-kbd]`)
        : null;
    const marked = group || e.closest('[role=grid], [role=treegrid]') || e.closest('[data-kbd]');
    return {
        kbd: marked ? marked.dataset.kbd : null,
        seen,
        name: (e.id || e.tagName.toLowerCase()) + ': '
            + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 40),
        focusVisible: e.matches(':focus-visible'),
        ring: {outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
                   ? style.outlineColor + ' ' + style.outlineWidth : null,
               shadow: style.boxShadow !== 'none' ? style.boxShadow : null},
    };
}"""


def tab_through(page, limit: int = 400) -> list[dict]:
    """Press Tab until focus comes round to an element it met before; return each stop."""
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:  # past the end of the page, in the browser's own controls
            continue
        if focused["seen"]:
            break
        stops.append(focused)
    else:
        raise AssertionError(f"Tab never came round in {limit} presses")
    return stops


def unfocused_ring(page, kbd: str) -> dict:
    """How an element looks without focus (to tell a focus ring from a permanent border)."""
    return page.evaluate("""(kbd) => {
        const e = document.querySelector(`[data-kbd="${kbd}"]`);
        let shown = e;
        while (shown.parentElement && parseFloat(getComputedStyle(shown).opacity) <= 0.1) {
            shown = shown.parentElement;
        }
        const style = getComputedStyle(shown);
        return {outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
                    ? style.outlineColor + ' ' + style.outlineWidth : null,
                shadow: style.boxShadow !== 'none' ? style.boxShadow : null};
    }""", kbd)


KEYBOARD_PAGES = {
    "activity": (ACTIVITY, "#page-content .js-plotly-plot .main-svg"),
    "overview": ("/", "#page-content .js-plotly-plot .main-svg"),
    "executive": PAGES["executive"],
    "benchmark": PAGES["benchmark"],
    "import": PAGES["import"],
    "data-quality": PAGES["data-quality"],
    "definitions": PAGES["definitions"],
    "present": PAGES["present"],
}


@pytest.mark.parametrize("name", list(KEYBOARD_PAGES))
def test_tab_reaches_every_control_with_a_visible_focus_ring(watched_page, base_url, name):
    page = watched_page
    open_page(page, base_url, *KEYBOARD_PAGES[name])
    if name == "activity":  # the "Show data" tables' contents count too
        page.locator("#page-content details > summary").first.click()
    controls = page.evaluate(MARK_CONTROLS)
    assert controls >= 3
    stops = tab_through(page)
    reached = {s["kbd"] for s in stops}
    missed = page.evaluate("""(reached) => [...document.querySelectorAll('[data-kbd]')]
        .filter(e => !reached.includes(e.dataset.kbd))
        .map(e => e.outerHTML.slice(0, 160))""", sorted(k for k in reached if k is not None))
    assert missed == [], f"Tab never reaches {len(missed)} control(s) on {name}"
    strays = [s["name"] for s in stops if s["kbd"] is None]
    assert strays == [], f"Tab stops on things that are not controls: {strays}"
    repeated = {s["name"] for s in stops if [t["kbd"] for t in stops].count(s["kbd"]) > 1}
    assert not repeated, f"a control takes several Tab stops (a grid's cells?): {repeated}"
    for stop in stops:
        assert stop["focusVisible"], stop
        assert stop["ring"]["outline"] or stop["ring"]["shadow"], f"no focus ring: {stop}"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for stop in stops:
        assert unfocused_ring(page, stop["kbd"]) != stop["ring"], \
            f"the focus ring of {stop['name']} is there without focus too"
    assert page.errors == []


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


# The option of an open dropdown that has focus: its place in the list (which a virtualised list
# keeps in data-option-index), its value, whether it is the one chosen, and its words.
FOCUSED_OPTION = """() => {
    const e = document.activeElement;
    const row = e && e.tagName === 'INPUT'
        && e.closest('.dash-dropdown-content [data-option-index]');
    return row ? {index: Number(row.dataset.optionIndex), value: e.value, checked: e.checked,
                  label: row.innerText.trim()} : null;
}"""


def wait_for_focused_option(page, index: int | None = None) -> dict:
    """Wait until an option of the open list (the one at `index`, if given) has focus; return it.

    Dash moves focus to an option in the animation frame after the key that asks for it, so
    straight after a key press focus can still be on the option before, and a key pressed then
    goes to that one.
    """
    page.wait_for_function(f"""(index) => {{
        const option = ({FOCUSED_OPTION})();
        return option !== null && (index === null || option.index === index);
    }}""", arg=index)
    return page.evaluate(FOCUSED_OPTION)


def test_keyboard_operates_filters_download_menu_and_data_tables(watched_page, base_url):
    """With keys alone: open and close a "Show data" table, change how time is grouped and the
    service, open the Download menu and download from it, copy the link, open the Data menu."""
    page = watched_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(base_url + ACTIVITY)
    wait_ready(page)

    summary = page.locator("#page-content details > summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert summary.evaluate("e => e.parentElement.open")
    page.keyboard.press("Space")
    assert not summary.evaluate("e => e.parentElement.open")

    page.locator(f"#{ids.GRANULARITY} input:checked").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.location.search.includes('granularity=year')")
    page.wait_for_function(
        "document.querySelector('#page-content').innerText.includes('by financial year')")

    before = page.locator(".page-subtitle").inner_text()
    page.locator(f"#{ids.SERVICE}").focus()
    page.keyboard.press("ArrowDown")  # opens the list, with focus on the service chosen
    start = wait_for_focused_option(page)
    assert start["checked"], start
    page.keyboard.press("ArrowDown")  # the next service
    choice = wait_for_focused_option(page, start["index"] + 1)["value"]
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(code) => new URLSearchParams(window.location.search).get('service') === code",
        arg=choice)
    page.wait_for_function(
        "(before) => document.querySelector('.page-subtitle').innerText !== before", arg=before)
    page.keyboard.press("Escape")
    page.wait_for_selector(".dash-dropdown-option", state="detached")
    assert focused_id(page) == ids.SERVICE  # focus is back on the dropdown

    toggle = page.locator(f"#{ids.SNAP_MENU} .dropdown-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{ids.SNAP_MENU} .dropdown-menu.show")
    page.keyboard.press("ArrowDown")
    assert "PDF" in page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Escape")
    page.wait_for_selector(f"#{ids.SNAP_MENU} .dropdown-menu.show", state="detached")
    assert page.evaluate("document.activeElement.classList.contains('dropdown-toggle')")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#{ids.SNAP_MENU} .dropdown-menu.show")
    for _ in range(6):  # PDF, PowerPoint, PNG, HTML, Excel, CSV
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.innerText").startswith("CSV")
    with page.expect_download(timeout=60_000) as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.endswith(".csv")
    page.wait_for_selector(f"#{ids.SNAP_STATUS} .alert-success")

    page.locator(f"#{ids.COPY_LINK}").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('#{ids.COPY_STATUS}').innerText.length > 0")
    assert page.evaluate("navigator.clipboard.readText()") == page.url

    data = page.locator(".sm-navbar .dropdown-toggle")
    data.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".sm-navbar .dropdown-menu.show")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.innerText") == "Import figures"
    page.keyboard.press("Escape")
    page.wait_for_selector(".sm-navbar .dropdown-menu.show", state="detached")
    assert_accessible(page, "a dashboard page after a download made from the keyboard")
    assert page.errors == []


@pytest.fixture(scope="module")
def many_services_url(tmp_path_factory):
    """Serve an app whose service list is long enough (100 or more) for Dash to draw it
    virtualised, with an off-screen option to measure its width."""
    app = make_demo_app(tmp_path_factory, "many-services", n_services=110, years=1)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_long_service_list_passes_axe_and_works_from_the_keyboard(watched_page,
                                                                     many_services_url):
    """Open a list of 110 services from the keyboard, go down it with the arrow keys past the
    options drawn when it opened, choose one with Enter, and see the page show that service."""
    page = watched_page
    page.goto(many_services_url + "/")
    wait_ready(page)
    chosen = page.evaluate("new URLSearchParams(window.location.search).get('service')")
    assert chosen
    page.locator(f"#{ids.SERVICE}").focus()
    page.keyboard.press("ArrowDown")  # opens the list, with focus on the service chosen
    page.wait_for_selector(".dash-options-list-virtualized .dash-dropdown-option")
    start = wait_for_focused_option(page)
    assert start["value"] == chosen and start["checked"], start
    assert_accessible(page, "a page with a virtualised list of 110 services open")
    assert page.locator(".dash-dropdown-content .dash-options-list").get_attribute("role") \
        == "radiogroup"
    # Nothing hidden from screen readers (the option drawn out of sight to measure the list's
    # width) can take focus.
    assert page.evaluate("""() => [...document.querySelectorAll('[aria-hidden="true"] *')]
        .filter(e => { e.focus(); return document.activeElement === e; }).length""") == 0
    assert page.evaluate(FOCUSED_OPTION) == start

    # Down to the first option that was not drawn when the list opened, one key at a time.
    drawn = page.evaluate("""() => [...document.querySelectorAll(
        '.dash-options-list-virtualized [data-option-index]')].map(e => +e.dataset.optionIndex)""")
    target = max(drawn) + 1
    assert start["index"] + 3 <= target < 110, (start, drawn)
    for index in range(start["index"] + 1, target + 1):
        page.keyboard.press("ArrowDown")
        choice = wait_for_focused_option(page, index)
    assert choice["value"] != chosen and not choice["checked"], choice

    page.keyboard.press("Enter")
    page.wait_for_function(
        "(code) => new URLSearchParams(window.location.search).get('service') === code",
        arg=choice["value"])
    page.wait_for_selector(".dash-dropdown-content", state="detached")  # the list closed
    assert page.locator(f"#{ids.SERVICE}").inner_text().strip() == choice["label"]
    name = choice["label"].removesuffix(f" ({choice['value']})")
    page.wait_for_function(
        "(name) => document.querySelector('.page-subtitle').innerText.startsWith(name + ' ·')",
        arg=name)
    assert focused_id(page) == ids.SERVICE  # focus is back on the dropdown
    assert page.errors == []
