"""Snapshot renderers: open each file and check what a person would find in it.

The charts are drawn by the real Chromium (the one renderer of the session, kept warm); each
format of the fixture snapshot is rendered once and shared by the tests that read it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfReader

from dashboard.importing.template import unneutralise
from dashboard.snapshot import charts, images, pdf, tables
from dashboard.snapshot.html import needs_full_bundle
from dashboard.snapshot.model import MEDIA_TYPES, SNAPSHOT_FORMATS, SnapshotPanel
from dashboard.snapshot.slides import HEADLINES_PER_SLIDE
from dashboard.snapshot.render import (CHART_PNG_SCALE, CHART_PNG_WIDTH, SLIDE_CHART_SIZE,
                                       RenderError, render, render_chart)
from snapshot_fixtures import (FORMULA_CELL, SERVICE_CODE, SERVICE_NAME, make_empty_snapshot,
                               make_snapshot)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def renderer():
    """The process's shared chart renderer, started once for the session."""
    charts.warm()
    yield charts.renderer()


@pytest.fixture(scope="session")
def logo(tmp_path_factory):
    path = tmp_path_factory.mktemp("logo") / "logo.png"
    Image.new("RGB", (300, 100), "#005EB8").save(path)
    return path


@pytest.fixture(scope="session")
def snapshot(logo):
    return make_snapshot(8, empty_panel=True, logo=logo)


@pytest.fixture(scope="session")
def files(renderer, snapshot):
    """Render each format of the fixture snapshot once, on first use."""
    cache = {}

    def get(fmt):
        if fmt not in cache:
            cache[fmt] = render(snapshot, fmt)
        return cache[fmt]

    return get


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Join lines and spaces, as text wrapped in a PDF or slide is read back."""
    return re.sub(r"\s+", " ", text)


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_has_the_title_block_panels_definitions_and_page_numbers(files, snapshot):
    result = files("pdf")
    assert result.media_type == "application/pdf"
    assert result.filename == "shelfmark-overview-DEMO003-Apr-2024-Mar-2025.pdf"
    reader, text = pdf_text(result.content)
    flat = squash(text)
    n = len(reader.pages)
    for expected in (snapshot.title, SERVICE_NAME, "Acute trusts in the same region, size ≤ "
                     "15,000 WTE: 9 services", "Staffing, Finance", "Data as of",
                     "14 Apr 2025 09:30", "Demo data (synthetic)", snapshot.synthetic_notice,
                     "Hartwell Knowledge Services’ Board", "£645,600", "▲ +12.0% vs 2023/24",
                     *snapshot.footnotes, snapshot.messages[0], snapshot.url):
        assert squash(expected) in flat, expected
    for panel in snapshot.panels:
        assert squash(panel.title) in flat
        if panel.caption:
            assert squash(panel.caption) in flat
        for note in panel.notes:
            assert squash(note) in flat
    assert "No document supply figures were reported for 2024/25." in flat
    for d in snapshot.definitions:
        assert squash(d.definition) in flat, d.code
    for i, page in enumerate(reader.pages, start=1):
        assert f"Page {i} of {n}" in page.extract_text()
    assert reader.metadata.title == snapshot.title


def test_pdf_charts_are_vector_and_lie_inside_their_pages(files, snapshot):
    reader, text = pdf_text(files("pdf").content)
    # chart text is text: the bar labels and axis ticks of the drawn figures
    assert "£412,300 (64%)" in text and "Evidence searches" in text
    for i, page in enumerate(reader.pages):
        # no raster pictures but the logo: charts are merged as vector drawings
        assert len(page.images) == (1 if i == 0 else 0)
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (595.28, 841.89), abs=0.1)  # A4
    paper, placements = pdf.layout(snapshot)
    assert len(PdfReader(io.BytesIO(paper)).pages) == len(reader.pages)
    assert [p.key for p in placements] == [p.key for p in snapshot.panels if p.has_chart]
    _check_placements(placements)


def _check_placements(placements):
    bottom = pdf.PAGE_H - pdf.FOOTER_H
    for place in placements:
        assert pdf.MARGIN - 0.01 <= place.x and place.x + place.w <= pdf.PAGE_W - pdf.MARGIN + 0.01
        assert pdf.MARGIN - 0.01 <= place.y and place.y + place.h <= bottom, place
        assert place.w > 30 and place.h > 25
    for a in placements:  # no two charts overlap
        for b in placements:
            if a is not b and a.page == b.page:
                assert a.y + a.h <= b.y or b.y + b.h <= a.y


def test_pdf_pages_grow_with_panels_and_nothing_overflows():
    pages = []
    for n in (1, 4, 8, 16):
        paper, placements = pdf.layout(make_snapshot(n))
        pages.append(len(PdfReader(io.BytesIO(paper)).pages))
        assert len(placements) == n
        _check_placements(placements)
    assert pages == sorted(pages) and pages[0] < pages[-1]


def test_pdf_chart_taller_than_a_page_is_scaled_to_fit():
    snap = make_snapshot(2)
    tall = snap.panels[0]
    tall.figure = {**tall.figure, "layout": {**tall.figure["layout"], "height": 3000}}
    _, placements = pdf.layout(snap)
    _check_placements(placements)
    assert placements[0].h < pdf.PAGE_H - 2 * pdf.MARGIN


# --- PowerPoint --------------------------------------------------------------------------------


def _texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_pptx_has_a_title_slide_headlines_then_one_slide_per_panel(files, snapshot):
    result = files("pptx")
    deck = Presentation(io.BytesIO(result.content))
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    slides = list(deck.slides)
    headline_slides = math.ceil(len(snapshot.headlines) / HEADLINES_PER_SLIDE)
    first_panel = 1 + headline_slides
    reference = slides[first_panel + len(snapshot.panels):]
    assert reference, "definitions and notes close the deck"
    assert all(_texts(s).startswith("Definitions and notes") for s in reference)
    back = squash(" ".join(_texts(s) for s in reference))
    for d in snapshot.definitions:
        assert squash(d.definition) in back
    title = squash(_texts(slides[0]))
    for expected in (snapshot.title, SERVICE_NAME, "Peer group", "≤ 15,000 WTE",
                     "Data as of: 14 Apr 2025 09:30", "Source: Demo data (synthetic)",
                     snapshot.synthetic_notice, snapshot.organisation):
        assert squash(expected) in title, expected
    assert any(s.shape_type == 13 for s in slides[0].shapes)  # the logo picture
    headlines = _texts(slides[1])
    assert "Headline figures" in headlines
    for h in snapshot.headlines:
        assert h.label in headlines and h.value in headlines
    by_code = {d.code: d for d in snapshot.definitions}
    for slide, panel in zip(slides[first_panel:], snapshot.panels):
        text = _texts(slide)
        assert text.startswith(panel.title)
        assert panel.caption in text
        notes = slide.notes_slide.notes_text_frame.text
        for code in panel.metrics:
            if code in by_code:
                assert by_code[code].definition in notes
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        if panel.has_chart:
            assert len(pictures) == 1
            picture = pictures[0]
            with Image.open(io.BytesIO(picture.image.blob)) as image:
                assert image.size == (SLIDE_CHART_SIZE[0] * CHART_PNG_SCALE,
                                      SLIDE_CHART_SIZE[1] * CHART_PNG_SCALE)
                ratio = image.width / image.height
            assert picture.width / picture.height == pytest.approx(ratio, rel=0.01)
            assert picture.left >= 0 and picture.top >= 0
            assert picture.left + picture.width <= deck.slide_width
            assert picture.top + picture.height <= deck.slide_height - Inches(0.4)
            assert picture.width >= Inches(8)  # large enough to read
        else:
            assert not pictures
            assert panel.empty_message in text
    if len(reference) > 1:
        assert f"Definitions and notes (1 of {len(reference)})" in _texts(reference[0])


# --- PNG -------------------------------------------------------------------------------------


def test_png_is_the_whole_dashboard_in_one_image(files, snapshot, renderer):
    content = files("png").content
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG" and image.mode == "RGB"
    pngs = dict(zip([p.key for p in snapshot.panels if p.has_chart],
                    renderer.render([charts.untitled(p.figure) for p in snapshot.panels
                                     if p.has_chart], "png", scale=CHART_PNG_SCALE,
                                    width=CHART_PNG_WIDTH)))
    assert image.size == images.expected_size(snapshot, pngs)
    assert image.width == images.WIDTH and image.height > 3000
    # the synthetic notice band is drawn in its colour near the top
    colours = {image.getpixel((x, y)) for x in range(60, 400, 7) for y in range(150, 420, 3)}
    assert (255, 244, 194) in colours


def test_render_chart_gives_one_chart_at_the_asked_scale(renderer, snapshot):
    panel = snapshot.panels[2]
    png = render_chart(panel, "png", scale=2)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (CHART_PNG_WIDTH * 2, panel.figure["layout"]["height"] * 2)
    one = render_chart(panel, "pdf")
    page = PdfReader(io.BytesIO(one)).pages[0]
    assert panel.title in page.extract_text() and not page.images
    with pytest.raises(RenderError, match="No document supply figures"):
        render_chart(snapshot.panels[-1])


def test_wrap_keeps_lines_within_the_width():
    face = images.font(22)
    lines = images.wrap("Evidence searches rose 12% to 1,284 in 2024/25 " * 5, face, 400)
    assert len(lines) > 3 and all(face.getlength(line) <= 400 for line in lines)


# --- HTML ------------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.styles, self.tags, self.charts, self.scripts = [], [], [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "action", "poster", "data"):
            if name in attrs:
                self.urls.append(attrs[name])
        if "style" in attrs:
            self.styles.append(attrs["style"])
        if attrs.get("class") == "chart":
            self.charts.append(attrs)
        self._in = tag

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in = None


def test_html_is_standalone_escaped_and_interactive(files, snapshot):
    result = files("html")
    assert result.media_type == MEDIA_TYPES["html"]
    text = result.content.decode("utf-8")
    page = _Page()
    page.feed(text)
    for url in page.urls:  # only inline data, never the network
        assert not re.match(r"\s*(https?:)?//", url, re.I), url
    for style in page.styles:
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", style, re.I)
        assert "@import" not in style
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text and "alert(1)</script>" not in text
    assert page.tags.count("script") == 2  # plotly.js and the figures, both inline
    assert "plotly.js (cartesian - minified) v4.1.1" in page.scripts[0]
    assert "Plotly.newPlot" in page.scripts[1]
    charted = [p for p in snapshot.panels if p.has_chart]
    assert len(page.charts) == len(charted)
    for attrs, panel in zip(page.charts, charted):
        assert attrs["role"] == "img" and attrs["aria-label"] == panel.alt_text
    figures = json.loads(re.search(r"var figs=(\[.*?\]);var config", page.scripts[1]).group(1))
    assert len(figures) == len(charted)
    assert [f["data"][0]["type"] for f in figures] == [p.figure["data"][0]["type"]
                                                      for p in charted]
    assert text.count("<details>") == sum(1 for p in snapshot.panels if not p.table.empty)
    assert "Show data: Expenditure by category, 2024/25" in text
    for d in snapshot.definitions:
        assert html.escape(d.definition) in text
    assert "Demo data (synthetic): these services" in text
    assert "No document supply figures were reported" in text
    assert "Peer group" in text and "size ≤ 15,000 WTE" in text
    assert "data:image/png;base64," in text  # the logo, inline


def test_html_uses_the_full_plotly_bundle_only_for_other_trace_types():
    snap = make_snapshot(2)
    assert not needs_full_bundle(snap)
    snap.panels[0].figure = {"data": [{"type": "scatterpolar", "r": [1, 2], "theta": [0, 90]}],
                             "layout": {"height": 300}}
    assert needs_full_bundle(snap)


# --- XLSX ------------------------------------------------------------------------------------


def _sheet_rows(ws):
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_xlsx_has_about_headlines_a_sheet_per_panel_and_definitions(files, snapshot):
    book = load_workbook(io.BytesIO(files("xlsx").content))
    names = book.sheetnames
    assert names[:4] == ["About", "Headlines", "Evidence searches and training",
                         "Staff by band"] and names[-1] == "Definitions"
    assert len(names) == 3 + len(snapshot.panels)
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    about_rows = [row[:2] for row in _sheet_rows(book["About"]) if row[0]]
    about = dict(about_rows)
    labels = [label for label, _ in about_rows]
    assert labels.count("Service") == labels.count("Period") == 1  # no fact twice
    assert about["Service"] == SERVICE_NAME and about["Period"] == snapshot.period_label
    for label, value in snapshot.filters[2:]:  # the filters beyond service and period
        assert about[label] == value
    assert about["Service code"] == SERVICE_CODE
    assert about["Open this view in Shelfmark"] == snapshot.url
    assert about["Demo data"] == snapshot.synthetic_notice
    assert about["Source"] == "Demo data (synthetic)"
    assert about["Data as of"] == snapshot.data_as_of
    headlines = _sheet_rows(book["Headlines"])
    assert headlines[0][:6] == ["Measure", "Code", "Value", "Unit", "As shown", "Change"]
    assert [r[2] for r in headlines[1:]] == [h.number for h in snapshot.headlines]
    assert [r[4] for r in headlines[1:]] == [h.value for h in snapshot.headlines]
    assert [r[5] for r in headlines[1:3]] == ["▲ +12.0% vs 2023/24 (1,146)",
                                               "▼ −3.1% vs 2023/24 (£666,250)"]
    for name, panel in zip(names[2:-1], snapshot.panels):
        ws = book[name]
        rows = _sheet_rows(ws)
        assert rows[0] == list(panel.table.columns)
        assert ws.freeze_panes == "A2" and ws["A1"].font.bold
        assert len(rows) - 1 == len(panel.table)
        for got, want in zip(rows[1:], panel.table.itertuples(index=False, name=None)):
            for g, w in zip(got, want):
                if isinstance(w, float) and math.isnan(w) or w is None:
                    assert g is None
                elif isinstance(w, (int, float)):
                    assert isinstance(g, (int, float)) and g == w
                else:
                    assert unneutralise(g) == w
    first = book[names[2]]
    formula = [c for row in first.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert len(formula) == 1 and formula[0].value == "'" + FORMULA_CELL
    assert formula[0].data_type == "s"
    spend = book[names[4]]
    assert spend["B2"].number_format == "#,##0" and spend["C2"].number_format == "0.0%"
    definitions = _sheet_rows(book["Definitions"])
    assert [r[0] for r in definitions[1:]] == [d.code for d in snapshot.definitions]


def test_sheet_names_are_valid_and_unique():
    taken = {"about", "headlines", "definitions"}
    names = [tables.sheet_name(t, taken) for t in (
        "About", "Expenditure: staff [£] / e-resources * print? \\ other", "A" * 50, "A" * 50,
        "'Quoted'", "History", "")]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and name.lower() not in ("history", "about")


# --- CSV -------------------------------------------------------------------------------------


def test_csv_stacks_the_panels_rows_with_the_filters_on_every_row(files, snapshot):
    content = files("csv").content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    header = list(rows[0])
    assert header[0] == "Panel"
    context = tables.context_columns(snapshot)
    assert [name for name, _ in context] == header[-len(context):]
    assert {"Service code", "Service", "Period", "Peer group", "Categories"} <= set(header)
    for row in rows:
        for name, value in context:
            assert unneutralise(row[name]) == value
    for panel in snapshot.panels:
        mine = [r for r in rows if r["Panel"] == panel.title]
        if panel.table.empty:
            assert len(mine) == 1 and mine[0]["Note"] == panel.empty_message
            continue
        table = panel.table
        assert len(mine) == len(table)  # one CSV row per row of the panel's table
        for (_, want), got in zip(table.iterrows(), mine):
            for column in table.columns:
                value = want[column]
                if pd.isna(value):
                    assert got[str(column)] == ""
                elif isinstance(value, str):
                    assert unneutralise(got[str(column)]) == value
                else:
                    assert float(got[str(column)]) == value
        others = set(header) - {"Panel", "Note", *map(str, table.columns),
                                *(n for n, _ in context)}
        assert all(r[c] == "" for r in mine for c in others)
    formula = [r for r in rows if any("HYPERLINK" in v for v in r.values())]
    assert formula and all("'" + FORMULA_CELL in r.values() for r in formula)


# --- ZIP -------------------------------------------------------------------------------------


def test_zip_holds_every_format_the_charts_the_view_and_a_readme(files, snapshot):
    result = files("zip")
    archive = zipfile.ZipFile(io.BytesIO(result.content))
    names = archive.namelist()
    stem = snapshot.file_stem
    for fmt in ("pdf", "pptx", "png", "html", "xlsx", "csv"):
        assert f"{stem}.{fmt}" in names
    charted = [p for p in snapshot.panels if p.has_chart]
    chart_files = sorted(n for n in names if n.startswith("charts/"))
    assert chart_files == [f"charts/{i:02d}-{p.key}.png" for i, p in enumerate(charted, 1)]
    for name in chart_files:
        with Image.open(io.BytesIO(archive.read(name))) as image:
            assert image.width == CHART_PNG_WIDTH * CHART_PNG_SCALE
    assert json.loads(archive.read("view.json")) == snapshot.state
    assert archive.read("view.json").decode() == json.dumps(snapshot.state, indent=2)
    readme = archive.read("README.txt").decode("utf-8")
    for fmt in ("pdf", "pptx", "png", "html", "xlsx", "csv"):
        assert f"{stem}.{fmt}" in readme
    assert "view.json" in readme and "python -m dashboard snapshot --state view.json" in readme
    assert snapshot.url in readme
    _, text = pdf_text(archive.read(f"{stem}.pdf"))
    assert snapshot.title in text
    assert Presentation(io.BytesIO(archive.read(f"{stem}.pptx"))).slides
    assert archive.read(f"{stem}.csv") == files("csv").content
    assert archive.testzip() is None


class _CountingRenderer(charts.ChartRenderer):
    """The shared renderer's browser, counting the charts asked for."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.asked = []

    def submit(self, specs, on_done=None):
        self.asked.extend(s.fmt for s in specs)
        return self.inner.submit(specs, on_done)

    def wait(self, future):
        return self.inner.wait(future)


def test_a_bundle_draws_each_chart_once_per_kind(renderer):
    snap = make_snapshot(3)
    counting = _CountingRenderer(renderer)
    render(snap, "zip", renderer=counting)
    # vector charts for the PDF, PNGs for the image and chart files, slide-shaped PNGs
    assert sorted(counting.asked) == ["pdf"] * 3 + ["png"] * 6


# --- empty views, progress, failures --------------------------------------------------------


@pytest.mark.parametrize("fmt", SNAPSHOT_FORMATS)
def test_an_empty_snapshot_gives_a_file_that_says_so(renderer, fmt):
    snap = make_empty_snapshot()
    message = snap.empty_message
    result = render(snap, fmt)
    assert result.filename.endswith("." + fmt) and result.content
    content = result.content
    if fmt == "pdf":
        _, text = pdf_text(content)
        assert message in squash(text) and "Page 1 of 1" in text
    elif fmt == "pptx":
        deck = Presentation(io.BytesIO(content))
        assert any(message in _texts(s) for s in deck.slides)
    elif fmt == "png":
        assert Image.open(io.BytesIO(content)).width == images.WIDTH
    elif fmt == "html":
        assert message in content.decode() and "<script" not in content.decode()
    elif fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames == ["About", "Headlines", "Definitions"]
        assert message in [r[1] for r in _sheet_rows(book["About"])]
    elif fmt == "csv":
        assert message in content.decode("utf-8-sig")
    else:
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert "view.json" in names and not any(n.startswith("charts/") for n in names)


def test_progress_advances_to_done(renderer):
    seen = []
    render(make_snapshot(3), "pdf", progress=lambda stage, fraction: seen.append((stage, fraction)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1][0] == "Done"
    assert any(stage.startswith("Drawing charts (3 of 3)") for stage, _ in seen)


def test_unknown_format_is_refused():
    with pytest.raises(RenderError, match="Unknown snapshot format 'docx'"):
        render(make_snapshot(1), "docx")


class _BrokenRenderer(charts.ChartRenderer):
    def start(self):
        raise charts.ChartError("Charts could not be drawn: Chromium was not found at /nowhere.")


def test_a_failing_chart_renderer_gives_a_clear_error_and_no_file():
    broken = _BrokenRenderer()
    for fmt in ("pdf", "pptx", "png", "zip"):
        with pytest.raises(RenderError, match="Chromium was not found at /nowhere"):
            render(make_snapshot(2), fmt, renderer=broken)
    # formats without chart images do not need the browser
    for fmt in ("html", "xlsx", "csv"):
        assert render(make_snapshot(2), fmt, renderer=broken).content


def test_browser_path_pointing_nowhere_says_where_it_looked(tmp_path):
    script = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from snapshot_fixtures import make_snapshot\n"
        "from dashboard.snapshot.render import render, RenderError\n"
        "try:\n"
        "    render(make_snapshot(1), 'pdf')\n"
        "except RenderError as e:\n"
        "    print('ERROR:', e)\n")
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-chromium")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (f"ERROR: Charts could not be drawn: Chromium was not found at "
            f"{tmp_path / 'no-chromium'} (the BROWSER_PATH setting)") in done.stdout


def test_renderer_is_shared_safely_between_threads(renderer):
    panel = make_snapshot(1).panels[0]
    results, errors = [], []

    def draw():
        try:
            results.append(render_chart(panel, "png", scale=1))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 4
    assert charts.renderer() is renderer and renderer.running


def test_export_figures_keep_the_dashboard_theme():
    bare = charts.prepare_figure({"data": [{"type": "bar", "y": [1]}], "layout": {}})
    assert bare["layout"]["template"]["layout"]["colorway"][0] == "#0072B2"
    assert (bare["layout"]["width"], bare["layout"]["height"]) == (charts.DEFAULT_WIDTH,
                                                                  charts.DEFAULT_HEIGHT)
    panel = make_snapshot(1).panels[0]
    plain = charts.untitled(panel.figure)
    assert plain["layout"]["title"]["text"] == "" and panel.figure["layout"]["title"]["text"]


def test_snapshot_panel_without_figure_is_not_charted():
    panel = SnapshotPanel("k", "T", "", "", None, pd.DataFrame())
    assert not panel.has_chart


def test_a_figure_plotly_refuses_names_its_panel_and_keeps_the_browser(renderer):
    snap = make_snapshot(2)
    snap.panels[1].figure = {"data": [None], "layout": {"height": 300}}
    with pytest.raises(RenderError, match="the chart “Staff by band, 2024/25” failed"):
        render(snap, "pdf")
    assert renderer.running  # a bad figure is no reason to restart Chromium
    assert render(make_snapshot(1), "png").content


def test_a_named_template_is_looked_up():
    figure = charts.prepare_figure({"data": [], "layout": {"template": "shelfmark"}})
    assert figure["layout"]["template"]["layout"]["font"]["family"].startswith("Arial")


def test_many_headlines_and_long_definitions_split_across_slides(renderer):
    from dataclasses import replace

    from dashboard.snapshot.model import Definition
    from dashboard.snapshot.slides import DEFINITION_LINES, DEFINITION_SIZE, _lines

    snap = make_snapshot(2)
    snap.headlines = [replace(snap.headlines[0], label=f"Measure {i}") for i in range(25)]
    snap.definitions = [Definition(f"m{i}", f"Measure {i}", "A long definition. " * (5 + i % 9))
                        for i in range(30)]
    deck = Presentation(io.BytesIO(render(snap, "pptx", renderer=renderer).content))
    texts = [_texts(s) for s in deck.slides]
    headline_slides = [t for t in texts if t.startswith("Headline figures")]
    assert len(headline_slides) == 4 and "(4 of 4)" in headline_slides[-1]
    assert all(t.count("Measure ") <= HEADLINES_PER_SLIDE for t in headline_slides)
    reference = [s for s in deck.slides if _texts(s).startswith("Definitions and notes")]
    assert len(reference) >= 3
    for slide in reference:
        columns = [s for s in slide.shapes if s.has_text_frame
                   and s.text_frame.text and not s.text_frame.text.startswith("Definitions")
                   and s.top < Inches(6.9)]
        for column in columns:
            width = (column.width - Inches(0.16)) / 914400
            lines = sum(_lines(p.text, DEFINITION_SIZE, width - 0.04)
                        for p in column.text_frame.paragraphs if p.text)
            assert lines <= DEFINITION_LINES + 0.5
    found = " ".join(_texts(s) for s in reference)
    for d in snap.definitions:
        assert d.name in found
