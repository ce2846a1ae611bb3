"""Browser tests in headless Chromium: pages load cleanly, filters work, the URL keeps state."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from accessibility import assert_accessible
from dashboard import demo
from dashboard.db import ANONYMOUS, Database

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVED: dict[str, str] = {}  # the database URL behind base_url, for tests that prepare data
PAGES = {"overview": "/", "staffing": "/staffing", "finance": "/finance",
         "activity": "/activity", "impact": "/impact"}


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """Serve a freshly seeded app from a background thread for the whole session."""
    from app import create_app

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    url = f"sqlite:///{path}"
    db = Database(url)
    db.upgrade()
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=8)
    db.dispose()
    SERVED["database_url"] = url
    app = create_app({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"})
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def watched_page(page):
    """A page that records console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.errors = errors
    return page


def wait_ready(page):
    page.wait_for_selector("#page-content .js-plotly-plot .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_console_errors(watched_page, base_url, name):
    page = watched_page
    page.goto(base_url + PAGES[name])
    wait_ready(page)
    assert page.locator(".kpi-tile").count() >= 4
    assert page.locator(".synthetic-banner").inner_text().startswith("Demo data (synthetic)")
    title = page.locator("h1.page-title").inner_text()
    assert re.search(r"\d{4}/\d{2}", title), title  # the financial year is named
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert page.errors == []


def test_filter_updates_charts_and_url_and_reload_restores(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/activity")
    wait_ready(page)
    assert "by month" in page.locator("#page-content").inner_text()
    page.get_by_label("Quarter", exact=True).check()
    page.wait_for_function("window.location.search.includes('granularity=quarter')")
    page.wait_for_function(
        "document.querySelector('#page-content').innerText.includes('by quarter')")
    url = page.url
    assert "service=" in url and "from=" in url and "to=" in url
    page.reload()
    wait_ready(page)
    assert page.get_by_label("Quarter", exact=True).is_checked()
    assert "by quarter" in page.locator("#page-content").inner_text()
    assert page.errors == []


def test_changing_service_updates_tiles(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/")
    wait_ready(page)
    before_subtitle = page.locator(".page-subtitle").inner_text()
    before_value = page.locator("#kpi-searches .kpi-value").inner_text()
    page.locator("#filter-service").click()
    options = page.locator(".dash-dropdown-option")
    options.nth(3).click()
    page.wait_for_function(
        "(before) => document.querySelector('.page-subtitle').innerText !== before",
        arg=before_subtitle)
    after_value = page.locator("#kpi-searches .kpi-value").inner_text()
    assert page.locator(".page-subtitle").inner_text() != before_subtitle
    assert after_value != before_value
    assert "service=" in page.url
    assert page.errors == []


def test_period_without_data_says_so(watched_page, base_url):
    page = watched_page
    code = "DEMO001"
    page.goto(f"{base_url}/finance?service={code}&from=2010-04&to=2011-03&granularity=year")
    page.wait_for_selector(".empty-state")
    text = page.locator("#page-content").inner_text()
    assert "has no figures for 2010/11" in text
    assert page.locator(".kpi-tile").count() == 0
    assert page.errors == []


def test_bad_link_is_explained_not_crashed(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/staffing?service=NOPE&granularity=decade&from=2024-99")
    page.wait_for_selector(".alert-warning")
    text = page.locator("#page-content").inner_text()
    assert "No service with code 'NOPE' is available" in text
    assert "granularity" in text.lower()
    # The address bar is corrected, so a reload or a shared link carries no bad values.
    page.wait_for_function("!window.location.search.includes('NOPE')")
    assert "granularity=month" in page.url and "decade" not in page.url
    assert page.errors == []


def test_unknown_address_shows_not_found(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/no-such-page")
    page.wait_for_selector("text=Page not found")
    assert page.errors == []


def upload(page, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.locator("#import-upload input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content})


def test_import_page_previews_then_imports(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/import")
    page.wait_for_selector("#import-upload")
    assert page.locator("#template-long-xlsx").get_attribute("href").startswith(
        "/download/template")
    content = ("service,metric,period,value\r\n"
               "DEMO002,searches,2030-04,\"1,234\"\r\n"
               "DEMO002,Literature/evidence searches,May 2030,56\r\n").encode()
    upload(page, "new-figures.csv", content)
    page.wait_for_selector("#import-ready", timeout=20000)
    status = page.locator("#import-status").inner_text()
    assert "no problems found" in status
    assert "to add" in status
    confirm = page.locator("#import-confirm")
    assert confirm.is_enabled()
    assert "add 2" in confirm.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-preview.png"), full_page=True)
    assert_accessible(page, "the Import page with a file previewed")
    confirm.click()
    page.wait_for_selector("#import-done", timeout=20000)
    assert "Imported as batch" in page.locator("#import-done").inner_text()
    assert "new-figures.csv" in page.locator("#import-recent").inner_text()
    assert page.locator("#import-confirm").is_disabled()
    page.screenshot(path=str(SCREENSHOTS / "import-done.png"), full_page=True)
    assert_accessible(page, "the Import page after an import")
    assert page.errors == []


def test_import_page_lists_every_problem(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/import")
    page.wait_for_selector("#import-upload")
    content = ("service,metric,period,value\n"
               "DEMO002,searches,2030-04,lots\n"
               "DEMO002,serches,2030-05,5\n"
               "DEMO002,searches,2030-13,5\n").encode()
    upload(page, "bad.csv", content)
    page.wait_for_selector("#import-problems", timeout=20000)
    page.wait_for_function(
        "document.querySelectorAll('#import-problems .ag-row').length >= 3")
    text = page.locator("#import-status").inner_text()
    assert "Nothing was imported" in text
    assert "not a number" in text
    assert "searches" in text  # the suggestion for the misspelt metric
    assert page.locator("#import-confirm").is_disabled()
    page.screenshot(path=str(SCREENSHOTS / "import-problems.png"), full_page=True)
    assert_accessible(page, "the Import page listing a file's problems")
    assert page.errors == []


def test_data_quality_page_and_undo(watched_page, base_url):
    from dashboard.db.imports import import_data
    from dashboard.importing.load import read_import
    from dashboard.db.access import ANONYMOUS
    from dashboard.settings import load_config

    db = Database(SERVED["database_url"])
    content = b"service,metric,period,value\nDEMO003,searches,2031-04,77\n"
    data = read_import(db, ANONYMOUS, load_config(), content, "undo-me.csv")
    batch = import_data(db, ANONYMOUS, data, created_by="browser test").batch_id
    db.dispose()
    page = watched_page
    page.goto(base_url + "/data-quality?service=DEMO003")
    page.wait_for_selector("#quality-coverage .main-svg", timeout=20000)
    text = page.locator("#quality-content").inner_text()
    assert "Months with no data" in text and "Suspected outliers" in text
    assert "undo-me.csv" in text
    page.screenshot(path=str(SCREENSHOTS / "data-quality.png"), full_page=True)
    page.locator("tr", has_text="undo-me.csv").get_by_role("button", name="Undo").click()
    page.wait_for_selector("#quality-undo-modal", state="visible")
    assert f"Undo import batch {batch}?" in page.locator("#quality-undo-text").inner_text()
    assert_accessible(page, "the Data quality page asking to confirm an undo")
    page.locator("#quality-undo-confirm").click()
    page.wait_for_selector("#quality-undone", timeout=20000)
    assert f"Undid batch {batch}: removed 1 figure," in page.locator("#quality-undone").inner_text()
    # The same response closes the dialog: check the page once it has faded out, not halfway.
    page.wait_for_selector("#quality-undo-modal", state="hidden")
    assert_accessible(page, "the Data quality page after an undo")
    page.wait_for_function("!document.querySelector('#quality-content').innerText"
                           ".includes('undo-me.csv')")
    assert page.errors == []


def test_definitions_search_filters_the_catalogue(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/definitions")
    page.wait_for_selector("#definitions-grid .ag-row")
    page.locator("#definitions-search").fill("active OpenAthens")
    page.wait_for_function(
        "document.querySelectorAll('#definitions-grid .ag-center-cols-container .ag-row')"
        ".length === 1")
    row = page.locator("#definitions-grid .ag-center-cols-container .ag-row").first
    assert_accessible(page, "the Definitions page searched")
    assert "openathens_active" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "definitions.png"), full_page=True)
    assert page.errors == []
