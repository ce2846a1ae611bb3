"""Build the shared parts of every dashboard page: header, filters, KPI tiles and panels."""

from __future__ import annotations

import functools

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.describe import panel_alt_text, panel_rows, rows_markdown, table_markdown
from dashboard.figures.panels import make_panel_figure, make_sparkline
from dashboard.figures.theme import CONFIG
from dashboard.formatting import change_text, format_value
from dashboard.periods import GRANULARITY_LABELS, month_key, month_label
from dashboard.state import DASHBOARD_CATEGORIES, month_options
from dashboard.templates import PAGE_ORDER, page_spec
from dashboard.views import DashboardView, KpiView, PanelData

from . import fast, ids

PAGE_TITLES = {key: page_spec(key, "nhs").title for key in PAGE_ORDER}
PAGE_PATHS = {key: page_spec(key, "nhs").path for key in PAGE_ORDER}
# Pages about the data itself, under the "Data" menu.
DATA_PAGES = {"import": ("Import figures", "/import"),
              "data-quality": ("Data quality", "/data-quality"),
              "definitions": ("Definitions", "/definitions")}
ARROWS = {"up": "bi-arrow-up-right", "down": "bi-arrow-down-right", "flat": "bi-arrow-right"}
# Every AG Grid's keyboard: one Tab stop, arrow keys between its cells (the ARIA grid pattern),
# so Tab does not walk through every cell of a table before the controls after it.
GRID_KEYBOARD = {"tabToNextHeader": {"function": "false"}, "tabToNextCell": {"function": "false"}}


def _service_only(search: str) -> str:
    """Keep only the service of a dashboard query (other pages have other filters)."""
    from urllib.parse import parse_qs, urlencode

    service = parse_qs(search.lstrip("?")).get("service", [None])[0]
    return "?" + urlencode({"service": service}) if service else ""


def _executive_query(search: str) -> str:
    """Keep the service and months of a dashboard query (the executive view's filters)."""
    from urllib.parse import parse_qs, urlencode

    query = parse_qs(search.lstrip("?"))
    kept = {k: query[k][0] for k in ("service", "from", "to") if query.get(k)}
    return "?" + urlencode(kept) if kept else ""


def navbar(active: str, search: str, organisation: str = "") -> dbc.Navbar:
    """Return the top bar with a link per page that keeps the current filters."""
    links = [
        dbc.NavItem(dbc.NavLink(
            PAGE_TITLES[key], href=PAGE_PATHS[key] + search, id=ids.nav(key),
            active=key == active, className="px-3",
        ))
        for key in PAGE_ORDER
    ]
    links.append(dbc.NavItem(dbc.NavLink(
        "Summary", href="/executive" + _executive_query(search), id=ids.nav("executive"),
        active=active == "executive", className="px-3")))
    links.append(dbc.NavItem(dbc.NavLink(
        "Benchmark", href="/benchmark" + _service_only(search), id=ids.nav("benchmark"),
        active=active == "benchmark", className="px-3")))
    links.append(dbc.DropdownMenu(
        [dbc.DropdownMenuItem(title, href=path + (search if key == "data-quality" else ""),
                              id=ids.nav(key), active=key == active)
         for key, (title, path) in DATA_PAGES.items()],
        label="Data", nav=True, in_navbar=True, align_end=True,
        toggle_class_name="px-3 active" if active in DATA_PAGES else "px-3",
    ))
    logo = None
    try:
        from dashboard import context
        from dashboard.settings import logo_path

        config = context.current().config
        organisation = organisation or str(config.get("ORGANISATION_NAME") or "")
        if logo_path(config) is not None:
            logo = html.Img(src="/branding/logo", alt="", className="navbar-logo me-2")
    except RuntimeError:  # outside a request (tests building components directly)
        pass
    brand = html.Span([html.I(className="bi bi-bookmark-star-fill me-2"), "Shelfmark"])
    return dbc.Navbar(
        dbc.Container([
            logo,
            dbc.NavbarBrand(brand, href="/" + search, className="fw-bold"),
            html.Span(organisation, className="navbar-text text-white-50 me-auto small")
            if organisation else html.Span(className="me-auto"),
            dbc.Nav(links, navbar=True, className="ms-auto"),
        ], fluid=True),
        color="primary", dark=True, className="sm-navbar mb-0",
    )


@functools.lru_cache(maxsize=4096)
def _month_texts(month) -> tuple[str, str]:
    return month_label(month), month_key(month)


def month_dropdown_options(view: DashboardView) -> list[dict]:
    """Return the period pickers' options: the data's months plus any chosen outside them."""
    return list(_month_dropdown_options(view.extent, view.state.start, view.state.end))


@functools.lru_cache(maxsize=1024)
def _month_dropdown_options(extent, start, end) -> tuple[dict, ...]:
    # A worker sees few distinct (extent, chosen months): each list is made once. The option
    # dicts are shared between calls, so nothing may change them in place.
    return tuple({"label": label, "value": value}
                 for label, value in map(_month_texts, month_options(extent, (start, end))))


def _month_picker(component_id: str, label: str, options: list[dict], month) -> dbc.Col:
    return dbc.Col([
        dbc.Label(label, html_for=component_id, className="filter-label"),
        dcc.Dropdown(id=component_id, options=options,
                     value=month_key(month) if month else None, clearable=False),
    ], lg=2, md=3, xs=6)


def service_picker(component_id: str, services, value, width: int = 4) -> dbc.Col:
    """Return the labelled library-service dropdown of a page's filter bar."""
    return dbc.Col([
        dbc.Label("Library service", html_for=component_id, className="filter-label"),
        dcc.Dropdown(id=component_id, options=service_options(services), value=value,
                     clearable=False, searchable=True, maxHeight=420,
                     placeholder="Choose a library service"),
    ], lg=width, md=12)


def service_options(services) -> list[dict]:
    """Return dropdown options for services, the name with its code."""
    return [{"label": f"{s.name} ({s.code})", "value": s.code} for s in services]


def filter_bar(view: DashboardView, services, page_key: str) -> html.Div:
    """Return the filter controls set to the view's state."""
    state = view.state
    show_categories = page_key == "overview"
    months = month_dropdown_options(view)
    return html.Div(
        dbc.Row([
            service_picker(ids.SERVICE, services, state.service),
            _month_picker(ids.PERIOD_FROM, "From", months, state.start),
            _month_picker(ids.PERIOD_TO, "To", months, state.end),
            dbc.Col([
                dbc.Label("Show by", html_for=ids.GRANULARITY, className="filter-label"),
                dbc.RadioItems(
                    id=ids.GRANULARITY, value=state.granularity, inline=True,
                    options=[{"label": label, "value": key}
                             for key, label in GRANULARITY_LABELS.items()],
                ),
            ], lg=2, md=6),
            dbc.Col([
                dbc.Label("Categories", html_for=ids.CATEGORIES, className="filter-label"),
                dbc.Checklist(
                    id=ids.CATEGORIES, value=list(state.categories), inline=True,
                    options=[{"label": c.title(), "value": c} for c in DASHBOARD_CATEGORIES],
                ),
            ], lg=2, md=6, id=ids.CATEGORIES_GROUP,
                style=None if show_categories else {"display": "none"}),
        ], className="g-3 align-items-end"),
        className="filter-bar",
    )


def synthetic_banner(view: DashboardView):
    """Warn, on every page, when the figures are generated demo data."""
    return service_banner(view.service)


def service_banner(service):
    """Warn when a service's figures are generated demo data (None for real data)."""
    if service is None or not service.synthetic:
        return None
    return fast.html.Div([
        fast.html.I(className="bi bi-exclamation-triangle-fill me-2"),
        fast.html.Strong("Demo data (synthetic). "),
        "These services and figures are generated for demonstration; they are not real.",
    ], className="synthetic-banner", role="note")


def empty_state(message: str, icon: str = "bi-inbox") -> html.Div:
    """Say in words that there is nothing to show."""
    return fast.html.Div([fast.html.I(className=f"bi {icon} d-block mb-2"),
                          fast.html.P(message, className="mb-0")], className="empty-state")


def kpi_tile(item: KpiView, view: DashboardView) -> dbc.Card:
    """Return a headline figure tile: value, change on a year earlier, sparkline."""
    kpi, metric = item.kpi, item.metric
    children = [
        fast.html.Div(kpi.label, className="kpi-label", title=metric.definition),
        fast.html.Div(format_value(kpi.value, metric), className="kpi-value"),
    ]
    if kpi.direction is not None:
        children.append(fast.html.Div([
            fast.html.I(className=f"bi {ARROWS[kpi.direction]} me-1"),
            fast.html.Span(change_text(kpi, metric)),
            fast.html.Span(f" vs {view.comparison_label} ({format_value(kpi.previous, metric)})",
                           className="kpi-previous"),
        ], className=f"kpi-change {kpi.assessment}"))
    elif kpi.value is not None and kpi.previous_incomplete:
        children.append(fast.html.Div(
            f"No comparison: {view.comparison_label} is incomplete "
            f"({kpi.previous_coverage:.0%} reported)", className="kpi-change neutral"))
    elif kpi.value is not None:
        children.append(fast.html.Div(f"No figure for {view.comparison_label} to compare",
                                      className="kpi-change neutral"))
    meta = []
    if getattr(metric, "benchmark", None):
        meta.append(f"Benchmark {format_value(metric.benchmark, metric)}")
    if kpi.coverage is not None and kpi.coverage < 1:
        meta.append(f"{kpi.coverage:.0%} of periods reported")
    if meta:
        children.append(fast.html.Div(" · ".join(meta), className="kpi-meta"))
    if len(item.points) >= 2:
        children.append(fast.dcc.Graph(
            figure=make_sparkline(item.points, metric), className="kpi-spark",
            config={"displayModeBar": False, "responsive": True},
        ))
    return fast.dbc.Card(fast.dbc.CardBody(children), className="kpi-tile h-100",
                         id=f"{ids.KPI}-{kpi.code.replace('_', '-')}")


def accessible_graph(figure: dict, graph_id: str, alt_text: str, table_markdown: str,
                     class_name: str = "panel-graph") -> list:
    """Return a chart with its alt text (read by screen readers) and a "Show data" table."""
    return [
        fast.html.Div(fast.dcc.Graph(figure=figure, config=CONFIG, id=graph_id,
                                     className=class_name),
                      role="figure", **{"aria-label": alt_text}),
        fast.html.Details([fast.html.Summary("Show data", className="show-data-summary"),
                           fast.dcc.Markdown(table_markdown, className="show-data-table")],
                          className="show-data"),
    ]


def panel_card(data: PanelData) -> dbc.Card:
    """Return a chart card for a panel (its title is in the chart), or its empty state."""
    caption = fast.html.P(data.panel.description, className="panel-description")
    if data.empty_message:
        body = [fast.html.H3(data.panel.title, className="panel-title"),
                empty_state(data.empty_message, "bi-bar-chart"), caption]
    else:
        rows = panel_rows(data)
        body = accessible_graph(make_panel_figure(data), f"panel-{data.panel.key}",
                                panel_alt_text(data, rows), rows_markdown(data, rows))
        body.insert(1, caption)
        body += [fast.html.P(note, className="panel-note") for note in data.notes]
    return fast.dbc.Card(fast.dbc.CardBody(body), className="panel-card h-100")


def snapshot_panel_card(panel) -> dbc.Card:
    """Return a chart card for a snapshot panel (executive view), with its caption."""
    if not panel.has_chart:
        body = [html.H3(panel.title, className="panel-title"),
                empty_state(panel.empty_message or "No figures.", "bi-bar-chart")]
    else:
        body = accessible_graph(panel.figure, f"panel-{panel.key}", panel.alt_text,
                                table_markdown(panel.table))
        body.insert(1, html.P(panel.caption, className="panel-caption"))
        body.insert(2, html.P(panel.description, className="panel-description"))
    body += [html.P(note, className="panel-note") for note in panel.notes]
    return dbc.Card(dbc.CardBody(body), className="panel-card h-100")


TILES_PER_ROW = {1: 1, 2: 2, 3: 3, 4: 4, 6: 3, 7: 4, 8: 4}  # else five


def page_body(view: DashboardView) -> list:
    """Return the page content below the filters for a computed view.

    It is the page callback's whole output but for the pickers and links, so it is built
    with layouts.fast: the same components, without Dash's per-call checks.
    """
    children: list = []
    banner = synthetic_banner(view)
    if banner:
        children.append(banner)
    for message in view.messages:
        children.append(fast.dbc.Alert(message, color="warning", className="py-2"))
    service = view.service
    if service is not None:
        subtitle = [service.name]
        details = [d for d in (service.org_type and service.org_type.title(), service.region) if d]
        if service.population:
            details.append(f"{service.population:,.0f} {service.population_unit or ''} served")
        children.append(fast.html.Div([
            fast.html.H1(f"{view.page.title}: {view.period_label}" if view.period_label
                         else view.page.title, className="page-title"),
            fast.html.P(" · ".join([*subtitle, *details]), className="page-subtitle"),
            fast.html.P(view.page.intro, className="page-intro"),
        ]))
    if view.empty_message:
        children.append(empty_state(view.empty_message))
        return children
    if view.kpis:
        # Up to five tiles a row on wide screens, in full rows where the count allows: the
        # overview's ten make two rows of five, a category page's six two rows of three.
        wide = TILES_PER_ROW.get(len(view.kpis), 5)
        children.append(fast.dbc.Row(
            [fast.dbc.Col(kpi_tile(item, view), className="mb-3") for item in view.kpis],
            className=f"kpi-row row-cols-1 row-cols-sm-2 row-cols-lg-3 row-cols-xl-{wide}",
        ))
    elif not view.panels:
        children.append(empty_state("No categories selected, or this page has no measures for "
                                    "this kind of service."))
    cols = []
    for index, data in enumerate(view.panels):
        # Two charts a row; an odd one out at the end takes the full width.
        last_alone = index == len(view.panels) - 1 and len(view.panels) % 2 == 1
        cols.append(fast.dbc.Col(panel_card(data), lg=12 if last_alone else 6,
                                 className="mb-3"))
    children.append(fast.dbc.Row(cols))
    source = service.source_name if service else ""
    children.append(fast.html.Footer(
        f"Source: {source}. Period {view.period_label}, compared with {view.comparison_label}. "
        "Hover a tile's label for the measure's definition.", className="page-footer"))
    return children
