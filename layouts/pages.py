"""Define the page layouts and register them with Dash pages (layouts as functions of the URL)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import context
from dashboard.db.services import first_service_code, list_services
from dashboard.state import parse_state, unknown_service_note
from dashboard.templates import PAGE_ORDER
from dashboard.views import build_view

from . import benchmark, definitions, executive, ids, importing, present, quality
from .components import PAGE_PATHS, PAGE_TITLES, filter_bar, navbar, page_body
from .toolbar import toolbar


def render_page(page_key: str, query: dict) -> html.Div:
    """Return a whole dashboard page for the URL query, with its first figures already drawn."""
    ctx = context.current()
    viewer = context.current_viewer()
    state = parse_state(query)
    view = build_view(ctx.db, viewer, ctx.config, page_key, state)
    services = list_services(ctx.db, viewer)
    search = view.state.to_query() if view.service else ""
    return html.Div([
        dcc.Store(id=ids.PAGE_KEY, data=page_key),
        dcc.Store(id=ids.URL_SEARCH, data=search),
        html.Div(id=ids.URL_SYNCED, hidden=True),
        navbar(page_key, search, ctx.config.get("ORGANISATION_NAME", "")),
        dbc.Container([
            filter_bar(view, services, page_key),
            toolbar(page_key, search),
            dcc.Loading(html.Div(page_body(view), id=ids.CONTENT), type="default",
                        delay_show=400, overlay_style={"visibility": "visible", "opacity": 0.5}),
        ], fluid=True, className="page-container"),
    ])


def _layout_for(page_key: str):
    def layout(**query):
        return render_page(page_key, query)

    layout.__name__ = f"{page_key}_layout"
    return layout


def import_page(**_query) -> html.Div:
    """Return the Import page with the latest batches."""
    from dashboard.db.imports import list_batches

    ctx = context.current()
    batches = list_batches(ctx.db, context.current_viewer())
    return importing.layout(batches, int(ctx.config["IMPORT_MAX_MB"]) * 1024 * 1024)


def quality_page(service: str | None = None, **_query) -> html.Div:
    """Return the Data quality page for ?service=CODE (or the first service).

    A code that is not valid, or names no service, is ignored and the page says so, as the
    dashboard pages do.
    """
    ctx = context.current()
    viewer = context.current_viewer()
    services = list_services(ctx.db, viewer)
    known = {s.code for s in services}
    state = parse_state({"service": service} if service is not None else {})
    messages = list(state.problems)
    code = state.service
    if code is not None and code not in known:
        messages.append(unknown_service_note(code))
        code = None
    if code is None:
        code = first_service_code(ctx.db, viewer)
    return quality.layout(services, code, quality.quality_body(code, messages))


def not_found(**_query) -> html.Div:
    """Return the page shown for an unknown address."""
    return html.Div([
        navbar("", ""),
        dbc.Container(html.Div([
            html.H1("Page not found", className="page-title"),
            html.P("There is no page at this address."),
            dcc.Link("Go to the overview", href="/"),
        ], className="empty-state"), className="page-container"),
    ])


def register_pages() -> None:
    """Register every dashboard page with Dash pages."""
    for order, key in enumerate(PAGE_ORDER):
        dash.register_page(
            f"shelfmark.{key}", path=PAGE_PATHS[key], name=PAGE_TITLES[key],
            title=f"{PAGE_TITLES[key]} · Shelfmark", order=order, layout=_layout_for(key),
        )
    dash.register_page("shelfmark.definitions", path="/definitions", name="Definitions",
                       title="Definitions · Shelfmark", layout=definitions.layout)
    dash.register_page("shelfmark.executive", path="/executive", name="Executive summary",
                       title="Executive summary · Shelfmark", layout=executive.layout)
    dash.register_page("shelfmark.benchmark", path="/benchmark", name="Benchmark",
                       title="Benchmark · Shelfmark", layout=benchmark.layout)
    dash.register_page("shelfmark.import", path="/import", name="Import figures",
                       title="Import figures · Shelfmark", layout=import_page)
    dash.register_page("shelfmark.data_quality", path="/data-quality", name="Data quality",
                       title="Data quality · Shelfmark", layout=quality_page)
    dash.register_page("shelfmark.present", path=present.PATH, name="Presentation",
                       title="Presentation · Shelfmark", layout=present.layout)
    dash.register_page("shelfmark.not_found_404", path="/404", layout=not_found,
                       title="Not found · Shelfmark")


def shell() -> html.Div:
    """Return the app-level layout around the pages."""
    return html.Div([dash.page_container], className="app-shell")
