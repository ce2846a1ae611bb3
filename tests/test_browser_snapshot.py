"""Browser tests of the snapshot toolbar and the executive view in headless Chromium: every
Download item gives a valid file, the copied link and an uploaded view.json reopen the view.

The app, the database and Chromium come from the fixtures of tests/test_browser.py.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from accessibility import assert_accessible
from test_browser import (SCREENSHOTS, base_url,  # noqa: F401 (fixtures reused)
                          browser_type_launch_args, wait_ready, watched_page)

pytestmark = pytest.mark.browser

FINANCE = "/finance?service=DEMO002&from=2024-04&to=2025-03&granularity=quarter"


def _valid(fmt: str, data: bytes) -> None:
    """Open a downloaded file with the library that reads its format."""
    if fmt == "pdf":
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        assert "Finance: 2024/25" in text and "Quarter" in text
    elif fmt == "pptx":
        from pptx import Presentation

        slides = Presentation(io.BytesIO(data)).slides
        assert len(slides) >= 5
    elif fmt == "png":
        from PIL import Image

        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width >= 1000
    elif fmt == "html":
        text = data.decode("utf-8")
        assert "Finance: 2024/25" in text and "Plotly.newPlot" in text
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        assert "About" in book.sheetnames and len(book.sheetnames) >= 4
    elif fmt == "csv":
        text = data.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("Panel,")
    elif fmt == "zip":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert "view.json" in names and any(n.endswith(".pdf") for n in names)


@pytest.mark.parametrize("fmt", ["pdf", "pptx", "png", "html", "xlsx", "csv", "zip"])
def test_each_download_item_gives_a_valid_file(watched_page, base_url, fmt):
    page = watched_page
    page.goto(base_url + FINANCE)
    wait_ready(page)
    page.locator("#snapshot-menu .dropdown-toggle").click()
    item = page.locator(f"[id*='\"format\":\"{fmt}\"']")
    with page.expect_download(timeout=120_000) as info:
        item.click()
    download = info.value
    assert download.suggested_filename.endswith("." + fmt)
    assert "DEMO002" in download.suggested_filename
    _valid(fmt, open(download.path(), "rb").read())
    page.wait_for_selector("#snapshot-status .alert-success")
    assert "is ready" in page.locator("#snapshot-status").inner_text()
    if fmt == "csv":  # once: the status says the file is ready, with a link to it
        assert_accessible(page, "a page whose download is ready")
    assert page.url.endswith(FINANCE)  # the page stayed where it was
    assert page.errors == []


def test_copy_link_and_saved_view_reopen_the_view(watched_page, base_url, tmp_path):
    page = watched_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(base_url + FINANCE)
    wait_ready(page)
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_function("document.querySelector('#copy-link-status').innerText.length > 0")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == base_url + FINANCE
    state = {"shelfmark_view": 1, "page": "activity",
             "query": {"service": "DEMO003", "from": "2024-07", "to": "2024-12",
                       "granularity": "month"}}
    path = tmp_path / "view.json"
    path.write_text(json.dumps(state))
    page.locator("#view-upload input[type=file]").set_input_files(str(path))
    page.wait_for_url("**/activity?service=DEMO003&from=2024-07&to=2024-12&granularity=month")
    page.wait_for_function(
        "document.querySelector('h1.page-title').innerText.startsWith('Activity')")
    wait_ready(page)
    assert "Activity: Jul 2024" in page.locator("h1.page-title").inner_text()
    bad = tmp_path / "notes.json"
    bad.write_text("these are not a view")
    page.locator("#view-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_selector("#view-message .alert")
    assert "not JSON" in page.locator("#view-message").inner_text()
    assert_accessible(page, "a page refusing a saved view")
    assert page.errors == []


def test_executive_view_in_the_browser(watched_page, base_url):
    page = watched_page
    page.goto(base_url + "/executive?service=DEMO002&from=2024-04&to=2025-03")
    page.wait_for_selector("#exec-content .js-plotly-plot .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".exec-card").count() >= 6
    assert "Executive summary: 2024/25" in page.locator("h1.page-title").inner_text()
    assert "Data as of" in page.locator("#exec-meta").inner_text()
    caption = page.locator(".exec-caption").first.inner_text()
    assert "2024/25" in caption
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "executive.png"), full_page=True)
    # the similar-services choice becomes part of the address, and the view redraws
    page.locator("#exec-peers").click()
    page.locator(".dash-dropdown-option", has_text="Everyone in the same national return").click()
    page.wait_for_url("**peers=**")
    page.wait_for_function("document.querySelector('#exec-meta').innerText.includes('7 similar')")
    page.wait_for_selector("#exec-content .js-plotly-plot .main-svg")
    assert "compared with 2023/24 and 7 similar services" in \
        page.locator("#exec-meta").inner_text().lower()
    assert_accessible(page, "the Summary page with other similar services")
    # the Present link carries the view
    href = page.locator("#present-link").get_attribute("href")
    assert href.startswith("/present?page=executive&service=DEMO002")
    assert page.errors == []
