"""Write the data behind a snapshot's panels as an Excel workbook or one long CSV.

The workbook has an About sheet (whose figures, which filters and peers, when, from where,
the link that re-opens the view), a Headlines sheet, one sheet per panel holding exactly the
panel's table (numbers as numbers) and a Definitions sheet. The CSV stacks every panel's
table in long form, one row per cell, each row carrying the view's service, period and
filters. Text a spreadsheet would run as a formula is neutralised, as in every Shelfmark
download (`dashboard.importing.template`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from typing import Any, Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..importing.template import csv_bytes, neutralise, xlsx_text
from . import words
from .model import Snapshot, SnapshotPanel

ABOUT_SHEET, HEADLINES_SHEET, DEFINITIONS_SHEET = "About", "Headlines", "Definitions"
RESERVED_SHEETS = {"history"}  # Excel reserves this name
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_WRAP = Alignment(wrap_text=True, vertical="top")



def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_value(value: Any) -> Any:
    """Return a table value as a workbook cell takes it: numbers stay numbers, text is safe."""
    if _is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, bool):
        return value
    if _is_number(value):
        return None if isinstance(value, float) and math.isinf(value) else value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    return xlsx_text(value)


def sheet_name(title: str, taken: set[str]) -> str:
    """Return a valid, unused sheet name (≤ 31 characters, none of []:*?/\\) for a title.

    A trailing period (", 2024/25", ", Apr 2024 – Mar 2025") is dropped: every panel of a
    snapshot has the same one, and the About sheet gives the full titles.
    """
    stem, _, tail = (title or "").rpartition(", ")
    text = stem if stem and re.search(r"\d", tail) else (title or "")
    base = _BAD_SHEET_CHARS.sub(lambda m: "-" if m.group() in "/\\" else " ", text)
    base = re.sub(r"\s+", " ", base).strip().strip("'") or "Panel"

    def cut(limit: int) -> str:
        return base[:limit].rstrip(" ,;:-–").rstrip() or "Panel"

    name, n = cut(31), 1
    while name.lower() in taken or name.lower() in RESERVED_SHEETS:
        n += 1
        suffix = f" ({n})"
        name = cut(31 - len(suffix)) + suffix
    taken.add(name.lower())
    return name


def number_format(column: pd.Series) -> str | None:
    """Choose a number format for a numeric column: shares as %, whole numbers, decimals."""
    values = [v for v in column if _is_number(v) and not _is_missing(v)]
    if not values:
        return None
    name = str(column.name).lower()
    if ("share" in name or "proportion" in name) and all(0 <= v <= 1 for v in values):
        return "0.0%"
    if all(float(v).is_integer() for v in values):
        return "#,##0"
    return "#,##0.00"


def other_filters(snapshot: Snapshot, known: dict[str, str]) -> list[tuple[str, str]]:
    """Return the filters, less those saying again a known fact (the service's own row says
    "Hartwell Library", its filter "Hartwell Library (DEMO003)")."""
    out = []
    for label, value in snapshot.filters:
        same = known.get(label.lower())
        if not (same and str(value).startswith(same)):
            out.append((label, value))
    return out


def _header(ws, names: Iterable[Any]) -> None:
    ws.append([xlsx_text(n) for n in names])
    for cell in ws[ws.max_row]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP


def _widths(ws, widths: dict[int, float]) -> None:
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if _is_number(value):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _about(ws, snapshot: Snapshot, sheets: list[tuple[str, SnapshotPanel]]) -> None:
    _header(ws, ("About this workbook", ""))
    rows: list[tuple[str, Any]] = [("Title", snapshot.title)]
    if snapshot.service_name:
        rows.append(("Service", snapshot.service_name))
    if snapshot.service_code:
        rows.append(("Service code", snapshot.service_code))
    if snapshot.subtitle:
        rows.append(("About the service", snapshot.subtitle))
    if snapshot.period_label:
        rows.append(("Period", snapshot.period_label))
    rows += other_filters(snapshot, {"service": snapshot.service_name,
                                     "period": snapshot.period_label})
    rows.append(("Data as of", snapshot.data_as_of or "unknown"))
    rows.append(("Generated", snapshot.generated))
    if snapshot.source:
        rows.append(("Source", snapshot.source))
    if snapshot.organisation:
        rows.append(("Prepared for", snapshot.organisation))
    if snapshot.url:
        rows.append(("Open this view in Shelfmark", snapshot.link))
    if snapshot.synthetic:
        rows.append(("Demo data", snapshot.synthetic_notice))
    empty = words.view_empty_text(snapshot)
    if empty:
        rows.append(("No figures", empty))
    rows += [("Message", m) for m in snapshot.messages]
    rows += [("Note", n) for n in snapshot.footnotes]
    for label, value in rows:
        ws.append([xlsx_text(label), cell_value(value)])
        ws.cell(ws.max_row, 1).font = _HEADER_FONT
        ws.cell(ws.max_row, 2).alignment = _WRAP
        if isinstance(value, dt.datetime):
            ws.cell(ws.max_row, 2).number_format = "dd mmm yyyy hh:mm"
            ws.cell(ws.max_row, 2).alignment = Alignment(horizontal="left", vertical="top")
    if sheets:
        ws.append([])
        ws.append([xlsx_text("Sheet"), xlsx_text("Panel: what it shows")])
        for cell in ws[ws.max_row]:
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
        for name, panel in sheets:
            text = " ".join(p for p in (panel.title + ".", panel.caption,
                                        panel.empty_message or "") if p)
            ws.append([xlsx_text(name), xlsx_text(text)])
            ws.cell(ws.max_row, 2).alignment = _WRAP
    _widths(ws, {1: 30, 2: 110})
    ws.freeze_panes = "A2"


def _headlines(ws, snapshot: Snapshot) -> None:
    _header(ws, ("Measure", "Code", "Value", "Unit", "As shown", "Change", "Assessment",
                 "Caption", "Details"))
    for h in snapshot.headlines:
        # the change with its arrow, as every format shows it ("▲ +12.0% vs 2023/24"): a
        # bare "+12.0%" would need a visible quote to stay text (see xlsx_text)
        ws.append([xlsx_text(h.label), xlsx_text(h.code), cell_value(h.number),
                   xlsx_text(h.unit), xlsx_text(h.value), xlsx_text(words.headline_change(h)),
                   xlsx_text(h.assessment), xlsx_text(h.caption),
                   xlsx_text("; ".join(h.details))])
        if _is_number(h.number):
            ws.cell(ws.max_row, 3).number_format = "#,##0.00" if abs(h.number) < 100 \
                else "#,##0"
    if not snapshot.headlines:
        ws.append([xlsx_text(words.view_empty_text(snapshot) or
                             "No headline figures for this view.")])
    _widths(ws, {1: 32, 2: 26, 3: 14, 4: 10, 5: 14, 6: 34, 7: 12, 8: 70, 9: 40})
    ws.freeze_panes = "A2"


def _panel_sheet(ws, panel: SnapshotPanel) -> None:
    table = panel.table
    _header(ws, [str(c) for c in table.columns])
    for record in table.itertuples(index=False, name=None):
        ws.append([cell_value(v) for v in record])
    widths = {}
    for i, column in enumerate(table.columns, start=1):
        fmt = number_format(table[column]) if not table.empty else None
        if fmt:
            for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if _is_number(row[0].value):
                    row[0].number_format = fmt
        longest = max([_text_width(str(column))] + [_text_width(v) for v in table[column]])
        widths[i] = min(max(10, longest + 2), 60)
    _widths(ws, widths)
    ws.freeze_panes = "A2"


def _definitions(ws, snapshot: Snapshot) -> None:
    _header(ws, ("Code", "Measure", "Definition", "Unit", "Source"))
    for d in snapshot.definitions:
        ws.append([xlsx_text(v) for v in (d.code, d.name, d.definition, d.unit, d.source)])
        ws.cell(ws.max_row, 3).alignment = _WRAP
    _widths(ws, {1: 28, 2: 34, 3: 90, 4: 12, 5: 30})
    ws.freeze_panes = "A2"


def render_xlsx(snapshot: Snapshot) -> bytes:
    """Return the workbook: About, Headlines, a sheet per panel, Definitions."""
    book = Workbook()
    about = book.active
    about.title = ABOUT_SHEET
    taken = {ABOUT_SHEET.lower(), HEADLINES_SHEET.lower(), DEFINITIONS_SHEET.lower()}
    headlines = book.create_sheet(HEADLINES_SHEET)
    _headlines(headlines, snapshot)
    sheets = []
    for panel in snapshot.panels:
        name = sheet_name(panel.title, taken)
        _panel_sheet(book.create_sheet(name), panel)
        sheets.append((name, panel))
    _definitions(book.create_sheet(DEFINITIONS_SHEET), snapshot)
    _about(about, snapshot, sheets)
    book.properties.title = snapshot.title
    book.properties.creator = "Shelfmark"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- CSV ---------------------------------------------------------------------------------------


def context_columns(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Return the (column, value) pairs every CSV row carries: service, period, each filter."""
    context = [("Service code", snapshot.service_code), ("Service", snapshot.service_name),
               ("Period", snapshot.period_label)]
    names = {name.lower() for name, _ in context}
    for label, value in other_filters(snapshot, {n.lower(): v for n, v in context}):
        name = label if label.lower() not in names else f"Filter: {label}"
        names.add(name.lower())
        context.append((name, value))
    context.append(("Data as of", f"{snapshot.data_as_of:%Y-%m-%d %H:%M}"
                    if snapshot.data_as_of else ""))
    context.append(("Source", snapshot.source))
    return context


def csv_number(value: Any) -> str:
    """Write a number at full precision, whole numbers without '.0'."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _csv_cell(value: Any) -> str:
    if _is_missing(value):
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if _is_number(value):
        return csv_number(value)
    return neutralise(value)


def render_csv(snapshot: Snapshot) -> bytes:
    """Return every panel's table as one CSV (UTF-8 with BOM, CRLF): the panels' rows stacked,
    each row a figure as its panel's table has it (measure, period, value ...), with a leading
    Panel column, the union of the panels' columns, and the service, period and filters on
    every row, so that the file sorts, filters and pivots as it is."""
    context = context_columns(snapshot)
    columns: list[str] = []
    for panel in snapshot.panels:
        columns += [str(c) for c in panel.table.columns if str(c) not in columns]
    names = {c.lower() for c in columns}
    context = [(f"Filter: {n}" if n.lower() in names else n, v) for n, v in context]
    header = ["Panel", *columns, "Note", *(name for name, _ in context)]
    tail = [neutralise(value) for _, value in context]
    rows = []
    blank = [""] * len(columns)
    empty = words.view_empty_text(snapshot)
    if empty:
        rows.append(["", *blank, neutralise(empty), *tail])
    for panel in snapshot.panels:
        table = panel.table
        if table.empty:
            note = panel.empty_message or "No data behind this panel."
            rows.append([neutralise(panel.title), *blank, neutralise(note), *tail])
            continue
        named = {str(c): c for c in table.columns}
        for record in table.itertuples(index=False, name=None):
            cells = dict(zip(named, record))
            rows.append([neutralise(panel.title),
                         *(_csv_cell(cells[c]) if c in cells else "" for c in columns),
                         "", *tail])
    return csv_bytes(header, rows)
