"""Lay out the executive view: a one-page infographic of a service's headline figures for a
board paper, each against last year, its target and similar services, in words and numbers."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import context
from dashboard.benchmarking.definition import from_query, to_query
from dashboard.benchmarking.view import DEFAULT_PEERS
from dashboard.db.services import list_services
from dashboard.executive import (ExecutiveItem, ExecutiveView, cached_executive,
                                 parse_executive_state)
from dashboard.formatting import format_value, plural
from dashboard.panels import executive_panels
from dashboard.periods import month_key

from . import ids
from .components import (ARROWS, empty_state, month_dropdown_options, navbar, service_banner,
                         service_picker, snapshot_panel_card)
from .toolbar import toolbar

PEER_CHOICES = (  # (label, link form); each is validated by from_query when read
    ("Same national return, similar size (same fifth)", DEFAULT_PEERS),
    ("Same national return, same type of organisation", "sector:=;source:=;org_type:="),
    ("Same national return, same region", "sector:=;source:=;region:="),
    ("The 10 most similar by size", "sector:=;source:=;nn:10"),
    ("Everyone in the same national return", "sector:=;source:="),
)


def peer_options(current: str) -> list[dict]:
    """Return the similar-services choices, with the current group if it is another one."""
    options = []
    for label, text in PEER_CHOICES:
        definition, _ = from_query(text)
        options.append({"label": label, "value": to_query(definition)})
    if current not in {o["value"] for o in options}:
        options.append({"label": "The group in the link (see the Benchmark page)",
                        "value": current})
    return options


def _fact(icon: str, children, class_name: str = "") -> html.Li:
    return html.Li([html.I(className=f"bi {icon} me-2", **{"aria-hidden": "true"}),
                    html.Span(children)], className=f"exec-fact {class_name}".strip())


def item_card(item: ExecutiveItem, view: ExecutiveView) -> dbc.Card:
    """Return one headline figure: icon, value, caption and its three comparisons."""
    kpi, metric = item.kpi, item.metric
    facts = []
    if kpi.direction is not None:
        from dashboard.formatting import change_text

        facts.append(_fact(ARROWS[kpi.direction],
                           f"{change_text(kpi, metric)} on {view.comparison_label} "
                           f"({format_value(kpi.previous, metric)})",
                           f"exec-{kpi.assessment}"))
    elif kpi.value is not None:
        facts.append(_fact("bi-dash", f"No comparable figure for {view.comparison_label}"))
    if item.target is not None:
        met = item.target_met
        word = "" if met is None else (": met" if met else ": not met")
        facts.append(_fact("bi-bullseye", f"Target {format_value(item.target, metric)}{word}",
                           "" if met is None else ("exec-good" if met else "exec-bad")))
    peer = item.peer_text
    if peer:
        rank = item.comparison.rank_text.split(",")[0] if item.rank_text else ""
        facts.append(_fact("bi-people", peer + (f" · {rank}" if rank else "")))
    return dbc.Card(dbc.CardBody([
        html.Div([
            html.Span(html.I(className=f"bi bi-{item.icon}", **{"aria-hidden": "true"}),
                      className="exec-icon"),
            html.Div(metric.name, className="exec-label", title=metric.definition),
        ], className="exec-head"),
        html.Div(item.value_text, className="exec-value"),
        html.P(item.caption, className="exec-caption"),
        html.Ul(facts, className="exec-facts"),
    ]), className="exec-card h-100", id=f"{ids.EXEC_ITEM}-{item.code.replace('_', '-')}")


def body(view: ExecutiveView, organisation: str, logo: bool) -> list:
    """Return the view below the filters."""
    children: list = []
    banner = service_banner(view.service)
    if banner:
        children.append(banner)
    children += [dbc.Alert(m, color="warning", className="py-2") for m in view.messages]
    service = view.service
    if service is None:
        return children + [empty_state(view.empty_message or "There is no service to show.")]
    as_of = f"{view.data_as_of:%d %b %Y}" if view.data_as_of else "unknown"
    brand = []
    if logo:
        brand.append(html.Img(src="/branding/logo", alt=organisation or "Logo",
                              className="exec-logo"))
    if organisation:
        brand.append(html.Span(organisation, className="exec-organisation"))
    children.append(html.Div([
        html.Div(brand, className="exec-brand") if brand else None,
        html.H1(f"Executive summary: {view.period_label}" if view.period_label
                else "Executive summary", className="page-title"),
        html.P(service.name, className="page-subtitle"),
        html.P([f"Data as of {as_of} · Source: {service.source_name} · Compared with "
                f"{view.comparison_label}" + (f" and {plural(view.group_size, 'similar service')}"
                                              if view.group_size else "")],
               className="exec-meta", id=ids.EXEC_META),
    ], className="exec-header"))
    if view.empty_message:
        return children + [empty_state(view.empty_message)]
    children.append(dbc.Row(
        [dbc.Col(item_card(item, view), className="mb-3") for item in view.items],
        className="row-cols-1 row-cols-sm-2 row-cols-xl-4 exec-grid"))
    panels = executive_panels(view)
    children.append(dbc.Row([dbc.Col(snapshot_panel_card(p), lg=6, className="mb-3")
                             for p in panels]))
    children.append(html.Details([
        html.Summary("Definitions of the measures"),
        html.Dl([part for item in view.items for part in (
            html.Dt(item.metric.name), html.Dd(item.metric.definition))],
            className="exec-definitions"),
    ], className="mb-3"))
    children.append(html.Footer(
        f"Similar services: {view.group_description}. Targets are shown where one is set for "
        "exactly this period. Peer figures are withheld when too few similar services have "
        "data.", className="page-footer"))
    return children


def layout(**query) -> html.Div:
    """Return the executive view for the URL's state."""
    from dashboard.settings import logo_path

    ctx = context.current()
    viewer = context.current_viewer()
    state = parse_executive_state(query)
    view = cached_executive(ctx, viewer, state)
    services = list_services(ctx.db, viewer)
    search = view.state.to_query() if view.service else ""
    organisation = str(ctx.config.get("ORGANISATION_NAME") or "")
    dashboard = view.dashboard
    months = month_dropdown_options(dashboard)
    start = dashboard.state.start
    end = dashboard.state.end
    controls = dbc.Row([
        service_picker(ids.EXEC_SERVICE, services, dashboard.state.service),
        dbc.Col([dbc.Label("From", html_for=ids.EXEC_FROM, className="filter-label"),
                 dcc.Dropdown(id=ids.EXEC_FROM, options=months,
                              value=month_key(start) if start else None, clearable=False)],
                lg=2, xs=6),
        dbc.Col([dbc.Label("To", html_for=ids.EXEC_TO, className="filter-label"),
                 dcc.Dropdown(id=ids.EXEC_TO, options=months,
                              value=month_key(end) if end else None, clearable=False)],
                lg=2, xs=6),
        dbc.Col([dbc.Label("Similar services", html_for=ids.EXEC_PEERS,
                           className="filter-label"),
                 dcc.Dropdown(id=ids.EXEC_PEERS, options=peer_options(view.state.peers),
                              value=view.state.peers, clearable=False, searchable=False)],
                lg=4),
    ], className="g-3 align-items-end")
    return html.Div([
        dcc.Store(id=ids.URL_SEARCH, data=search),
        html.Div(id=ids.URL_SYNCED, hidden=True),
        navbar("executive", search, organisation),
        dbc.Container([
            html.Div(controls, className="filter-bar mb-3"),
            toolbar("executive", search),
            dcc.Loading(html.Div(body(view, organisation, logo_path(ctx.config) is not None),
                                 id=ids.EXEC_CONTENT, className="exec-view"),
                        type="default", delay_show=400),
        ], fluid=True, className="page-container"),
    ])
