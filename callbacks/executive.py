"""Wire the executive view: its filters become a new address (the page redraws from it)."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from dashboard.executive import parse_executive_state
from layouts import ids


def _text(value, limit: int = 4000) -> str | None:
    return value if isinstance(value, str) and len(value) <= limit else None


def navigate(service, start, end, peers, shown):
    """Turn the (untrusted) filter values into the view's address; stay put when they are
    the view already shown (as when the page first draws its controls), so the page's notes
    about a link's ignored values stay on screen."""
    query = {k: v for k, v in (("service", _text(service, 64)), ("from", _text(start, 10)),
                               ("to", _text(end, 10)), ("peers", _text(peers))) if v}
    if not query:
        return no_update
    search = parse_executive_state(query).to_query()
    if search == shown:
        return no_update
    return "/executive" + search


def register(app) -> None:
    """Register the executive view's callbacks."""
    app.callback(
        Output(ids.PAGES_LOCATION, "href", allow_duplicate=True),
        Input(ids.EXEC_SERVICE, "value"),
        Input(ids.EXEC_FROM, "value"),
        Input(ids.EXEC_TO, "value"),
        Input(ids.EXEC_PEERS, "value"),
        State(ids.URL_SEARCH, "data"),
        prevent_initial_call=True,
    )(navigate)
