"""Lay out the Benchmark page: peer-group builder, normalisation, charts and league table."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import context
from dashboard.benchmarking.compare import NORMALISATION_LABELS, QUARTILE_METHOD, Comparison
from dashboard.benchmarking.definition import ACE_NEIGHBOURS, COMPUTED, DEFAULT_DEFINITION, SAME
from dashboard.benchmarking.describe import inline
from dashboard.benchmarking.saved import MAX_NAME, list_groups
from dashboard.benchmarking.view import (BenchmarkView, cached_benchmark,
                                         comparison_text as _value, league_rows,
                                         parse_benchmark_state, percentile_text)
from dashboard.catalogue import CATALOGUE
from dashboard.db.services import list_services
from dashboard.describe import table_markdown
from dashboard.figures.benchmarking import quartile_band
from dashboard.formatting import format_number
from dashboard.panels import benchmark_panels
from dashboard.periods import fy_label

from . import ids
from .components import (GRID_KEYBOARD, accessible_graph, empty_state, navbar, service_options,
                         service_picker)
from .toolbar import toolbar

SIZE_OPTIONS = [{"label": "Any size", "value": ""},
                {"label": "Same half", "value": "q2"},
                {"label": "Same third", "value": "q3"},
                {"label": "Same quarter", "value": "q4"},
                {"label": "Same fifth", "value": "q5"}]
_SOURCE = ("source", "Same national return")
SAME_OPTIONS = {"nhs": [_SOURCE, ("org_type", "Same type of organisation"),
                        ("region", "Same region")],
                "public": [_SOURCE, ("state", "Same state"), ("locale", "Same locale"),
                           ("region", "Same region")],
                "academic": [_SOURCE, ("region", "Same region")],
                "other": [_SOURCE, ("region", "Same region")]}


def _has(service, name: str) -> bool:
    value = getattr(service, name, None)
    if value is None:
        value = (service.attributes or {}).get(name)
    return value not in (None, "")


def peer_controls(view: BenchmarkView) -> dbc.Card:
    """Return the controls that define the peer group, set from the current definition."""
    service = view.service
    definition = view.definition or DEFAULT_DEFINITION
    same = {name for name, values in definition.filters if values == (SAME,)}
    # Offer "same as mine" only for attributes this service has (an English authority has
    # no US state or locale); a tick on an attribute it lacks would leave no peers.
    options = [(name, label) for name, label in
               SAME_OPTIONS.get(service.sector if service else "nhs", [])
               if service is None or name == "source" or name in same
               or _has(service, name)]
    size = definition.size
    size_options = list(SIZE_OPTIONS)
    if size is None:
        size_value = ""
    elif size.quantiles:
        size_value = f"q{size.quantiles}"
        if size_value not in {o["value"] for o in size_options}:
            size_options.append({"label": f"Same 1/{size.quantiles} by population",
                                 "value": size_value})
    else:  # population bounds from a link or a saved group: kept until changed here
        size_value = "custom"
        low = format_number(size.low) if size.low is not None else None
        high = format_number(size.high) if size.high is not None else None
        text = f"{low}–{high}" if low and high else (f"{low} or more" if low
                                                      else f"under {high}")
        size_options.append({"label": f"Population {text}", "value": size_value})
    neighbour_sources = [{"label": "Most similar population", "value": COMPUTED}]
    if view.has_neighbour_list:
        neighbour_sources.append({"label": "ACE statistical neighbours",
                                  "value": ACE_NEIGHBOURS})
    services = list_services(context.current().db, context.current_viewer(),
                                     sector=service.sector) if service else []
    saved = list_groups(context.current().db, context.current_viewer())
    return dbc.Card(dbc.CardBody([
        html.H2("Compare with", className="h6 mb-2"),
        dbc.Row([
            dbc.Col([
                dbc.Label("Similar services", className="filter-label"),
                dbc.Checklist(id=ids.BENCHMARK_SAME, value=sorted(same),
                              options=[{"label": label, "value": name}
                                       for name, label in options]),
                dbc.Label("Size (population served)", html_for=ids.BENCHMARK_SIZE,
                          className="filter-label mt-2"),
                dcc.Dropdown(id=ids.BENCHMARK_SIZE, options=size_options, value=size_value,
                             clearable=False, searchable=False),
            ], md=4),
            dbc.Col([
                dbc.Label("Nearest neighbours (blank: off)", html_for=ids.BENCHMARK_NEIGHBOURS,
                          className="filter-label"),
                dbc.Input(id=ids.BENCHMARK_NEIGHBOURS, type="number", min=1, max=500, step=1,
                          value=definition.neighbours, placeholder="e.g. 15",
                          debounce=True),
                dbc.RadioItems(id=ids.BENCHMARK_NEIGHBOUR_SOURCE, className="mt-1",
                               value=definition.neighbour_source
                               if definition.neighbour_source in {o["value"] for o in
                                                                  neighbour_sources}
                               else COMPUTED, options=neighbour_sources),
            ], md=4),
            dbc.Col([
                dbc.Label("Add services by hand", html_for=ids.BENCHMARK_MANUAL,
                          className="filter-label"),
                dcc.Dropdown(id=ids.BENCHMARK_MANUAL, multi=True, value=list(definition.manual),
                             options=service_options(s for s in services
                                                     if s.code != service.code)
                             if service else [], placeholder="Choose services"),
                dbc.Label("Saved groups", html_for=ids.BENCHMARK_SAVED,
                          className="filter-label mt-2"),
                dcc.Dropdown(id=ids.BENCHMARK_SAVED, options=[
                    {"label": g.name, "value": g.name} for g in saved],
                    placeholder="Load a saved group", clearable=True),
                dbc.InputGroup([
                    dbc.Input(id=ids.BENCHMARK_SAVE_NAME, placeholder="Name this group",
                              maxLength=MAX_NAME),
                    dbc.Button("Save", id=ids.BENCHMARK_SAVE, color="outline-primary"),
                ], size="sm", className="mt-2"),
                html.Div(id=ids.BENCHMARK_SAVE_MESSAGE, className="small mt-1"),
            ], md=4),
        ], className="g-3"),
    ]), className="mb-3")


def summary(c: Comparison, own_name: str) -> html.Div:
    """Say where the service stands on the focus measure, in numbers and words."""
    if c.withheld:
        reason = c.withheld_reason.removeprefix("withheld: ")
        return dbc.Alert([html.Strong("Peer figures withheld: "), reason + ".", html.Br(),
                          f"{own_name}: {_value(c.own_value, c)}."],
                         color="secondary", id=ids.BENCHMARK_WITHHELD)
    band = quartile_band(c.own_value, c.q1, c.q3, c.higher_is_better)
    words = {"best": "in the best quarter of its peers", "worst": "in the bottom quarter of "
             "its peers", "middle": "in the middle half of its peers", "none": ""}[band]
    items = [("Own value", _value(c.own_value, c)), ("Peer median", _value(c.median, c)),
             ("Middle half", f"{_value(c.q1, c)} to {_value(c.q3, c)}"),
             ("Range", f"{_value(c.minimum, c)} to {_value(c.maximum, c)}"),
             ("Rank", c.rank_text or "–"),
             ("Percentile", percentile_text(c.percentile)),
             ("Peers reporting", c.reporting_text)]
    extra = []
    if c.n_no_denominator:
        extra.append(f"{c.n_no_denominator} left out: no denominator")
    if c.n_incomplete:
        extra.append(f"{c.n_incomplete} left out: figures for part of the year only")
    return html.Div([
        dbc.Row([dbc.Col(html.Div([html.Div(v, className="count-value"),
                                   html.Div(k, className="count-label")],
                                  className=f"count-tile {'tone-' + band if k == 'Own value' else ''}"),
                         xs=6, md=3, xl="auto", className="mb-2") for k, v in items],
                className="g-2", id=ids.BENCHMARK_SUMMARY),
        html.P([f"{own_name} is {words}" + ("." if words else ""),
                (" " + "; ".join(extra) + ".") if extra else ""],
               className="small text-secondary") if words or extra else None,
    ])


LEAGUE_COLUMNS = [  # own and median values of different measures do not sort against each other
    {"field": "measure", "headerName": "Measure", "pinned": "left", "width": 220,
     "wrapText": True, "autoHeight": True, "cellClass": "cell-wrap"},
    {"field": "own", "headerName": "Own", "width": 105, "type": "numericColumn",
     "sortable": False},
    {"field": "median", "headerName": "Peer median", "width": 130, "type": "numericColumn",
     "sortable": False},
    {"field": "spine", "headerName": "Peer spread, ◆ this service",
     "cellRenderer": "Spine", "width": 260, "sortable": False, "filter": False,
     "cellDataType": False},  # an object the renderer draws: no value formatter wanted
    {"field": "rank", "headerName": "Rank", "width": 160, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap",
     "comparator": {"function": "rankOrder(valueA, valueB, nodeA, nodeB)"}},
    {"field": "percentile", "headerName": "Percentile", "width": 130,
     "type": "numericColumn"},
    {"field": "reporting", "headerName": "Peers with data", "width": 140, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap"},
    {"field": "per", "headerName": "Per", "width": 170, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap", "sortable": False},
]


def members(view: BenchmarkView) -> html.Details | None:
    """List who is in the group and why: by name where their figures are published, only
    counted where they are not (a list of names would undo the anonymised letters)."""
    named, hidden = view.named_members, view.hidden_members
    if not named and not hidden:
        return None
    total = len(view.group.members) if view.group else len(named) + hidden
    rows = [html.Tr([html.Td(m["name"]), html.Td(m["code"], className="text-nowrap"),
                     html.Td(m["reason"])]) for m in named]
    parts = []
    if rows:
        parts.append(html.Div(dbc.Table(
            [html.Thead(html.Tr([html.Th("Service"), html.Th("Code"),
                                 html.Th("Why it is in the group")])), html.Tbody(rows)],
            size="sm", striped=True, className="mb-1"), className="member-list"))
        if len(named) < total - hidden:
            parts.append(html.P(f"The first {len(named):,} are listed.",
                                className="small text-secondary mb-1"))
    if hidden:
        parts.append(html.P(
            f"{hidden:,} {'service' if hidden == 1 else 'services'} in the group "
            f"{'is' if hidden == 1 else 'are'} not named: {'its' if hidden == 1 else 'their'} "
            "figures are not published, so charts letter them afresh for each measure.",
            className="small text-secondary mb-1"))
    return html.Details([html.Summary(f"Who is in this group ({total:,})"), *parts],
                        className="member-details mb-2", id=ids.BENCHMARK_MEMBERS)


def body(view: BenchmarkView) -> list:
    """Return the page content below the controls."""
    children: list = [dbc.Alert(m, color="warning", className="py-2") for m in view.messages]
    if view.empty_message:
        return children + [empty_state(view.empty_message)]
    service, group, c = view.service, view.group, view.focus
    children.append(html.Div([
        html.H1(f"Benchmark: {view.period_label}", className="page-title"),
        html.P(f"{service.name} compared with {inline(group.description)}.",
               className="page-subtitle",
               id=ids.BENCHMARK_GROUP),
        members(view),
    ]))
    if service.synthetic:
        children.insert(0, html.Div([html.I(className="bi bi-exclamation-triangle-fill me-2"),
                                     html.Strong("Demo data (synthetic). "),
                                     "These services and figures are generated."],
                                    className="synthetic-banner"))
    own_name = service.name
    metric = CATALOGUE[c.metric]
    per = f" {c.denominator}" if c.denominator else ""
    children.append(html.H2(f"{metric.name}{per}, {view.period_label}", className="h5 mt-2"))
    children.append(summary(c, own_name))
    panels = {p.key: p for p in benchmark_panels(view)}
    charts = []
    for key, graph_id, width in (("benchmark-distribution", ids.BENCHMARK_DISTRIBUTION, 6),
                                 ("benchmark-ranked", ids.BENCHMARK_RANKED, 6),
                                 ("benchmark-trend", ids.BENCHMARK_TREND, 12)):
        panel = panels.get(key)
        if panel is None or not panel.has_chart:
            continue
        body_parts = accessible_graph(panel.figure, graph_id, panel.alt_text,
                                      table_markdown(panel.table))
        if key == "benchmark-trend":
            body_parts.insert(1, html.P(panel.description, className="panel-description"))
        charts.append(dbc.Col(dbc.Card(dbc.CardBody(body_parts), className="panel-card"),
                              lg=width, className="mb-3"))
    children.append(dbc.Row(charts))
    if len(view.trend) <= 1:
        children.append(html.P(
            f"{service.name} has complete figures for one financial year only, so there is no "
            "trend against the peers yet.", className="small text-secondary",
            id=ids.BENCHMARK_NO_TREND))
    children.append(dbc.Card(dbc.CardBody([
        html.H2(f"Every headline measure, {view.period_label}", className="h5"),
        html.P("Each bar runs from the lowest to the highest peer; the darker band is the "
               "middle half, the line the median; the diamond is this service, green in the "
               "best quarter, red in the worst, amber between (better is to the right).",
               className="small text-secondary"),
        dag.AgGrid(id=ids.BENCHMARK_LEAGUE, rowData=league_rows(view.league),
                   columnDefs=LEAGUE_COLUMNS,
                   defaultColDef={"sortable": True, "resizable": True, "filter": True,
                                  "wrapHeaderText": True, "autoHeaderHeight": True},
                   dashGridOptions={**GRID_KEYBOARD, "domLayout": "autoHeight",
                                    "animateRows": False, "rowHeight": 44},
                   style={"height": None}, className="report-grid league-grid"),
        html.Div([
            html.A([html.I(className="bi bi-download me-1"), "Table (CSV)"],
                   href="/download/benchmark" + view.state.to_query() + "&format=csv",
                   className="btn btn-outline-primary btn-sm me-2", download=""),
            html.A([html.I(className="bi bi-download me-1"), "Table (Excel)"],
                   href="/download/benchmark" + view.state.to_query() + "&format=xlsx",
                   className="btn btn-outline-primary btn-sm", download=""),
        ], className="mt-2"),
    ]), className="mb-3"))
    children.append(html.Footer([
        f"Quartiles: {QUARTILE_METHOD}. Percentile: the share of peers below this service, "
        "ties counting half. Peers are named only when their figures are published; others "
        f"are lettered afresh for every measure. Figures are withheld when fewer than "
        f"{context.current().config['BENCHMARK_MIN_PEERS']} peers have data. Source: "
        f"{service.source_name}."], className="page-footer"))
    return children


def layout(**query) -> html.Div:
    """Return the Benchmark page for the URL's state."""
    ctx = context.current()
    viewer = context.current_viewer()
    state, problems = parse_benchmark_state(query)
    view = cached_benchmark(ctx, viewer, state, problems)
    services = list_services(ctx.db, viewer)
    search = view.state.to_query()
    fy_start = ctx.config.fy_start_for(view.service) if view.service else 4
    controls = dbc.Row([
        service_picker(ids.BENCHMARK_SERVICE, services, view.state.service),
        dbc.Col([dbc.Label("Financial year", html_for=ids.BENCHMARK_FY, className="filter-label"),
                 dcc.Dropdown(id=ids.BENCHMARK_FY, options=[
                     {"label": fy_label(y, fy_start), "value": y} for y in view.years],
                     value=view.state.fy, clearable=False)], lg=2, md=4),
        dbc.Col([dbc.Label("Measure", html_for=ids.BENCHMARK_METRIC, className="filter-label"),
                 dcc.Dropdown(id=ids.BENCHMARK_METRIC, options=[
                     {"label": CATALOGUE[m].name, "value": m} for m in view.metrics],
                     value=view.state.metric, clearable=False)], lg=3, md=8),
        dbc.Col([dbc.Label("Show figures", html_for=ids.BENCHMARK_PER, className="filter-label"),
                 dcc.Dropdown(id=ids.BENCHMARK_PER, options=[
                     {"label": label, "value": key}
                     for key, label in NORMALISATION_LABELS.items()],
                     value=view.state.per, clearable=False, searchable=False)], lg=3),
    ], className="g-3 align-items-end")
    return html.Div([
        dcc.Store(id=ids.URL_SEARCH, data=search),
        html.Div(id=ids.URL_SYNCED, hidden=True),
        dcc.Store(id=ids.BENCHMARK_PEERS, data=view.state.peers),
        navbar("benchmark", search),
        dbc.Container([
            html.Div(controls, className="filter-bar mb-3"),
            peer_controls(view) if view.service else None,
            toolbar("benchmark", search),
            dcc.Loading(html.Div(body(view), id=ids.BENCHMARK_CONTENT), type="default",
                        delay_show=400),
        ], fluid=True, className="page-container"),
    ])
