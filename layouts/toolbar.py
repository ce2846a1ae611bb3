"""Lay out the snapshot toolbar: download the view, copy its link, present it, open a saved view.

One toolbar sits under the filters of every dashboard page, the Benchmark page and the
executive view. Its callbacks (callbacks/snapshot.py) read the page key from a store and the
current query from the page's URL store, so a download always shows the filters on screen.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.snapshot.model import FORMAT_LABELS, SNAPSHOT_FORMATS

from . import ids
from .present import present_href

FORMAT_ICONS = {"pdf": "bi-file-earmark-pdf", "pptx": "bi-file-earmark-slides",
                "png": "bi-file-earmark-image", "html": "bi-filetype-html",
                "xlsx": "bi-file-earmark-spreadsheet", "csv": "bi-filetype-csv",
                "zip": "bi-file-earmark-zip"}


def toolbar(page_key: str, search: str) -> html.Div:
    """Return the toolbar for a page showing the view `search` (its query string)."""
    items = [dbc.DropdownMenuItem([html.I(className=f"bi {FORMAT_ICONS[fmt]} me-2"),
                                   FORMAT_LABELS[fmt]],
                                  id={"type": ids.SNAP_FORMAT, "format": fmt}, n_clicks=0)
             for fmt in SNAPSHOT_FORMATS]
    return html.Div([
        dcc.Store(id=ids.SNAP_PAGE, data=page_key),
        dcc.Store(id=ids.SNAP_JOB),
        dcc.Store(id=ids.SNAP_FILE),
        html.Div(id=ids.SNAP_FETCHED, hidden=True),
        dcc.Interval(id=ids.SNAP_POLL, interval=500, disabled=True),
        html.Div([
            dbc.DropdownMenu(items, label=html.Span([html.I(className="bi bi-download me-2"),
                                                     "Download"]),
                             id=ids.SNAP_MENU, color="primary", size="sm",
                             className="me-2 d-inline-block", align_end=False),
            dbc.Button([html.I(className="bi bi-link-45deg me-1"), "Copy link"],
                       id=ids.COPY_LINK, color="outline-primary", size="sm",
                       className="me-2", n_clicks=0,
                       title="Copy the address of this view, filters included"),
            html.A([html.I(className="bi bi-easel me-1"), "Present"],
                   href=present_href(page_key, search), id=ids.PRESENT_LINK,
                   className="btn btn-outline-primary btn-sm me-2",
                   title="Show this view full screen, one panel per slide"),
            dcc.Upload(html.Span([html.I(className="bi bi-folder2-open me-1"),
                                  "Open a saved view"],
                                 id=ids.VIEW_UPLOAD_LABEL,
                                 className="btn btn-outline-primary btn-sm",
                                 title="Open the view a view.json file (from a ZIP bundle) "
                                       "describes"),
                       id=ids.VIEW_UPLOAD, accept=".json,application/json", multiple=False,
                       className="d-inline-block",
                       style={"display": "inline-block"}),
            html.Span(id=ids.COPY_STATUS, className="small text-secondary ms-2",
                      role="status"),
        ], className="d-flex flex-wrap align-items-center gap-1"),
        html.Div(id=ids.SNAP_STATUS, className="snapshot-status mt-2", role="status",
                 **{"aria-live": "polite"}),
        html.Div(id=ids.VIEW_MESSAGE, role="alert"),
    ], className="snapshot-toolbar mb-3")


def progress_view(job: dict) -> dbc.Alert:
    """Show a snapshot job's progress."""
    fraction = float(job.get("fraction") or 0.0)
    return dbc.Alert([
        html.Div(f"Preparing the {job.get('label', 'file')}: {job.get('stage', 'starting')}…",
                 className="small mb-1"),
        dbc.Progress(value=max(3, round(fraction * 100)), striped=True, animated=True,
                     style={"height": "0.5rem"}),
    ], color="light", className="py-2 mb-0")


def ready_view(label: str, href: str, filename: str, size: int) -> dbc.Alert:
    """Say the file is ready, with a link to fetch it again."""
    return dbc.Alert([
        html.I(className="bi bi-check-circle-fill me-2"),
        f"Your {label} is ready ({_size(size)}). ",
        html.A(f"Download {filename} again", href=href, className="alert-link",
               id=ids.SNAP_AGAIN),
    ], color="success", className="py-2 mb-0", dismissable=True)


def failed_view(message: str) -> dbc.Alert:
    """Say the file could not be made, and why."""
    return dbc.Alert([html.I(className="bi bi-exclamation-triangle-fill me-2"),
                      f"The file could not be made: {message}"], color="danger",
                     className="py-2 mb-0", dismissable=True)


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024)):,} KB"
    return f"{n / 1048576:,.1f} MB"
