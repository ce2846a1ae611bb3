"""Presentation mode (/present): the slides a view makes, through Dash's pages router, hostile
links, the projector theme for charts and the slide planner.

Expected slides are derived from the snapshot of the same view (built independently with
dashboard.snapshot.build), never written down here: one title slide, the headline figures in
order across the headline slides, one slide per panel in order, and closing slides that
between them define every measure shown.
"""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.figures.executive import make_change_figure
from dashboard.figures.presentation import presentation_figure
from dashboard.figures.theme import PALETTE, TEMPLATE, contrast_ratio
from dashboard.presentation import (HALF, HEADLINES_PER_SLIDE, QUARTER, Slide, chunk_evenly,
                                    definition_pages, headline_plan, plan_slides,
                                    slide_number, tile_fits)
from dashboard.snapshot.model import Definition, Headline
from layouts import ids
from layouts.present import present_href
from conftest import app_client, make_demo_app

SERVICE = "DEMO003"
VIEWS = {  # page kind -> the query a manager would present from
    "overview": {"service": SERVICE},
    "finance": {"service": SERVICE, "from": "2024-04", "to": "2025-03", "granularity": "month"},
    "benchmark": {"service": SERVICE, "fy": "2024", "peers": "sector:=;source:="},
    "executive": {"service": SERVICE, "peers": "sector:=;source:="},
}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return make_demo_app(tmp_path_factory, "present-app", 12, years=2, BENCHMARK_MIN_PEERS=5)


@pytest.fixture(scope="module")
def client(demo_app):
    return app_client(demo_app)


def route_response(client, search: str, path: str = "/present"):
    """Ask the pages router for a path and query string; return the raw response."""
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.search"], "state": [],
    }
    return client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type="application/json")


def route(client, search: str) -> dict:
    """Return the layout JSON of /present for a query string (asserting a clean 200)."""
    response = route_response(client, search)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Traceback" not in response.get_data(as_text=True)
    return response.get_json()["response"]["_pages_content"]["children"]


def walk(tree):
    """Yield every component (dict with type and props) of a layout's JSON."""
    if isinstance(tree, dict):
        if "props" in tree:
            yield tree
            for value in tree["props"].values():
                yield from walk(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk(item)


def text_of(tree) -> str:
    """Return the visible text of a layout's JSON (strings among children), joined."""
    parts = []

    def collect(node):
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, list):
            for item in node:
                collect(item)
        elif isinstance(node, dict) and "props" in node:
            collect(node["props"].get("children"))

    collect(tree)
    return " ".join(parts)


def sections(tree) -> list[dict]:
    return [c for c in walk(tree) if c.get("type") == "Section"]


def kind(section: dict) -> str:
    return next(k for k in section["props"]["className"].split()
                if k.startswith("present-slide-")).removeprefix("present-slide-")


def by_id(tree, component_id: str) -> dict | None:
    return next((c for c in walk(tree) if c["props"].get("id") == component_id), None)


def snapshot_for(demo_app, page: str, query: dict):
    """Build the view's snapshot directly, as the page does, for the expected slides."""
    from dashboard import context
    from dashboard.snapshot.build import build_snapshot

    with demo_app.server.test_request_context("/"):
        return build_snapshot(context.current(), context.current_viewer(), page, query)


def search_for(page: str, query: dict) -> str:
    return "?" + present_href(page, "&".join(f"{k}={v}" for k, v in query.items())) \
        .split("?", 1)[1]


# --- the slides of each kind of view --------------------------------------------------------

@pytest.mark.parametrize("page", list(VIEWS))
def test_slides_follow_the_snapshot(client, demo_app, page):
    snapshot = snapshot_for(demo_app, page, VIEWS[page])
    assert snapshot.headlines and snapshot.definitions and \
        any(panel.has_chart for panel in snapshot.panels), \
        "the demo view should have something of each kind to present"
    tree = route(client, search_for(page, VIEWS[page]))
    slides = sections(tree)
    kinds = [kind(s) for s in slides]
    headline_slides = [s for s in slides if kind(s) == "headlines"]
    definition_slides = [s for s in slides if kind(s) == "definitions"]
    panel_slides = [s for s in slides if kind(s) == "panel"]
    # 1 title + headline slides + one per panel + closing slides, in that order.
    assert len(slides) == 1 + len(headline_slides) + len(snapshot.panels) + \
        len(definition_slides)
    assert kinds == (["title"] + ["headlines"] * len(headline_slides)
                     + ["panel"] * len(snapshot.panels) + ["definitions"] * len(definition_slides))
    # Every headline once, in order, never more than about six to a slide.
    shown = []
    for s in headline_slides:
        labels = [text_of(c) for c in walk(s) if c.get("type") == "H3"]
        assert 1 <= len(labels) <= 6
        shown += labels
    assert shown == [h.label for h in snapshot.headlines]
    assert len(headline_slides) == math.ceil(len(snapshot.headlines)
                                             / max(len([c for c in walk(s)
                                                        if c.get("type") == "H3"])
                                                   for s in headline_slides))
    # One slide per panel: its title as the heading, its caption, its chart or its message.
    for section, panel in zip(panel_slides, snapshot.panels):
        heading = next(c for c in walk(section) if c.get("type") == "H2")
        assert text_of(heading) == panel.title
        assert section["props"]["aria-label"].endswith(f": {panel.title}")
        text = text_of(section)
        if panel.has_chart:
            assert panel.caption in text
            chart = next(c for c in walk(section) if c["props"].get("role") == "img")
            assert chart["props"]["aria-label"] == panel.alt_text
            graph = next(c for c in walk(chart) if c.get("type") == "Graph")
            assert len(graph["props"]["figure"]["data"]) == len(panel.figure["data"])
            table = next(c for c in walk(section) if c.get("type") == "Table")
            assert f"Figures in the chart: {panel.title}" in text_of(table)
        else:
            assert panel.empty_message in text
    # The closing slides define every measure shown, each once, and carry the method notes.
    closing = " ".join(text_of(s) for s in definition_slides)
    for definition in snapshot.definitions:
        assert closing.count(definition.name) >= 1
        assert definition.definition in closing
    names = [text_of(c) for s in definition_slides for c in walk(s) if c.get("type") == "Dt"]
    assert len(names) == len(snapshot.definitions)
    for note in snapshot.footnotes:
        assert note in closing
    # The title slide: title, service, filters in words, data as of, source, demo notice.
    title = text_of(slides[0])
    assert snapshot.title in title and snapshot.service_name in title
    assert snapshot.service_code in title
    for label, value in snapshot.filters:
        assert value in title or label == "Library service"
    assert snapshot.as_of_text in title and snapshot.source in title
    assert "Demo data (synthetic)" in title and snapshot.synthetic
    # Exit goes back to the page presented, with its filters.
    assert by_id(tree, ids.PRESENT_EXIT)["props"]["href"] == snapshot.url
    assert by_id(tree, ids.PRESENT_DECK)["props"]["data"] == {
        "count": len(slides), "current": 1, "exit": snapshot.url}


def test_only_the_linked_slide_is_shown_first(client):
    tree = route(client, search_for("finance", VIEWS["finance"]) + "&slide=3")
    shown = [s["props"]["data-number"] for s in sections(tree) if not s["props"]["hidden"]]
    assert shown == ["3"]
    assert text_of(by_id(tree, ids.PRESENT_COUNTER)) == f"3 / {len(sections(tree))}"
    assert by_id(tree, ids.PRESENT_PREV)["props"]["disabled"] is False


@pytest.mark.parametrize("raw, expected", [("abc", 1), ("-5", 1), ("0", 1), ("1e3", 1),
                                           ("99999", "last"), ("2", 2), ("", 1)])
def test_bad_slide_numbers_are_read_safely(client, raw, expected):
    tree = route(client, search_for("finance", VIEWS["finance"]) + f"&slide={raw}")
    slides = sections(tree)
    number = len(slides) if expected == "last" else expected
    assert [s["props"]["data-number"] for s in slides if not s["props"]["hidden"]] == \
        [str(number)]


def test_charts_are_re_themed_for_projection(client, demo_app):
    tree = route(client, search_for("finance", VIEWS["finance"]))
    graphs = [c for c in walk(tree) if c.get("type") == "Graph"]
    assert graphs
    for graph in graphs:
        layout = graph["props"]["figure"]["layout"]
        assert layout["font"]["size"] >= 20
        assert layout["xaxis"]["tickfont"]["size"] >= 20
        assert graph["props"]["responsive"] is True
        assert graph["props"]["config"]["displayModeBar"] is False
        assert graph["props"]["id"].startswith(ids.PRESENT_GRAPH + "-")


# --- links that are wrong or hostile ---------------------------------------------------------

@pytest.mark.parametrize("search, says", [
    ("", "does not say which page to present"),
    ("?page=", "does not say which page to present"),
    ("?page=nonsense", "no page called 'nonsense'"),
    ("?page=../../etc", "no page called '../../etc'"),
    ("?page=%2Fetc%2Fpasswd&service=DEMO001", "no page called '/etc/passwd'"),
    ("?page=" + "x" * 10_000, "no page called 'xxxxxxxx"),
    ("?page=<script>alert(1)</script>", "no page called '<script>alert(1)</script>'"),
    ("?page=finance&page=staffing", None),
])
def test_unknown_or_hostile_pages_get_a_clear_slide(client, search, says):
    response = route_response(client, search)
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "Traceback" not in raw
    tree = response.get_json()["response"]["_pages_content"]["children"]
    slides = sections(tree)
    if says is None:  # a repeated page: the first is presented
        assert text_of(slides[0]).startswith("Finance")
        return
    assert len(slides) == 1
    text = text_of(slides[0])
    assert "This presentation cannot be shown" in text and says in text
    assert "overview, staffing, finance, activity, impact, benchmark, executive" in text \
        or "does not say" in text
    assert len(text) < 600  # a 10 kB value is not echoed back
    assert by_id(tree, ids.PRESENT_EXIT)["props"]["href"] == "/"


@pytest.mark.parametrize("query, message", [
    ({"service": "NOPE"}, "No service with code 'NOPE' is available"),
    ({"service": "DEMO001' OR '1'='1"}, "not valid"),
    ({"service": "D" * 10_000, "granularity": "g" * 10_000}, None),
    ({"service": SERVICE, "from": "2024-99", "granularity": "decade"}, "granularity"),
])
def test_bad_filter_values_are_said_on_the_title_slide(client, query, message):
    search = "?page=staffing&" + "&".join(f"{k}={v}" for k, v in query.items())
    response = route_response(client, search)
    assert response.status_code == 200
    assert "Traceback" not in response.get_data(as_text=True)
    tree = response.get_json()["response"]["_pages_content"]["children"]
    slides = sections(tree)
    assert len(slides) > 2  # the first service is presented instead
    title = text_of(slides[0])
    if message:
        assert "Some values in the link were not used" in title and message in title
    assert "D" * 200 not in json.dumps(tree)


def test_bad_benchmark_and_executive_values(client):
    for search in ("?page=benchmark&service=DEMO001&fy=3000&peers=size:q999;;&per=lots",
                   "?page=executive&service=DEMO001&from=1999-01&to=1999-02&peers=%00"):
        response = route_response(client, search)
        assert response.status_code == 200
        assert "Traceback" not in response.get_data(as_text=True)
        tree = response.get_json()["response"]["_pages_content"]["children"]
        assert sections(tree)


# --- the address that opens a presentation ------------------------------------------------------

def test_present_href_keeps_the_page_query():
    assert present_href("finance", "?service=DEMO003&from=2024-04&to=2025-03") == \
        "/present?page=finance&service=DEMO003&from=2024-04&to=2025-03"
    assert present_href("overview", "") == "/present?page=overview"
    assert present_href("benchmark", "service=X1&peers=sector%3A%3D%3Bsize%3Aq5") == \
        "/present?page=benchmark&service=X1&peers=sector%3A%3D%3Bsize%3Aq5"
    # A page or slide already in the query never overrides the one being presented.
    assert present_href("impact", "?page=finance&slide=4&service=A") == \
        "/present?page=impact&service=A"


@pytest.mark.parametrize("page", list(VIEWS))
def test_present_href_round_trip_exits_to_the_same_view(client, demo_app, page):
    snapshot = snapshot_for(demo_app, page, VIEWS[page])
    page_query = urlsplit(snapshot.url).query
    href = present_href(page, "?" + page_query)
    tree = route(client, "?" + urlsplit(href).query)
    exit_href = by_id(tree, ids.PRESENT_EXIT)["props"]["href"]
    assert urlsplit(exit_href).path == urlsplit(snapshot.url).path
    assert parse_qs(urlsplit(exit_href).query) == parse_qs(page_query)


# --- the organisation's logo -----------------------------------------------------------------

def test_logo_is_served_only_when_configured(client, tmp_path):
    assert client.get("/branding/logo").status_code == 404
    from app import create_app

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05"
           b"\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
    logo = tmp_path / "logo.png"
    logo.write_bytes(png)
    db_url = client.application.extensions["shelfmark"].db.url
    app = create_app({"DATABASE_URL": db_url, "CACHE_TYPE": "NullCache",
                      "ORGANISATION_NAME": "Aldermere NHS Trust",
                      "ORGANISATION_LOGO": str(logo)})
    other = app.server.test_client()
    response = other.get("/branding/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data == png
    other.get("/")
    tree = route(other, "?page=overview")
    title = sections(tree)[0]
    assert "Aldermere NHS Trust" in text_of(title)
    image = next(c for c in walk(title) if c.get("type") == "Img")
    assert image["props"]["src"] == "/branding/logo" and image["props"]["alt"]
    # Nothing else is served through it.
    for path in ("/branding/logo/../../app.py", "/branding/logo?path=app.py",
                 "/branding/logo/%2e%2e/app.py"):
        assert b"create_app" not in other.get(path).data


# --- the projector theme for charts -----------------------------------------------------------

def _arrays(figure: dict) -> list:
    keys = ("x", "y", "q1", "median", "q3", "lowerfence", "upperfence", "customdata", "text")
    return [[trace.get(k) for k in keys] for trace in figure["data"]]


def _colours(figure: dict) -> list:
    return [json.dumps((trace.get("marker") or {}).get("color")) for trace in figure["data"]]


def _font_sizes(figure: dict) -> list[float]:
    layout = figure["layout"]
    sizes = [layout["font"]["size"], layout["legend"]["font"]["size"],
             layout["hoverlabel"]["font"]["size"], layout["xaxis"]["tickfont"]["size"]]
    if layout["yaxis"].get("dtick") != 1:  # see test_crowded_rows_are_all_named
        sizes.append(layout["yaxis"]["tickfont"]["size"])
    return sizes


@pytest.mark.parametrize("page", list(VIEWS))
def test_presentation_figure_enlarges_type_and_keeps_the_data(demo_app, page):
    base = TEMPLATE.layout
    smallest_before = max(base.font.size, base.legend.font.size, base.title.font.size)
    snapshot = snapshot_for(demo_app, page, VIEWS[page])
    figures = [p.figure for p in snapshot.panels if p.has_chart]
    assert figures
    for figure in figures:
        before = json.dumps(figure, sort_keys=True)
        shown = presentation_figure(figure, height=600)
        assert json.dumps(figure, sort_keys=True) == before  # a copy: the input is untouched
        assert _arrays(shown) == _arrays(figure)
        assert _colours(shown) == _colours(figure)
        assert len(shown["data"]) == len(figure["data"])
        assert shown["layout"]["height"] == 600
        assert min(_font_sizes(shown)) > smallest_before
        assert shown["layout"]["title"]["font"]["size"] > base.title.font.size
        assert shown["layout"]["title"]["text"] == figure["layout"]["title"]["text"]
        for trace, original in zip(shown["data"], figure["data"]):
            width = ((original.get("line") or {}).get("width"))
            if isinstance(width, (int, float)) and width > 0:
                assert trace["line"]["width"] > width
            size = (original.get("marker") or {}).get("size")
            if isinstance(size, (int, float)):
                assert trace["marker"]["size"] > size
            font = trace.get("textfont") or {}
            if font.get("color"):
                assert contrast_ratio(font["color"]) >= 7
        for key in ("xaxis", "yaxis"):
            axis = shown["layout"][key]
            assert contrast_ratio(axis["gridcolor"]) > contrast_ratio("#d8dde0")
            assert axis["gridwidth"] >= 1.5
        for note in shown["layout"].get("annotations") or []:
            assert contrast_ratio(note["font"]["color"]) >= 7
        untitled = presentation_figure(figure, show_title=False)
        assert untitled["layout"]["title"]["text"] == ""
        assert _arrays(untitled) == _arrays(figure)


def test_crowded_rows_are_all_named():
    """25 named rows in a slide's chart are too close for 20 px labels: every row keeps its
    label, in type just small enough to fit; a few rows keep the large type."""
    from dashboard.figures.benchmarking import make_league_figure

    def league(n):
        return make_league_figure([{"label": f"Measure {i}", "min": 0, "q1": 2, "median": 5,
                                    "q3": 7, "max": 10, "own": i % 10, "band": "middle",
                                    "reverse": False} for i in range(n)], "League")

    crowded = presentation_figure(league(25), height=440)
    yaxis = crowded["layout"]["yaxis"]
    assert (yaxis["tickmode"], yaxis["dtick"]) == ("linear", 1)
    assert 12 <= yaxis["tickfont"]["size"] < 20
    assert crowded["data"][0]["y"] == league(25)["data"][0]["y"]
    roomy = presentation_figure(league(5), height=440)
    assert roomy["layout"]["yaxis"]["tickfont"]["size"] == 20
    assert "dtick" not in roomy["layout"]["yaxis"]


def test_presentation_figure_keeps_the_palette():
    rows = [{"label": "A", "pct": 5.0, "assessment": "good", "text": "+5%"},
            {"label": "B", "pct": -3.0, "assessment": "bad", "text": "-3%"}]
    figure = make_change_figure(rows, "Change")
    shown = presentation_figure(figure)
    assert shown["data"][0]["marker"]["color"] == figure["data"][0]["marker"]["color"]
    assert shown["layout"]["template"]["layout"]["colorway"] == PALETTE


def test_contrast_ratio():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#fff") == pytest.approx(1)
    assert contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("rgba(0,0,0,0.5)") is None


# --- the slide planner ------------------------------------------------------------------------

def test_chunk_evenly():
    assert [len(r) for r in chunk_evenly(list(range(10)), 4)] == [4, 3, 3]
    assert [len(r) for r in chunk_evenly(list(range(8)), 4)] == [4, 4]
    assert [len(r) for r in chunk_evenly(list(range(5)), 2)] == [2, 2, 1]
    assert chunk_evenly([], 4) == []
    assert [i for run in chunk_evenly(list(range(25)), 4) for i in run] == list(range(25))


def test_definition_pages_share_everything_once():
    definitions = [Definition(f"m{i}", f"Measure {i}", "word " * (5 + 9 * i), "WTE")
                   for i in range(12)]
    notes = ("Quartiles are computed one way.", "Missing months are never zero.")
    pages = definition_pages(definitions, notes)
    assert len(pages) > 1
    assert [d for defs, _ in pages for d in defs] == definitions
    assert [n for _, ns in pages for n in ns] == list(notes)
    one = definition_pages(definitions[:1])
    assert one == [((definitions[0],), ())]


def test_slide_number():
    assert slide_number("3", 9) == 3
    assert slide_number(["4", "5"], 9) == 4
    assert slide_number("12", 9) == 9
    for junk in (None, "", "0", "-1", "abc", "3.5", "1" * 50, True, {"a": 1}):
        assert slide_number(junk, 9) == 1


def _headline(caption_words: int, details: int = 0) -> Headline:
    return Headline("searches", "Literature/evidence searches", "1,204",
                    "+12.0% vs 2023/24 (1,075)", "good", "word " * caption_words,
                    "search", tuple(f"Detail line number {i}" for i in range(details)))


def test_headline_plan_gives_long_words_more_room():
    short = [_headline(12, 1) for _ in range(10)]
    assert headline_plan(short) == (HEADLINES_PER_SLIDE, True)
    long = [_headline(45, 3) for _ in range(6)]
    per_slide, details = headline_plan(long)
    assert per_slide < HEADLINES_PER_SLIDE
    assert all(tile_fits(h, HALF if per_slide == 2 else QUARTER, details=details) for h in long)
    many = [_headline(40, 6) for _ in range(25)]
    per_slide, details = headline_plan(many)
    assert details is False  # 13 slides of two would be too many: the detail lines go
    assert not tile_fits(_headline(400), HALF)


def test_plan_for_an_empty_view():
    from dashboard.snapshot.model import Snapshot

    snapshot = Snapshot(title="Finance", page="finance", url="/finance", state={},
                        empty_message="No figures for 2010/11.")
    slides = plan_slides(snapshot)
    assert [s.kind for s in slides] == ["title", "message"]
    assert slides[1].message == "No figures for 2010/11."
    assert isinstance(slides[0], Slide)
