"""Lay out the Data quality page: gaps, outliers, flagged values and imports for one service."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import context
from dashboard.db.services import get_service
from dashboard.figures.quality import make_coverage_figure
from dashboard.figures.theme import CONFIG
from dashboard.formatting import format_number
from dashboard.quality import OUTLIER_MADS, QualityReport, service_report

from . import ids
from .components import GRID_KEYBOARD, empty_state, navbar, service_banner, service_options
from .importing import FORMAT_NAMES


def _grid(grid_id: str, rows: list[dict], columns: list[dict], page_size: int = 15):
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=columns,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "wrapText": True,
                       "autoHeight": True},
        dashGridOptions={**GRID_KEYBOARD, "domLayout": "autoHeight",
                         "pagination": len(rows) > page_size,
                         "paginationPageSize": page_size, "paginationPageSizeSelector": False,
                         "animateRows": False},
        style={"height": None}, className="report-grid",
    )


def _count(label: str, value: int, tone: str = "") -> dbc.Col:
    return dbc.Col(html.Div([html.Div(f"{value:,}", className="count-value"),
                             html.Div(label, className="count-label")],
                            className=f"count-tile {tone}"), xs=6, md=3)


def _section(title: str, intro: str, body) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.H2(title, className="h5"),
                                  html.P(intro, className="small text-secondary"), body]),
                    className="mb-3")


def batches_table(batches: list[dict]) -> html.Div:
    """Return the imports holding this service's figures, each with an undo button."""
    if not batches:
        return empty_state("No import batches hold figures for this service.", "bi-clock-history")
    rows = []
    for b in batches:
        when = b["created_at"].strftime("%d %b %Y %H:%M") if b["created_at"] else ""
        undo = dbc.Button([html.I(className="bi bi-arrow-counterclockwise me-1"), "Undo"],
                          id={"type": ids.QUALITY_UNDO, "index": int(b["id"])}, size="sm",
                          color="outline-danger") if b["kind"] == "import" else \
            html.Span("demo seed" if b["kind"] == "demo" else b["kind"],
                      className="text-secondary small")
        rows.append(html.Tr([
            html.Td(b["id"]), html.Td(when), html.Td(b["filename"] or "–"),
            html.Td(FORMAT_NAMES.get(b.get("format") or "", b.get("format") or b["kind"])),
            html.Td(b["created_by"]), html.Td(b["note"] or "", className="small"), html.Td(undo),
        ]))
    header = html.Thead(html.Tr([html.Th(h) for h in (
        "Batch", "When", "File", "Format", "By", "What it did", "")]))
    return dbc.Table([header, html.Tbody(rows)], size="sm", striped=True, responsive=True)


def report_body(report: QualityReport, service_name: str) -> list:
    """Return the page content for a service's data-quality report."""
    if report.empty:
        return [empty_state(f"{service_name} has no stored figures yet: nothing to check.")]
    children = [dbc.Row([
        _count("measures reported", len(report.metrics)),
        _count("measure-months with no data", report.gap_months,
               "tone-replace" if report.gap_months else ""),
        _count("suspected outliers", len(report.outliers),
               "tone-replace" if report.outliers else ""),
        _count("suppressed, missing or imputed", len(report.flagged)),
    ], className="g-2 mb-3")]
    first, last = report.months[0], report.months[-1]
    span = f"{first:%b %Y} to {last:%b %Y}"
    children.append(_section(
        "Coverage", f"Which months each measure has figures for, {span}. A quarterly or yearly "
        "figure covers its months.",
        dcc.Graph(figure=make_coverage_figure(report.months, report.status,
                                              f"Months with figures, by measure: {span}"),
                  config=CONFIG, id=ids.QUALITY_COVERAGE)))
    children.append(_section(
        "Months with no data", "Months between the first and last figure with nothing stored "
        "for a measure the service reports. Blank is missing, never zero.",
        _grid("quality-gaps", report.gaps, [
            {"field": "name", "headerName": "Measure", "minWidth": 300},
            {"field": "months", "headerName": "Months missing", "maxWidth": 150,
             "type": "numericColumn"},
            {"field": "which", "headerName": "Which", "flex": 1, "minWidth": 300},
        ]) if report.gaps else empty_state("No gaps: every measure has figures for every "
                                           "month.", "bi-check2-circle")))
    children.append(_section(
        "Suspected outliers", f"Figures more than {OUTLIER_MADS:g} robust standard deviations "
        "(scaled median absolute deviations) from the median of this service's own figures for "
        "the measure, leaving out what is usual for the calendar month. Check them at source.",
        _grid("quality-outliers", [
            {**o, "value": format_number(o["value"]), "median": format_number(o["median"]),
             "mads": round(o["mads"], 1)} for o in report.outliers], [
            {"field": "name", "headerName": "Measure", "minWidth": 280},
            {"field": "period", "headerName": "Period", "maxWidth": 150},
            {"field": "value", "headerName": "Value", "maxWidth": 150, "type": "numericColumn"},
            {"field": "median", "headerName": "Usual (median)", "maxWidth": 160,
             "type": "numericColumn"},
            {"field": "mads", "headerName": "Deviations", "maxWidth": 130,
             "type": "numericColumn"},
            {"field": "team", "headerName": "Team", "maxWidth": 140},
        ]) if report.outliers else empty_state("No figures stand out from the service's own "
                                               "history.", "bi-check2-circle")))
    children.append(_section(
        "Suppressed, missing or imputed", "Figures the publisher withheld or marked missing "
        "(stored with the reason, never as a number) and figures it imputed.",
        _grid("quality-flagged", [
            {**f, "value": format_number(f["value"]) if f["value"] is not None else "–"}
            for f in report.flagged], [
            {"field": "name", "headerName": "Measure", "minWidth": 280},
            {"field": "period", "headerName": "Period", "maxWidth": 150},
            {"field": "flag", "headerName": "Flag", "minWidth": 220},
            {"field": "value", "headerName": "Value", "maxWidth": 150, "type": "numericColumn"},
        ]) if report.flagged else empty_state("No suppressed, missing or imputed figures.",
                                              "bi-check2-circle")))
    children.append(_section(
        "Imports", "The import batches holding this service's figures. Undo removes exactly "
        "what a batch added and restores any values it replaced.",
        batches_table(report.batches)))
    links = [html.A([html.I(className="bi bi-download me-1"), label],
                    href="/download/export?" + urlencode(
                        {"service": report.service, "layout": layout, "format": fmt}), className="btn btn-outline-primary btn-sm me-2",
                    download="")
             for label, layout, fmt in (("Figures (CSV)", "long", "csv"),
                                        ("Figures (Excel, wide)", "wide", "xlsx"))]
    children.append(html.Div([html.Span("Download this service's stored figures in the "
                                        "template layout: ", className="small me-2"), *links],
                             className="mb-4"))
    return children


def quality_body(service_code: str | None, messages: list[str] | None = None) -> list:
    """Return the report for a service code (untrusted), or say why there is none.

    `messages` are notes about the link (a service code that was ignored), shown first.
    """
    ctx = context.current()
    viewer = context.current_viewer()
    notes = [dbc.Alert(m, color="warning", className="py-2") for m in messages or []]
    service = get_service(ctx.db, viewer, service_code) if service_code else None
    if service is None:
        return notes + [dbc.Alert("Choose a library service to check its figures.",
                                  color="info")]
    banner = service_banner(service)
    report = service_report(ctx.db, viewer, ctx.config, service.code)
    return ([banner] if banner else []) + notes + report_body(report, service.name)


def layout(services, service_code: str | None, body: list) -> html.Div:
    """Return the Data quality page."""
    search = "?" + urlencode({"service": service_code}) if service_code else ""
    return html.Div([
        dcc.Store(id=ids.URL_SEARCH, data=search),
        html.Div(id=ids.URL_SYNCED, hidden=True),
        dcc.Store(id=ids.QUALITY_UNDO_BATCH),
        navbar("data-quality", search),
        dbc.Container([
            html.H1("Data quality", className="page-title"),
            html.P("For one service: the months with no figures, figures that stand out from "
                   "its own history, values the publisher suppressed or imputed, and the "
                   "imports that brought them in.", className="page-intro"),
            dbc.Row(dbc.Col([
                dbc.Label("Library service", html_for=ids.QUALITY_SERVICE,
                          className="filter-label"),
                dcc.Dropdown(id=ids.QUALITY_SERVICE, options=service_options(services),
                             value=service_code, clearable=False, searchable=True,
                             placeholder="Choose a library service"),
            ], lg=5), className="filter-bar mb-3"),
            html.Div(id=ids.QUALITY_MESSAGE),
            dcc.Loading(html.Div(body, id=ids.QUALITY_CONTENT), type="default", delay_show=400),
            dbc.Modal([
                dbc.ModalHeader(dbc.ModalTitle("Undo this import?")),
                dbc.ModalBody(id=ids.QUALITY_UNDO_TEXT),
                dbc.ModalFooter([
                    dbc.Button("Cancel", id=ids.QUALITY_UNDO_CANCEL, color="secondary"),
                    dbc.Button("Undo the import", id=ids.QUALITY_UNDO_CONFIRM, color="danger"),
                ]),
            ], id=ids.QUALITY_UNDO_MODAL, is_open=False),
        ], fluid=True, className="page-container"),
    ])
