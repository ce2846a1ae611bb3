"""Lay out the Import page: template downloads, upload, preview with validation report, confirm."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.formatting import format_number, plural

from . import ids
from .components import GRID_KEYBOARD, empty_state, navbar

FORMAT_OPTIONS = [
    {"label": "Detect from the columns", "value": "auto"},
    {"label": "Shelfmark template (long or wide)", "value": "shelfmark"},
    {"label": "US Public Libraries Survey (IMLS)", "value": "imls-pls"},
    {"label": "Arts Council England activity", "value": "ace"},
]
FORMAT_NAMES = {"shelfmark": "Shelfmark template", "imls-pls": "IMLS Public Libraries Survey",
                "ace": "Arts Council England activity"}
STAGES = {"starting": "Starting", "reading": "Reading the file", "checking": "Checking",
          "staging": "Staging the rows", "comparing": "Comparing with stored figures",
          "writing": "Writing", "done": "Finishing"}

_GRID_DEFAULTS = {"sortable": True, "filter": True, "resizable": True, "wrapText": True,
                  "autoHeight": True}


def _grid(grid_id: str, rows: list[dict], columns: list[dict], page_size: int = 20) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=columns, defaultColDef=_GRID_DEFAULTS,
        dashGridOptions={**GRID_KEYBOARD, "domLayout": "autoHeight",
                         "pagination": len(rows) > page_size,
                         "paginationPageSize": page_size, "paginationPageSizeSelector": False,
                         "animateRows": False},
        style={"height": None}, className="report-grid",
    )


def template_links() -> html.Div:
    """Return the template download links (generated from the metric catalogue)."""
    def link(layout: str, fmt: str, label: str):
        return html.A([html.I(className="bi bi-download me-1"), label],
                      href=f"/download/template?layout={layout}&format={fmt}",
                      className="btn btn-outline-primary btn-sm me-2 mb-2",
                      id=f"{ids.TEMPLATE_LINK}-{layout}-{fmt}", download="")

    return html.Div([
        html.P([
            html.Strong("Long"), " layout: one row per figure (service, metric, period, value, "
            "optional team and note). ", html.Strong("Wide"), " layout: one row per service and "
            "period, one column per measure. The workbooks also list every measure's code, "
            "unit and definition.", ], className="small mb-2"),
        link("long", "xlsx", "Long template (Excel)"),
        link("long", "csv", "Long template (CSV)"),
        link("wide", "xlsx", "Wide template (Excel)"),
        link("wide", "csv", "Wide template (CSV)"),
    ])


def recent_imports(batches: list[dict[str, Any]]) -> html.Div:
    """Return a short table of the latest import batches."""
    if not batches:
        return empty_state("No imports yet.", "bi-clock-history")
    rows = []
    for b in batches[:10]:
        when = b["created_at"].strftime("%d %b %Y %H:%M") if b["created_at"] else ""
        rows.append(html.Tr([
            html.Td(b["id"]), html.Td(when), html.Td(b["filename"] or b["kind"]),
            html.Td(FORMAT_NAMES.get(b["format"] or "", b["format"] or b["kind"])),
            html.Td(f"{b['added']:,}", className="text-end"),
            html.Td(f"{b['replaced']:,}", className="text-end"),
            html.Td(b["status"]),
        ]))
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Batch", "When", "File", "Format", "Added", "Replaced", "Status")]))
    return html.Div([
        dbc.Table([header, html.Tbody(rows)], size="sm", striped=True, responsive=True,
                  className="mb-1"),
        html.P(["Undo an import from the ", dcc.Link("Data quality", href="/data-quality"),
                " page, or with ", html.Code("python -m dashboard undo-import BATCH"), "."],
               className="small text-secondary"),
    ])


def layout(batches: list[dict[str, Any]], max_bytes: int) -> html.Div:
    """Return the Import page."""
    upload = dcc.Upload(
        id=ids.IMPORT_UPLOAD, multiple=False, accept=".csv,.txt,.xlsx,.xlsm,.gz",
        children=html.Div([
            html.I(className="bi bi-cloud-arrow-up d-block mb-1"),
            html.Span(["Drag and drop a CSV or Excel file here, or ",
                       html.A("choose a file", className="link-primary")],
                      id=ids.IMPORT_UPLOAD_LABEL),
            html.Div(f"Up to {max_bytes / 1048576:,.0f} MB. Nothing is saved until you confirm.",
                     className="small text-secondary mt-1"),
        ]),
        className="upload-zone",
    )
    options = dbc.Row([
        dbc.Col([
            dbc.Label("File format", html_for=ids.IMPORT_FORMAT, className="filter-label"),
            dcc.Dropdown(id=ids.IMPORT_FORMAT, options=FORMAT_OPTIONS, value="auto",
                         clearable=False, searchable=False),
        ], md=5),
        dbc.Col([
            dbc.Label("Sheet", html_for=ids.IMPORT_SHEET, className="filter-label"),
            dcc.Dropdown(id=ids.IMPORT_SHEET, options=[], value=None, clearable=False,
                         searchable=False),
        ], md=3, id=ids.IMPORT_SHEET_GROUP, style={"display": "none"}),
        dbc.Col(dbc.Checkbox(
            id=ids.IMPORT_CREATE, value=False,
            label="Create services whose codes are not known yet",
        ), md=4, className="pt-md-4"),
    ], className="g-3 mt-1 align-items-start")
    return html.Div([
        navbar("import", ""),
        dbc.Container([
            html.H1("Import figures", className="page-title"),
            html.P("Upload your figures in the Shelfmark template, or a national return (the US "
                   "Public Libraries Survey, Arts Council England activity). Shelfmark checks "
                   "every row first and shows what would be added or replaced; nothing is "
                   "stored until you confirm, and every import can be undone.",
                   className="page-intro"),
            dbc.Row([
                dbc.Col(dbc.Card(dbc.CardBody([
                    html.H2("1. Start from the template", className="h5"),
                    template_links(),
                ]), className="h-100"), lg=5, className="mb-3"),
                dbc.Col(dbc.Card(dbc.CardBody([
                    html.H2("2. Upload a file", className="h5"),
                    upload,
                    html.Div(id=ids.IMPORT_CLIENT_MESSAGE, role="alert",
                             className="text-danger small mt-2"),
                    options,
                ]), className="h-100"), lg=7, className="mb-3"),
            ]),
            dbc.Card(dbc.CardBody([
                html.H2("3. Check and confirm", className="h5"),
                html.Div(id=ids.IMPORT_FILE, className="small text-secondary mb-2"),
                html.Div(empty_state("Upload a file to see what it holds and what importing it "
                                     "would change.", "bi-file-earmark-spreadsheet"),
                         id=ids.IMPORT_STATUS, **{"aria-live": "polite"}),
                dbc.Button("Import", id=ids.IMPORT_CONFIRM, color="primary", disabled=True,
                           className="mt-3"),
            ]), className="mb-3"),
            dbc.Card(dbc.CardBody([
                html.H2("Recent imports", className="h5"),
                html.Div(recent_imports(batches), id=ids.IMPORT_RECENT),
            ]), className="mb-3"),
            dcc.Store(id=ids.IMPORT_PAYLOAD),
            dcc.Store(id=ids.IMPORT_INFO),
            dcc.Store(id=ids.IMPORT_MAX_BYTES, data=max_bytes),
            dcc.Store(id=ids.IMPORT_JOB),
            dcc.Interval(id=ids.IMPORT_POLL, interval=400, disabled=True),
        ], fluid=True, className="page-container"),
    ])


# --- the status area ----------------------------------------------------------------------------


def progress_view(job: dict[str, Any]) -> html.Div:
    """Show a running job's stage and progress."""
    fraction = float(job.get("fraction") or 0.0)
    stage = STAGES.get(job.get("stage", ""), str(job.get("stage", "")).title())
    verb = "Importing" if job.get("kind") == "commit" else "Checking"
    return html.Div([
        html.P(f"{verb}: {stage}…", className="mb-1"),
        dbc.Progress(value=max(3, round(fraction * 100)), striped=True, animated=True,
                     label=f"{fraction:.0%}", className="import-progress"),
    ], id=ids.IMPORT_PROGRESS)


def _problem_rows(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"row": p.get("row"), "column": p.get("column") or "", "value": p.get("value") or "",
             "reason": p.get("reason") or "", "severity": p.get("severity") or "error"}
            for p in problems]


PROBLEM_COLUMNS = [
    {"field": "row", "headerName": "Row", "maxWidth": 90, "type": "numericColumn"},
    {"field": "column", "headerName": "Column", "maxWidth": 200},
    {"field": "value", "headerName": "Value", "maxWidth": 200},
    {"field": "reason", "headerName": "Reason", "flex": 1, "minWidth": 320},
]


def failed_view(job: dict[str, Any]) -> html.Div:
    """Show why a file cannot be imported: every problem with its row, column and reason."""
    details = job.get("details") or {}
    problems = details.get("problems") or []
    count = int(details.get("problem_count") or len(problems))
    children = [dbc.Alert([html.I(className="bi bi-x-octagon-fill me-2"),
                           job.get("message") or "The file cannot be imported."],
                          color="danger", className="mb-2")]
    if problems:
        shown = f"the first {len(problems):,} of {count:,}" if count > len(problems) else "all"
        children += [
            html.P(f"Problems ({shown}), by spreadsheet row (the header is row 1). Fix them in "
                   "the file and upload it again.", className="small"),
            _grid("import-problems", _problem_rows(problems), PROBLEM_COLUMNS),
        ]
    return html.Div(children)


def _tile(label: str, value: int | str, tone: str = "") -> dbc.Col:
    shown = f"{value:,}" if isinstance(value, int) else value
    return dbc.Col(html.Div([html.Div(shown, className="count-value"),
                             html.Div(label, className="count-label")],
                            className=f"count-tile {tone}"), xs=6, md=3)


def preview_view(result: dict[str, Any], committed: bool = False) -> html.Div:
    """Show what a file holds and what importing it would change (or did change)."""
    fmt = FORMAT_NAMES.get(result.get("format", ""), result.get("format", ""))
    verb = "" if committed else "to "
    tiles = dbc.Row([
        _tile("rows read", int(result["rows"])),
        _tile(f"{verb}add" if not committed else "added", int(result["added"]), "tone-add"),
        _tile(f"{verb}replace" if not committed else "replaced", int(result["replaced"]),
              "tone-replace" if result["replaced"] else ""),
        _tile("unchanged", int(result["unchanged"])),
    ], className="g-2 mb-3")
    children: list = []
    if committed:
        children.append(dbc.Alert([
            html.I(className="bi bi-check-circle-fill me-2"),
            f"Imported as batch {result['batch_id']}. " if result.get("batch_id") else
            "Nothing changed: every figure was already stored. ",
            "See it on the ", dcc.Link("dashboard", href="/"), " or the ",
            dcc.Link("Data quality", href="/data-quality"), " page, where it can be undone.",
        ], color="success", className="mb-2", id=ids.IMPORT_DONE))
    else:
        changed = result["added"] or result["replaced"] or result["services_created"] or \
            result.get("neighbours")
        children.append(dbc.Alert(
            [html.I(className="bi bi-check2-circle me-2"),
             f"{fmt}: no problems found. Check the figures below, then confirm."]
            if changed else
            [html.I(className="bi bi-info-circle me-2"),
             f"{fmt}: no problems found, but every figure is already stored: importing it "
             "would change nothing."],
            color="success" if changed else "info", className="mb-2", id=ids.IMPORT_READY))
    children.append(tiles)
    created = result.get("services_created") or []
    if created:
        listed = ", ".join(created[:12]) + (f" and {len(created) - 12:,} more"
                                            if len(created) > 12 else "")
        what = plural(len(created), "new service")
        children.append(html.P(f"{what if committed else 'Will create ' + what}: {listed}.",
                               className="small"))
    if result.get("neighbours"):
        links = plural(int(result["neighbours"]), "nearest-neighbour link")
        children.append(html.P(f"{links if committed else 'Will store ' + links}.",
                               className="small"))
    warnings = result.get("warnings") or []
    if warnings:
        children += [html.H3(f"Warnings ({len(warnings):,}): worth a look, they do not block "
                             "the import", className="h6 mt-3"),
                     _grid("import-warnings", _problem_rows(warnings), PROBLEM_COLUMNS, 10)]
    replacements = result.get("replacements") or []
    if replacements:
        children += [
            html.H3(f"Values {'replaced' if committed else 'to be replaced'} (old → new"
                    f"{', first ' + format(len(replacements), ',') if result['replaced'] > len(replacements) else ''})",
                    className="h6 mt-3"),
            _grid("import-replacements", [
                {**r, "old": format_number(r["old"]), "new": format_number(r["new"])}
                for r in replacements], [
                {"field": "service", "headerName": "Service", "maxWidth": 140},
                {"field": "metric", "headerName": "Measure", "flex": 1},
                {"field": "period", "headerName": "Period", "maxWidth": 140},
                {"field": "team", "headerName": "Team", "maxWidth": 140},
                {"field": "old", "headerName": "Old", "maxWidth": 140, "type": "numericColumn"},
                {"field": "new", "headerName": "New", "maxWidth": 140, "type": "numericColumn"},
            ], 10)]
    sample = result.get("sample") or []
    if sample and not committed:
        children += [
            html.H3("First rows as Shelfmark reads them", className="h6 mt-3"),
            _grid("import-sample", [
                {**r, "value": format_number(r["value"]) if r["value"] is not None
                 else (r["missing"] or "missing")} for r in sample], [
                {"field": "row", "headerName": "Row", "maxWidth": 90},
                {"field": "service", "headerName": "Service", "maxWidth": 140},
                {"field": "metric", "headerName": "Measure", "flex": 1},
                {"field": "period", "headerName": "Period", "maxWidth": 140},
                {"field": "team", "headerName": "Team", "maxWidth": 140},
                {"field": "value", "headerName": "Value", "maxWidth": 160,
                 "type": "numericColumn"},
            ], 12)]
    return html.Div(children)


def confirm_label(result: dict[str, Any]) -> str:
    """Say on the confirm button what it will do."""
    parts = [f"{verb} {plural(int(result[key]), 'figure')}"
             for verb, key in (("add", "added"), ("replace", "replaced")) if result[key]]
    return "Import: " + " and ".join(parts) if parts else "Import"
