"""Snapshots show what the page shows: the builder against the views it reads (both databases),
the executive view against an independent peer computation, and untrusted view addresses."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from dashboard.catalogue import CATALOGUE
from dashboard.compute import derived_values
from dashboard.db.access import ANONYMOUS
from dashboard.db.aggregates import aggregate
from dashboard.db.services import first_service_code, list_services
from dashboard.db.targets import targets_for
from dashboard.describe import panel_rows
from dashboard.executive import build_executive, parse_executive_state
from dashboard.formatting import format_value
from dashboard.periods import PeriodRange
from dashboard.snapshot.build import (PAGE_PATHS, SnapshotError, build_snapshot, parse_url,
                                      read_view_state, view_state)
from dashboard.state import parse_state
from dashboard.views import build_view

YEAR = {"from": "2024-04", "to": "2025-03"}


def first_service(db) -> str:
    return first_service_code(db, ANONYMOUS)


@pytest.mark.parametrize("page", ["overview", "staffing", "finance", "activity", "impact"])
def test_dashboard_snapshot_shows_the_view(demo_ctx, page):
    code = first_service(demo_ctx.db)
    query = {"service": code, **YEAR, "granularity": "quarter"}
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, page, query)
    view = build_view(demo_ctx.db, ANONYMOUS, demo_ctx.config, page, parse_state(query))
    assert snapshot.title == f"{view.page.title}: 2024/25"
    assert snapshot.service_code == code and snapshot.synthetic
    assert ("Shown by", "Quarter") in snapshot.filters
    assert [h.value for h in snapshot.headlines] == [
        format_value(k.kpi.value, k.metric) for k in view.kpis]
    assert [p.title for p in snapshot.panels] == [d.title for d in view.panels]
    for panel, data in zip(snapshot.panels, view.panels):
        drawn = sorted((r.metric, r.period, r.value) for r in panel_rows(data))
        table = sorted(zip(panel.table["Measure code"], panel.table["Period"],
                           panel.table["Value"]))
        assert table == drawn
        assert panel.alt_text and panel.caption
        assert (panel.figure is None) == bool(data.empty_message)
    shown = {h.code for h in snapshot.headlines} | {m for p in snapshot.panels
                                                    for m in p.metrics}
    assert {d.code for d in snapshot.definitions} == shown
    assert snapshot.data_as_of is not None
    assert snapshot.url.startswith(PAGE_PATHS[page]) and f"service={code}" in snapshot.url


def test_dashboard_snapshot_captions_carry_the_target(demo_ctx):
    code = first_service(demo_ctx.db)
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "overview", {"service": code, **YEAR})
    year = PeriodRange(dt.date(2024, 4, 1), dt.date(2025, 3, 1))
    stored = targets_for(demo_ctx.db, ANONYMOUS, code, year)
    assert stored
    with_target = {h.code: h for h in snapshot.headlines if h.code in stored}
    assert with_target
    for metric, headline in with_target.items():
        target = format_value(stored[metric], CATALOGUE[metric])
        assert f"Target {target}" in headline.details
        assert target in headline.caption
    # a quarter is not the target's period: no target is claimed
    quarter = build_snapshot(demo_ctx, ANONYMOUS, "overview",
                             {"service": code, "from": "2024-04", "to": "2024-06"})
    assert not any("target" in h.caption for h in quarter.headlines)


def _own_and_peer_values(db, codes, metric, period):
    values = {}
    for code in codes:
        stored = aggregate(db, ANONYMOUS, code, CATALOGUE.stored_codes_for([metric]),
                           period, "range", 4)
        for value, coverage in derived_values(stored, [metric])[metric].values():
            if coverage >= 1:
                values[code] = float(value)
    return values


def test_executive_ranks_and_medians_match_an_independent_computation(demo_ctx):
    code = first_service(demo_ctx.db)
    view = build_executive(demo_ctx, ANONYMOUS, parse_executive_state(
        {"service": code, **YEAR, "peers": "sector:=;source:="}))
    period = PeriodRange(dt.date(2024, 4, 1), dt.date(2025, 3, 1))
    members = [s.code for s in list_services(demo_ctx.db, ANONYMOUS, sector="nhs")]
    assert view.group_size == len(members) - 1
    checked = 0
    for item in view.items:
        values = _own_and_peer_values(demo_ctx.db, members, item.code, period)
        own = values.pop(code, None)
        assert own == pytest.approx(item.kpi.value)
        peers = np.array(list(values.values()))
        assert item.comparison.median == pytest.approx(float(np.median(peers)))
        better = (peers < own) if item.metric.higher_is_better is False else (peers > own)
        assert item.facts.rank == int(better.sum()) + 1
        assert item.facts.rank_of == len(peers) + 1
        checked += 1
    assert checked == len(view.items) >= 6


def test_executive_small_group_is_withheld_and_never_ranked(demo_ctx):
    services = [s.code for s in list_services(demo_ctx.db, ANONYMOUS)]
    own, few = services[0], services[1:3]
    view = build_executive(demo_ctx, ANONYMOUS, parse_executive_state(
        {"service": own, **YEAR, "peers": "manual:" + ",".join(few)}))
    assert view.items
    for item in view.items:
        assert item.comparison.withheld
        assert item.facts.rank is None and "highest" not in item.caption \
            and "lowest" not in item.caption
        assert "withheld" in item.peer_text
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "executive",
                              {"service": own, **YEAR, "peers": "manual:" + ",".join(few)})
    standing = next(p for p in snapshot.panels if p.key == "exec-standing")
    assert standing.figure is None and "withheld" in standing.empty_message


def test_executive_targets_met_follow_the_better_direction(demo_ctx):
    code = first_service(demo_ctx.db)
    view = build_executive(demo_ctx, ANONYMOUS, parse_executive_state({"service": code, **YEAR}))
    with_targets = [i for i in view.items if i.target is not None]
    assert with_targets
    for item in with_targets:
        met = item.kpi.value >= item.target if item.metric.higher_is_better \
            else item.kpi.value <= item.target
        assert item.target_met is met
        assert ("met its target" in item.caption) is met


def test_benchmark_snapshot_never_names_unpublished_peers(demo_ctx):
    code = first_service(demo_ctx.db)
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "benchmark",
                              {"service": code, "fy": "2024", "peers": "sector:=;source:="})
    keys = [p.key for p in snapshot.panels]
    assert keys[:2] == ["benchmark-distribution", "benchmark-ranked"]
    assert "benchmark-league" in keys
    names = {s.name for s in list_services(demo_ctx.db, ANONYMOUS)}
    for panel in snapshot.panels:
        text = panel.table.to_csv() + json.dumps(panel.figure) + panel.alt_text + panel.caption
        assert not any(name in text for name in names)
    table = snapshot.panels[0].table
    assert set(table["Service"]) - {"This service"} <= {f"Peer {c}" for c in
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    assert ("Financial year", "2024/25") in snapshot.filters
    assert any("QUARTILE.INC" in f for f in snapshot.footnotes)


def test_snapshot_of_an_unknown_service_says_so(demo_ctx):
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "finance", {"service": "NOPE"})
    assert any("NOPE" in m for m in snapshot.messages)
    assert snapshot.service_code == first_service(demo_ctx.db)


# --- addresses and view files (untrusted) -------------------------------------------------------

def test_view_state_round_trip():
    state = view_state("finance", {"service": "DEMO003", "from": "2024-04", "junk": "x"})
    assert state["url"] == "/finance?service=DEMO003&from=2024-04"
    assert read_view_state(json.dumps(state).encode()) == (
        "finance", {"service": "DEMO003", "from": "2024-04"})
    assert parse_url("http://example.org" + state["url"]) == (
        "finance", {"service": "DEMO003", "from": "2024-04"})
    assert parse_url("/?service=A") == ("overview", {"service": "A"})


@pytest.mark.parametrize("raw, message", [
    (b"\xff\xfe\x00junk", "not text"),
    (b"{not json", "not JSON"),
    (b"[1, 2]", "no 'shelfmark_view'"),
    (b'{"shelfmark_view": 99, "page": "finance"}', "version 99"),
    (b'{"shelfmark_view": 1, "page": "../../etc/passwd"}', "names no page"),
    (b'{"shelfmark_view": 1, "page": "finance", "query": "x"}', "'query' must be"),
    (b"x" * 200_000, "too big"),
    (b"[" * 40_000 + b"]" * 40_000, "not JSON"),  # nested past Python's recursion limit
])
def test_bad_view_files_are_refused_with_a_reason(raw, message):
    with pytest.raises(SnapshotError, match=message):
        read_view_state(raw)


@pytest.mark.parametrize("url", ["", "/admin", "/download/export", "javascript:alert(1)",
                                 "/" + "x" * 9000, None, 42])
def test_bad_addresses_are_refused(url):
    with pytest.raises(SnapshotError):
        parse_url(url)


def test_oversized_and_repeated_query_values_are_dropped():
    page, query = parse_url("/finance?service=A&service=B&from=" + "9" * 5000)
    assert page == "finance" and query == {"service": "A"}


def test_standing_chart_colour_follows_its_position_and_leaves_out_undirected(demo_ctx):
    code = first_service(demo_ctx.db)
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "executive",
                              {"service": code, **YEAR, "peers": "sector:=;source:="})
    standing = next(p for p in snapshot.panels if p.key == "exec-standing")
    marker = standing.figure["data"][1]
    colours = {"#009E73": "best", "#CC3311": "worst", "#E69F00": "middle"}
    for x, colour in zip(marker["x"], marker["marker"]["color"]):
        band = colours[colour]
        assert band == ("best" if x >= 75 else "worst" if x <= 25 else "middle")
    codes = set(standing.table["Measure code"])
    assert all(CATALOGUE[c].higher_is_better is not None for c in codes)
    assert any("neither higher nor lower" in n for n in standing.notes)  # total expenditure
    best = sum(1 for x in marker["x"] if x >= 75)
    assert standing.caption.startswith(f"Better than at least three quarters of similar "
                                       f"services on {best} of")


def test_links_in_files_use_the_public_address(demo_ctx):
    from dashboard.context import AppContext
    from dashboard.settings import load_config

    code = first_service(demo_ctx.db)
    plain = build_snapshot(demo_ctx, ANONYMOUS, "finance", {"service": code})
    assert plain.link == plain.url and plain.link.startswith("/finance?")  # command line
    config = load_config({"DATABASE_URL": demo_ctx.db.url, "CACHE_TYPE": "NullCache",
                          "PUBLIC_URL": "https://shelfmark.example.nhs.uk/"})
    public = build_snapshot(AppContext(demo_ctx.db, config, None), ANONYMOUS, "finance",
                            {"service": code})
    assert public.link == "https://shelfmark.example.nhs.uk" + public.url


def test_workbook_figures_equal_the_database(demo_ctx):
    """The Excel download of the Finance page holds the figures the database holds: each
    category's spend in the year, summed here in plain SQL from the stored months."""
    import io

    from openpyxl import load_workbook
    from sqlalchemy import text

    from dashboard.snapshot.render import render

    code = first_service(demo_ctx.db)
    snapshot = build_snapshot(demo_ctx, ANONYMOUS, "finance", {"service": code, **YEAR})
    book = load_workbook(io.BytesIO(render(snapshot, "xlsx").content))
    panel = next(p for p in snapshot.panels if p.key == "expenditure-by-category")
    sheet = next(book[n] for n in book.sheetnames if n.startswith("Expenditure by category")
                 and book[n].max_row == len(panel.table) + 1)
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    got = {r[header.index("Measure code")]: r[header.index("Value")] for r in rows[1:]}
    with demo_ctx.db.engine.connect() as conn:
        stored = dict(conn.execute(text(
            "SELECT m.code, SUM(o.value) FROM observation o JOIN metric m ON m.id = o.metric_id "
            "JOIN service s ON s.id = o.service_id WHERE s.code = :code AND o.team = '' "
            "AND o.period_type = 'month' AND o.period_start >= :first "
            "AND o.period_start <= :last AND m.code LIKE 'exp\\_%' ESCAPE '\\' "
            "GROUP BY m.code"), {"code": code, "first": dt.date(2024, 4, 1),
                                  "last": dt.date(2025, 3, 1)}).all())
    assert got and set(got) <= set(stored)
    for metric, value in got.items():
        assert value == pytest.approx(stored[metric])
