"""Browser tests of the Benchmark page (/benchmark) in headless Chromium.

A manager builds a peer group by attributes, switches the normalisation, sees their service
highlighted and the rank change; the URL reproduces the view. Peers of the synthetic demo data
(not a published source) must stay anonymous everywhere the page shows them.

The app, the database and Chromium come from the fixtures of tests/test_browser.py (the demo
data seeded with seed 20240401 and 8 NHS services), imported here: pytest gives this module
its own instance of the session-scoped `base_url` (a second server on an identically seeded
database). Expected figures are read from that database or from the page itself, never
written down here.
"""

from __future__ import annotations

import csv
import io
import math
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from accessibility import assert_accessible
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS
from dashboard.db.services import get_service, list_services
from layouts import ids
from test_browser import (SCREENSHOTS, SERVED, base_url,  # noqa: F401 (fixtures reused)
                          browser_type_launch_args, watched_page)

pytestmark = pytest.mark.browser

OWN = "DEMO001"  # the demo's first service, as in test_browser.py
SIMILAR = "sector:=;source:="  # every NHS service of the demo return, any size
PEER_LABEL = re.compile(r"^Peer [A-Z]{1,3}$")
OWN_LABEL = "This service"
RANK = re.compile(r"^(\d[\d,]*)(?:st|nd|rd|th) of (\d[\d,]*), (higher is better|lower is better|"
                  r"no better direction)$")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(base_url):
    """The served database's services by code (names, types and populations to check against)."""
    db = Database(SERVED["database_url"])
    try:
        services = {s.code: s for s in list_services(db, ANONYMOUS)}
        own = get_service(db, ANONYMOUS, OWN)
    finally:
        db.dispose()
    assert own is not None and len(services) >= 6, "the browser fixture's demo data changed"
    return {"services": services, "own": own}


def benchmark_url(base_url: str, **query) -> str:
    """Return a Benchmark address; peers text is given in its link form (`=` sent as %3D)."""
    parts = [f"{k}={quote(str(v), safe=':;,.')}" if k == "peers" else f"{k}={quote(str(v))}"
             for k, v in query.items()]
    return f"{base_url}/benchmark" + ("?" + "&".join(parts) if parts else "")


def url_state(page) -> dict[str, str]:
    """Return the page address's query as a dict of single values (decoded)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def peer_parts(peers: str) -> set[str]:
    return {p for p in peers.split(";") if p}


def wait_view(page) -> None:
    """Wait until the Benchmark content shown is the one for the current address and drawn.

    The CSV link carries the state the content was built from; the address bar is set to the
    same state (by the page's own callback), so equality says the content is current. Every
    chart present must have drawn, the league table must have rows, and nothing is loading.
    """
    page.wait_for_function(
        """() => {
            const c = document.getElementById('benchmark-content');
            const link = c && c.querySelector('a[href^="/download/benchmark"]');
            if (!link || !c.querySelector('#benchmark-group')) return false;
            const search = link.getAttribute('href').replace('/download/benchmark', '')
                .replace(/&format=csv$/, '');
            if (search !== window.location.search) return false;
            for (const id of ['benchmark-distribution', 'benchmark-ranked', 'benchmark-trend']) {
                const g = document.getElementById(id);
                if (g && !g.querySelector('.main-svg')) return false;
            }
            return document.querySelectorAll('#benchmark-league .ag-row').length > 0;
        }""", timeout=20000)
    page.wait_for_load_state("networkidle")
    page.locator("#benchmark-group").wait_for(state="visible")


def open_view(page, url: str) -> None:
    page.goto(url)
    wait_view(page)


def change_and_wait(page, action) -> None:
    """Do something that navigates to a new state; wait for its address and its content."""
    before = page.evaluate("window.location.search")
    action()
    page.wait_for_function("(before) => window.location.search !== before", arg=before,
                           timeout=20000)
    wait_view(page)


def choose(page, dropdown_id: str, label: str) -> None:
    """Pick an option of a Dash 4 dropdown by its visible label."""
    page.locator(f"#{dropdown_id}").click()
    page.locator(".dash-dropdown-option").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()


def group_text(page) -> str:
    return page.locator("#benchmark-group").inner_text()


def group_size(page) -> int:
    """Return N of the description's closing ': N services.' and check the members list agrees."""
    match = re.search(r": ([\d,]+) services?\.$", group_text(page))
    assert match, group_text(page)
    n = int(match.group(1).replace(",", ""))
    members = page.locator("#benchmark-members summary").inner_text()
    assert members == f"Who is in this group ({n:,})", members
    return n


def min_peers(page) -> int:
    """The app's minimum number of peers with data, as its footer states it."""
    text = page.locator(".page-footer").inner_text()
    match = re.search(r"fewer than (\d+) peers have data", text)
    assert match, text
    return int(match.group(1))


def tiles(page) -> dict[str, str]:
    """Return the summary tiles as {label: value}."""
    return dict(page.evaluate(
        """() => [...document.querySelectorAll('#benchmark-summary .count-tile')].map(
            t => [t.querySelector('.count-label').innerText.trim(),
                  t.querySelector('.count-value').innerText.trim()])"""))


def number(text: str) -> float:
    """Read a displayed figure ('1,390', '12.6 WTE', '£567', '51.7%', '1:1,454')."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", text.split(":")[-1])
    assert match, text
    return float(match.group(0).replace(",", ""))


def close(a: float, b: float) -> bool:
    """Equal to display precision (tiles show about three significant figures)."""
    return math.isclose(a, b, rel_tol=0.01, abs_tol=0.01)


def figure(page, graph_id: str) -> dict:
    """Return a drawn chart's traces and annotations as plain JSON (typed arrays decoded)."""
    return page.evaluate(
        """(id) => {
            const g = document.getElementById(id).querySelector('.js-plotly-plot');
            const plain = (v) => (v && typeof v === 'object' && ArrayBuffer.isView(v))
                ? Array.from(v) : v;
            return {
                data: g.data.map(t => ({
                    type: t.type, name: t.name === undefined ? null : t.name,
                    x: plain(t.x) || null, y: plain(t.y) || null,
                    text: plain(t.text) || null, hovertext: plain(t.hovertext) || null,
                    hovertemplate: t.hovertemplate || null,
                    customdata: plain(t.customdata) || null,
                    marker: t.marker ? {color: plain(t.marker.color) || null,
                                        symbol: t.marker.symbol || null} : null})),
                annotations: (g.layout.annotations || []).map(a => a.text),
                title: g.layout.title && g.layout.title.text,
            };
        }""", graph_id)


def strings(value) -> list[str]:
    """Every string inside nested lists and dicts."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def ranked(page) -> tuple[list[str], list[float]]:
    """Return the ranked chart's bar labels and values, best first."""
    [trace] = figure(page, "benchmark-ranked")["data"]
    assert trace["type"] == "bar"
    return trace["y"][::-1], [float(v) for v in trace["x"][::-1]]  # drawn bottom-up


def check_rank_against_chart(page) -> tuple[int, int]:
    """The Rank tile must say where the highlighted bar stands among the charted values
    (1 = best, ties sharing), and of how many; return (rank, of)."""
    text = tiles(page)["Rank"]
    match = RANK.match(text)
    assert match, text
    rank, of = int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))
    labels, values = ranked(page)
    assert labels.count(OWN_LABEL) == 1, labels
    own = values[labels.index(OWN_LABEL)]
    peers = [v for label, v in zip(labels, values) if label != OWN_LABEL]
    better = [v for v in peers if (v < own if match.group(3) == "lower is better" else v > own)]
    assert (rank, of) == (len(better) + 1, len(peers) + 1), (text, labels, values)
    assert close(own, number(tiles(page)["Own value"])), (own, tiles(page))
    return rank, of


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_build_group_by_attributes(watched_page, base_url, demo):
    page = watched_page
    own, services = demo["own"], demo["services"]
    open_view(page, benchmark_url(base_url, service=OWN))
    minimum = min_peers(page)
    # The first group: the same sector and national return, the same population fifth.
    assert peer_parts(url_state(page)["peers"]) == {"sector:=", "source:=", "size:q5"}
    assert page.locator(f"#{ids.BENCHMARK_SIZE}").inner_text().strip() == "Same fifth"
    assert "same population quintile" in group_text(page)
    fifth = group_size(page)

    # Any size: every other service of the same sector and return.
    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_SIZE, "Any size"))
    assert peer_parts(url_state(page)["peers"]) == {"sector:=", "source:="}
    text = group_text(page)
    assert "quintile" not in text and "in the same national return as yours" in text
    everyone = [s for s in services.values()
                if s.sector == own.sector and s.source_code == own.source_code and s.code != OWN]
    assert group_size(page) == len(everyone) != fifth
    assert len(everyone) >= minimum  # so the charts are shown
    assert page.locator("#benchmark-withheld").count() == 0
    assert page.locator("#benchmark-summary").is_visible()

    # Tick "Same type of organisation": only services of the own type remain.
    change_and_wait(page, lambda: page.get_by_label("Same type of organisation", exact=True).click())
    assert peer_parts(url_state(page)["peers"]) == {"sector:=", "source:=", "org_type:="}
    assert page.get_by_label("Same type of organisation", exact=True).is_checked()
    assert page.get_by_label("Same national return", exact=True).is_checked()
    assert f"of the same type as yours ({own.org_type})" in group_text(page)
    same_type = [s for s in everyone if s.org_type == own.org_type]
    assert group_size(page) == len(same_type) < len(everyone)
    # Fewer peers than the minimum: the figures are withheld, and the page says so.
    assert len(same_type) < minimum
    assert page.locator("#benchmark-withheld").is_visible()

    # And a size band on top: the same half of that type's populations.
    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_SIZE, "Same half"))
    assert peer_parts(url_state(page)["peers"]) == {"sector:=", "source:=", "org_type:=",
                                                    "size:q2"}
    assert "same population half" in group_text(page)
    assert group_size(page) < len(same_type)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "benchmark-group.png"), full_page=True)
    assert_accessible(page, "the Benchmark page with a peer group built by attributes")
    assert page.errors == []


def test_normalisation_changes_figures_and_rank(watched_page, base_url, demo):
    page = watched_page
    own = demo["own"]
    open_view(page, benchmark_url(base_url, service=OWN, peers=SIMILAR, metric="searches"))
    assert url_state(page)["per"] == "raw"
    assert page.locator(f"#{ids.BENCHMARK_PER}").inner_text().strip() == "As reported"
    heading = page.locator("#benchmark-content h2").first.inner_text()
    assert heading.startswith("Literature/evidence searches, ") and " per " not in heading
    before = tiles(page)
    rank_before = check_rank_against_chart(page)

    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_PER, "Per 1,000 served"))
    state = url_state(page)
    assert state["per"] == "population"
    assert state["metric"] == "searches" and state["service"] == OWN
    assert peer_parts(state["peers"]) == peer_parts(SIMILAR)  # the group is kept
    assert page.locator(f"#{ids.BENCHMARK_PER}").inner_text().strip() == "Per 1,000 served"
    per = f"per 1,000 {own.population_unit} served"
    heading = page.locator("#benchmark-content h2").first.inner_text()
    assert heading.startswith(f"Literature/evidence searches {per}, "), heading
    after = tiles(page)
    rank_after = check_rank_against_chart(page)
    # The own figure is now divided by the own population (in thousands) ...
    assert close(number(after["Own value"]),
                 number(before["Own value"]) / (own.population / 1000)), (before, after)
    # ... and the peers' figures and the service's standing change with it.
    assert after["Peer median"] != before["Peer median"]
    assert after["Rank"] != before["Rank"] and rank_after != rank_before, (before, after)
    assert after["Percentile"] != before["Percentile"]
    # The titles say it too.
    for graph in ("benchmark-distribution", "benchmark-ranked", "benchmark-trend"):
        assert per in figure(page, graph)["title"], graph
    # The league table names the denominator on every measure it divides.
    league = page.locator(f"#{ids.BENCHMARK_LEAGUE}").inner_text()
    assert per in league
    assert_accessible(page, "the Benchmark page per 1,000 served")

    # Back to "As reported": the first figures return.
    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_PER, "As reported"))
    assert url_state(page)["per"] == "raw"
    assert tiles(page) == before
    assert page.errors == []


def test_own_service_highlighted_and_peers_anonymous(watched_page, base_url, demo):
    page = watched_page
    own, services = demo["own"], demo["services"]
    others = [s for s in services.values() if s.code != OWN]
    open_view(page, benchmark_url(base_url, service=OWN, peers=SIMILAR))
    n_reporting = int(re.match(r"(\d+) of", tiles(page)["Peers reporting"]).group(1))

    # The distribution: every peer a dot labelled "Peer X", the own service a diamond.
    dist = figure(page, "benchmark-distribution")
    [dots] = [t for t in dist["data"] if t["name"] == "Peer"]
    [mine] = [t for t in dist["data"] if t["name"] == OWN_LABEL]
    labels = [t.rsplit(":", 1)[0] for t in dots["text"]]
    assert len(labels) == len(set(labels)) == n_reporting
    assert all(PEER_LABEL.match(label) for label in labels), labels
    assert mine["text"] == [OWN_LABEL] and mine["marker"]["symbol"] == "diamond"
    assert mine["marker"]["color"] != dots["marker"]["color"]
    assert close(float(mine["x"][0]), number(tiles(page)["Own value"]))
    assert page.locator("#benchmark-distribution .textpoint", has_text=OWN_LABEL).count() == 1

    # The ranked bars: the same peers (by label and value), the own bar in its own colour.
    names, values = ranked(page)
    assert sorted(names) == sorted([*labels, OWN_LABEL])
    [bar] = figure(page, "benchmark-ranked")["data"]
    colours = bar["marker"]["color"][::-1]
    own_colour = colours[names.index(OWN_LABEL)]
    assert all(c != own_colour for n, c in zip(names, colours) if n != OWN_LABEL)
    assert sorted(round(float(x), 9) for x in dots["x"]) == sorted(
        round(v, 9) for n, v in zip(names, values) if n != OWN_LABEL)
    check_rank_against_chart(page)

    # Hovering a peer's bar shows its letter and figure, nothing more.
    # (Plotly's drag layer lies over the bars and finds what is under the mouse itself.)
    bars = page.locator("#benchmark-ranked .trace.bars .point")
    hovered = []
    for i in (0, len(names) - 1 - names.index(OWN_LABEL)):  # the bottom bar, the own bar
        bars.nth(i).scroll_into_view_if_needed()
        box = bars.nth(i).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
        hovered.append(page.wait_for_function(
            "() => document.querySelector('#benchmark-ranked .hoverlayer .hovertext')"
            "?.textContent").json_value())
        page.mouse.move(1, 1)
        page.wait_for_function(
            "() => !document.querySelector('#benchmark-ranked .hoverlayer .hovertext')")
    assert re.match(r"^Peer [A-Z]{1,3}\s*: \d", hovered[0]), hovered
    assert re.match(r"^This service\s*: \d", hovered[1]), hovered

    # No other demo service is named or coded anywhere: page text (the list of members
    # opened), every chart's data and hover text, or the league table.
    page.locator("#benchmark-members summary").click()
    members = page.locator("#benchmark-members").inner_text()
    assert f"{len(others)} services in the group are not named" in members
    text = page.locator("body").inner_text()
    chart_text = " ".join([*hovered, *(s for g in ("benchmark-distribution", "benchmark-ranked",
                                                   "benchmark-trend")
                                       for s in strings(figure(page, g)))])
    assert own.name in text
    for other in others:
        for where, content in (("page", text), ("charts", chart_text)):
            assert other.name not in content, (where, other.name)
            assert other.code not in content, (where, other.code)
    trend_names = {t["name"] for t in figure(page, "benchmark-trend")["data"]}
    assert OWN_LABEL in trend_names
    page.screenshot(path=str(SCREENSHOTS / "benchmark.png"), full_page=True)
    assert_accessible(page, "the Benchmark page with its group's members listed")
    assert page.errors == []


def view_snapshot(page) -> dict:
    """What a reader sees: the controls' values, the group, the figures and the charts."""
    return {
        "controls": {i: page.locator(f"#{i}").inner_text().strip()
                     for i in (ids.BENCHMARK_SERVICE, ids.BENCHMARK_FY, ids.BENCHMARK_METRIC,
                               ids.BENCHMARK_PER, ids.BENCHMARK_SIZE)},
        "same": page.evaluate(
            f"""() => [...document.querySelectorAll('#{ids.BENCHMARK_SAME} input')].map(
                i => [i.value, i.checked])"""),
        "group": group_text(page),
        "headings": page.locator("#benchmark-content h1, #benchmark-content h2").all_inner_texts(),
        "tiles": tiles(page),
        "ranked": ranked(page),
        "league": page.locator(f"#{ids.BENCHMARK_LEAGUE}").inner_text(),
    }


def test_url_reproduces_the_view(watched_page, base_url, browser):
    page = watched_page
    open_view(page, benchmark_url(base_url, service="DEMO004"))
    first_metric = url_state(page)["metric"]
    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_SIZE, "Any size"))
    change_and_wait(page, lambda: choose(page, ids.BENCHMARK_PER, "Per 1,000 served"))
    # Another measure: the second in the list.
    page.locator(f"#{ids.BENCHMARK_METRIC}").click()
    option = page.locator(".dash-dropdown-option").nth(1)
    metric_label = option.inner_text().strip()
    change_and_wait(page, option.click)
    state = url_state(page)
    assert state["metric"] != first_metric and state["per"] == "population"
    assert state["service"] == "DEMO004" and "size" not in state["peers"]
    assert page.locator(f"#{ids.BENCHMARK_METRIC}").inner_text().strip() == metric_label
    seen = view_snapshot(page)
    address = page.url

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        fresh = context.new_page()
        errors: list[str] = []
        fresh.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        fresh.on("pageerror", lambda exc: errors.append(str(exc)))
        open_view(fresh, address)
        assert fresh.url == address  # already the canonical form: nothing to correct
        again = view_snapshot(fresh)
        assert again == seen
        assert errors == []
    finally:
        context.close()
    assert page.errors == []


def test_small_group_withholds_peer_figures(watched_page, base_url, demo):
    page = watched_page
    chosen = sorted(c for c in demo["services"] if c != OWN)[:2]
    # A population limit nobody meets, plus two services chosen by hand: a group of two.
    open_view(page, benchmark_url(base_url, service=OWN,
                              peers=f"sector:=;size:..1;manual:{','.join(chosen)}"))
    assert peer_parts(url_state(page)["peers"]) == {"sector:=", "size:..1",
                                                    f"manual:{','.join(chosen)}"}
    assert "plus 2 chosen by hand" in group_text(page)
    assert group_size(page) == len(chosen)
    minimum = min_peers(page)
    assert len(chosen) < minimum
    alert = page.locator("#benchmark-withheld")
    assert alert.is_visible()
    text = alert.inner_text()
    assert text.startswith("Peer figures withheld: only")
    assert f"only {len(chosen)} of {len(chosen)} peers have data" in text
    assert f"at least {minimum} are needed" in text
    assert f"{demo['own'].name}: " in text  # the own figure is still given
    # No peer statistics, no distribution or ranked chart.
    assert page.locator("#benchmark-summary").count() == 0
    assert page.locator("#benchmark-distribution").count() == 0
    assert page.locator("#benchmark-ranked").count() == 0
    # Every league-table row withholds its peer figures: no spine chart, no rank.
    rows = page.locator(f"#{ids.BENCHMARK_LEAGUE} .ag-center-cols-container .ag-row")
    assert rows.count() > 0
    assert page.locator(f"#{ids.BENCHMARK_LEAGUE} svg[role=img]").count() == 0
    ranks = page.locator(f"#{ids.BENCHMARK_LEAGUE} .ag-center-cols-container [col-id=rank]")
    assert set(ranks.all_inner_texts()) == {"withheld"}
    # The hand-picked services show in their control (the user chose them by name).
    manual = page.locator(f"#{ids.BENCHMARK_MANUAL}").inner_text()
    assert all(f"({code})" in manual for code in chosen), manual
    page.screenshot(path=str(SCREENSHOTS / "benchmark-withheld.png"), full_page=True)
    assert_accessible(page, "the Benchmark page withholding peer figures")
    assert page.errors == []


def test_league_table_spines_and_csv_download(watched_page, base_url, demo):
    page = watched_page
    open_view(page, benchmark_url(base_url, service=OWN, peers=SIMILAR))
    grid = f"#{ids.BENCHMARK_LEAGUE}"
    measures = page.locator(f"{grid} .ag-pinned-left-cols-container .ag-row").all_inner_texts()
    rows = page.locator(f"{grid} .ag-center-cols-container .ag-row")
    assert len(measures) == rows.count() >= 5
    medians = rows.locator("[col-id=median]").all_inner_texts()
    shown = [m for m in medians if m != "withheld"]
    assert shown, medians
    # A spine chart on every row whose peer figures are shown, described for screen readers.
    spines = page.locator(f"{grid} [col-id=spine] svg[role=img]")
    assert spines.count() == len(shown)
    for label in spines.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"):
        assert re.match(r"^Peers from .+ to .+, middle half .+ median .+", label), label
    # The focus measure's row agrees with the summary above it.
    focus = page.locator("#benchmark-content h2").first.inner_text().rsplit(",", 1)[0]
    row = measures.index(focus)
    assert rows.nth(row).locator("[col-id=rank]").inner_text() == tiles(page)["Rank"]
    assert rows.nth(row).locator("[col-id=own]").inner_text() == tiles(page)["Own value"]
    assert_accessible(page, "the Benchmark page with its league table drawn")

    # The CSV link downloads the same table for the same state.
    link = page.locator("a", has_text="Table (CSV)")
    href = link.get_attribute("href")
    assert href.startswith("/download/benchmark?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert query.pop("format") == "csv"
    assert query == url_state(page)
    response = page.request.get(base_url + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    body = response.body().decode("utf-8-sig")
    assert body.startswith("Measure,Measure code,Own value")
    table = list(csv.DictReader(io.StringIO(body)))
    assert [r["Measure"] for r in table] == measures
    [focus_row] = [r for r in table if r["Measure"] == focus]
    assert focus_row["Measure code"] == url_state(page)["metric"]
    assert focus_row["Rank (in words)"] == tiles(page)["Rank"]
    assert close(float(focus_row["Own value"]), number(tiles(page)["Own value"]))
    assert {r["Service code"] for r in table} == {OWN}
    for other in demo["services"].values():  # peers are never listed in the file either
        if other.code != OWN:
            assert other.name not in body and other.code not in body
    assert page.errors == []
