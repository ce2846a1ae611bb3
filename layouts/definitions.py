"""Lay out the Definitions page: the metric catalogue, searchable."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.catalogue import CATALOGUE

from . import ids
from .components import GRID_KEYBOARD, navbar

AGGREGATION_WORDS = {"sum": "summed over time", "latest": "latest value in the period",
                     "mean": "average over time"}


def catalogue_rows() -> list[dict]:
    """Return one row per metric, stored and derived, for the definitions table."""
    names = CATALOGUE.names()
    rows = []
    for m in CATALOGUE.all():
        unit = f"{m.unit} ({m.currency})" if m.currency else m.unit
        rows.append({
            "code": m.code, "name": m.name, "category": m.category.title(), "unit": unit,
            "over_time": "derived" if m.derived else AGGREGATION_WORDS[m.aggregation],
            "better": {True: "Higher", False: "Lower", None: "Neither"}[m.higher_is_better],
            "sectors": ", ".join(m.sectors), "definition": m.definition,
            "formula": m.formula(names) if m.derived else "", "source": m.source,
        })
    return rows


COLUMNS = [
    {"field": "name", "headerName": "Measure", "pinned": "left", "width": 230},
    {"field": "definition", "headerName": "Definition", "flex": 1, "minWidth": 360,
     "wrapText": True, "autoHeight": True, "cellClass": "cell-wrap"},
    {"field": "code", "headerName": "Code", "width": 190},
    {"field": "unit", "headerName": "Unit", "width": 120},
    {"field": "over_time", "headerName": "Over time", "width": 170, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap"},
    {"field": "formula", "headerName": "Formula (derived)", "width": 240, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap"},
    {"field": "category", "headerName": "Category", "width": 110},
    {"field": "better", "headerName": "Better when", "width": 110},
    {"field": "sectors", "headerName": "Sectors", "width": 150},
    {"field": "source", "headerName": "Source", "width": 260, "wrapText": True,
     "autoHeight": True, "cellClass": "cell-wrap"},
]


def layout(q: str = "", **_query) -> html.Div:
    """Return the Definitions page; `q` pre-fills the search box."""
    search = str(q)[:100] if isinstance(q, str) else ""
    return html.Div([
        navbar("definitions", ""),
        dbc.Container([
            html.H1("Definitions", className="page-title"),
            html.P(f"Every measure Shelfmark knows: {len(CATALOGUE.stored)} stored and "
                   f"{len(CATALOGUE.derived)} derived (computed from stored ones, never "
                   "imported). Search by name, code, unit, definition or source.",
                   className="page-intro"),
            dbc.Label("Search the definitions", html_for=ids.DEFINITIONS_SEARCH,
                      className="visually-hidden"),
            dbc.Input(id=ids.DEFINITIONS_SEARCH, type="search", value=search, debounce=False,
                      placeholder="Search the definitions, e.g. searches, WTE, IMLS",
                      className="mb-3", style={"maxWidth": "32rem"}),
            dag.AgGrid(
                id=ids.DEFINITIONS_GRID, rowData=catalogue_rows(), columnDefs=COLUMNS,
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                dashGridOptions={**GRID_KEYBOARD, "quickFilterText": search, "animateRows": False,
                                 "domLayout": "autoHeight", "pagination": True,
                                 "paginationPageSize": 25,
                                 "paginationPageSizeSelector": [25, 50, 100]},
                className="definitions-grid", style={"height": None},
            ),
        ], fluid=True, className="page-container"),
    ])
