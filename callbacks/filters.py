"""Redraw a page when a filter changes, and mirror the filters in the URL."""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Input, Output, State, no_update

from dashboard import context
from dashboard.periods import month_key
from dashboard.state import DASHBOARD_CATEGORIES, parse_state
from dashboard.templates import PAGE_ORDER
from dashboard.views import build_view
from layouts import ids
from layouts.components import PAGE_PATHS, month_dropdown_options, page_body

log = logging.getLogger(__name__)


def _text(value) -> str | None:
    """Accept a short string from an untrusted payload; anything else becomes None."""
    if isinstance(value, str) and len(value) <= 200:
        return value
    return None


def query_from_inputs(service, start, end, granularity, categories) -> dict:
    """Turn untrusted callback inputs into the query form parse_state validates."""
    query = {"service": _text(service), "from": _text(start), "to": _text(end),
             "granularity": _text(granularity)}
    if isinstance(categories, list):
        picked = [c for c in categories if isinstance(c, str) and c in DASHBOARD_CATEGORIES]
        query["categories"] = ",".join(picked) if picked else "none"
    return {k: v for k, v in query.items() if v is not None}


def update_page(service, start, end, granularity, categories, page_key):
    """Compute the page for the filters; return content, period pickers, URL and nav links."""
    if page_key not in PAGE_ORDER:
        page_key = "overview"
    app_ctx = context.current()
    viewer = context.current_viewer()
    state = parse_state(query_from_inputs(service, start, end, granularity, categories))
    try:
        view = app_ctx.cached(
            ("view", page_key, state.to_query(), viewer),
            lambda: build_view(app_ctx.db, viewer, app_ctx.config, page_key, state),
        )
        content = page_body(view)
    except Exception:  # never show a stack trace in the page
        log.exception("could not build page %s for %s", page_key, state)
        content = [dbc.Alert("Sorry, this view could not be drawn. The problem has been logged.",
                             color="danger")]
        return (content, no_update, no_update, no_update, no_update, no_update,
                *[no_update] * len(PAGE_ORDER))
    options = month_dropdown_options(view)
    search = view.state.to_query() if view.service else ""
    start_value = month_key(view.state.start) if view.state.start else None
    end_value = month_key(view.state.end) if view.state.end else None
    hrefs = [PAGE_PATHS[key] + search for key in PAGE_ORDER]
    return (content, options, start_value, options, end_value, search, *hrefs)


def register(app) -> None:
    """Register the filter callbacks."""
    app.callback(
        Output(ids.CONTENT, "children"),
        Output(ids.PERIOD_FROM, "options"),
        Output(ids.PERIOD_FROM, "value"),
        Output(ids.PERIOD_TO, "options"),
        Output(ids.PERIOD_TO, "value"),
        Output(ids.URL_SEARCH, "data"),
        *[Output(ids.nav(key), "href") for key in PAGE_ORDER],
        Input(ids.SERVICE, "value"),
        Input(ids.PERIOD_FROM, "value"),
        Input(ids.PERIOD_TO, "value"),
        Input(ids.GRANULARITY, "value"),
        Input(ids.CATEGORIES, "value"),
        State(ids.PAGE_KEY, "data"),
        prevent_initial_call=True,
    )(update_page)

    # Mirror the filters in the address bar without reloading the page or re-running the
    # page router, so that a reload or a shared link shows the same view.
    app.clientside_callback(
        """
        function(search) {
            if (typeof search === "string" && search !== window.location.search) {
                window.history.replaceState(null, "", window.location.pathname + search);
            }
            return search;
        }
        """,
        Output(ids.URL_SYNCED, "title"),
        Input(ids.URL_SEARCH, "data"),
    )
