"""Wire the Data quality page: choose a service, read its report, undo an import."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback_context, no_update

from dashboard import context
from dashboard.db.imports import undo_import
from dashboard.importing import ImportFailed
from layouts import ids
from layouts.quality import quality_body

log = logging.getLogger(__name__)


def _code(value) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 100 else None


def show_service(service_code):
    """Redraw the report when another service is chosen, and put it in the address bar."""
    code = _code(service_code)
    if code is None:
        return no_update, no_update
    return quality_body(code), "?" + urlencode({"service": code})


def ask_undo(clicks):
    """Open the confirmation for the batch whose Undo button was pressed."""
    trigger = callback_context.triggered_id
    if not isinstance(trigger, dict) or not any(c for c in (clicks or []) if c):
        return no_update, no_update, no_update
    batch_id = trigger.get("index")
    if not isinstance(batch_id, int) or isinstance(batch_id, bool):
        return no_update, no_update, no_update
    text = (f"Undo import batch {batch_id}? Every figure it added is removed and every value "
            "it replaced is restored, for all services it touched.")
    return batch_id, True, text


def confirm_undo(n_clicks, batch_id, service_code):
    """Undo the chosen batch; report the outcome and redraw the report."""
    if not n_clicks or not isinstance(batch_id, int) or isinstance(batch_id, bool):
        return no_update, no_update, False
    ctx = context.current()
    try:
        result = undo_import(ctx.db, context.current_viewer(), batch_id)
    except ImportFailed as failed:
        return dbc.Alert(f"Nothing was undone: {failed}", color="danger"), no_update, False
    message = dbc.Alert(result.summary(), color="success", id=ids.QUALITY_UNDONE)
    return message, quality_body(_code(service_code)), False


def register(app) -> None:
    """Register the Data quality page's callbacks."""
    app.callback(
        Output(ids.QUALITY_CONTENT, "children"),
        Output(ids.URL_SEARCH, "data", allow_duplicate=True),
        Input(ids.QUALITY_SERVICE, "value"),
        prevent_initial_call=True,
    )(show_service)
    app.callback(
        Output(ids.QUALITY_UNDO_BATCH, "data"),
        Output(ids.QUALITY_UNDO_MODAL, "is_open"),
        Output(ids.QUALITY_UNDO_TEXT, "children"),
        Input({"type": ids.QUALITY_UNDO, "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(ask_undo)
    app.callback(
        Output(ids.QUALITY_MESSAGE, "children"),
        Output(ids.QUALITY_CONTENT, "children", allow_duplicate=True),
        Output(ids.QUALITY_UNDO_MODAL, "is_open", allow_duplicate=True),
        Input(ids.QUALITY_UNDO_CONFIRM, "n_clicks"),
        State(ids.QUALITY_UNDO_BATCH, "data"),
        State(ids.QUALITY_SERVICE, "value"),
        prevent_initial_call=True,
    )(confirm_undo)
    app.clientside_callback(
        "function(n) { return false; }",
        Output(ids.QUALITY_UNDO_MODAL, "is_open", allow_duplicate=True),
        Input(ids.QUALITY_UNDO_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
