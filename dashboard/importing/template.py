"""Generate the Shelfmark import template from the metric catalogue, so it never drifts.

Two layouts, both accepted on import:
- long: one row per figure, columns `service, metric, period, value, team, note`;
- wide: one row per service and period (and team), columns `service, period`, then one column
  per stored metric code, then `team, note`.

`template_csv` gives the header row only (a CSV cannot hold instructions that would not be read
as data). `template_xlsx` gives a workbook: sheet "Data" (the header, bold and frozen, text-
formatted columns, and in the long layout a drop-down of metric codes), sheet "Metrics" (every
stored metric's code, name, unit, aggregation and definition, then the derived metrics, which are
computed and never imported) and sheet "Guide" (how to write each column, with examples).

The cell-writing helpers here (`neutralise`, `write_workbook`) are shared with
`dashboard.exporting`, which writes stored figures back in these same layouts.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..catalogue import CATALOGUE, Catalogue, DerivedDef, MetricDef
from ..db.models import SECTORS

TEMPLATE_LAYOUTS = ("long", "wide")
TEMPLATE_FORMATS = ("csv", "xlsx")

LONG_COLUMNS = ("service", "metric", "period", "value", "team", "note")
WIDE_LEADING = ("service", "period")
WIDE_TRAILING = ("team", "note")
# Columns holding text that must stay text in a spreadsheet (codes like "0012", periods like
# "2023-04" that Excel would otherwise turn into dates).
TEXT_COLUMNS = ("service", "metric", "period", "team", "note")

DATA_SHEET = "Data"
METRICS_SHEET = "Metrics"
GUIDE_SHEET = "Guide"
METRIC_CODES_NAME = "MetricCodes"  # workbook name for the Metrics sheet's code column

MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

AGGREGATION_WORDS = {
    "sum": "summed over the period (a flow)",
    "latest": "latest value in the period (a stock)",
    "mean": "averaged over the period (a rate)",
}
METRICS_HEADER = ("code", "name", "category", "unit", "over time", "higher is better",
                  "sectors", "definition", "source")
DERIVED_HEADER = ("code", "name", "category", "unit", "formula", "higher is better",
                  "sectors", "definition", "import")
DERIVED_NOTE = "computed by Shelfmark, do not import"

# --- neutralising text that a spreadsheet would run as a formula ------------------------------

# Leading characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula
# (OWASP "CSV injection"), with the full-width forms some locales also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_TRIGGER_CLASS = "".join(re.escape(c) for c in FORMULA_TRIGGERS)
_NEEDS_QUOTE = re.compile(f"'*[{_TRIGGER_CLASS}]")
_QUOTED = re.compile(f"'+[{_TRIGGER_CLASS}]")


def neutralise(text: Any) -> str:
    """Return text a spreadsheet will not run: prefix ' when it begins with = + - @ tab or CR.

    Text already beginning with quotes before such a character gets one more quote, so that
    `unneutralise` gives back exactly the original. Other text is returned unchanged.
    """
    text = "" if text is None else str(text)
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def unneutralise(text: Any) -> str:
    """Undo `neutralise`: drop the one quote it added. For readers of exported files."""
    text = "" if text is None else str(text)
    return text[1:] if _QUOTED.match(text) else text


def xlsx_text(text: Any) -> str | None:
    """Return text safe for an XLSX cell: no XML-illegal control characters, neutralised.

    Empty text gives None (an empty cell, which readers see as blank).
    """
    if text is None:
        return None
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    return neutralise(cleaned) if cleaned != "" else None


# --- the layouts --------------------------------------------------------------------------------


def _check_layout(layout: str) -> None:
    if layout not in TEMPLATE_LAYOUTS:
        raise ValueError(f"unknown template layout {layout!r}: expected one of "
                         f"{', '.join(TEMPLATE_LAYOUTS)}")


def _check_sector(sector: str | None) -> None:
    if sector is not None and sector not in SECTORS:
        raise ValueError(f"unknown sector {sector!r}: expected one of {', '.join(SECTORS)}")


def template_metrics(catalogue: Catalogue = CATALOGUE,
                     sector: str | None = None) -> list[MetricDef]:
    """Return the stored metrics a template offers, in catalogue order (a sector's, if given)."""
    _check_sector(sector)
    return [m for m in catalogue.stored if sector is None or sector in m.sectors]


def derived_metrics(catalogue: Catalogue = CATALOGUE,
                    sector: str | None = None) -> list[DerivedDef]:
    _check_sector(sector)
    return [m for m in catalogue.derived if sector is None or sector in m.sectors]


def wide_columns(metric_codes: Iterable[str]) -> list[str]:
    return [*WIDE_LEADING, *metric_codes, *WIDE_TRAILING]


def template_columns(layout: str, catalogue: Catalogue = CATALOGUE,
                     sector: str | None = None) -> list[str]:
    """Return the header row of a layout: long is fixed, wide has every stored metric code."""
    _check_layout(layout)
    if layout == "long":
        _check_sector(sector)
        return list(LONG_COLUMNS)
    return wide_columns(m.code for m in template_metrics(catalogue, sector))


def template_filename(layout: str, fmt: str, sector: str | None = None) -> str:
    """Name a template download, e.g. 'shelfmark-template-wide-nhs.xlsx'."""
    _check_layout(layout)
    _check_sector(sector)
    if fmt not in TEMPLATE_FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected csv or xlsx")
    return f"shelfmark-template-{layout}{'-' + sector if sector else ''}.{fmt}"


def output_format(requested: str | None, output: str | None, formats: Sequence[str],
                  default: str, *, other_names: bool = False) -> str:
    """Choose a command's output format: as requested, else by the output file's suffix (one
    of `formats`), else `default`.

    `output` None or "-" is standard output. Raise ValueError when the two disagree (csv
    asked for, t.xlsx named), or, unless `other_names`, when a file name's suffix says none
    of `formats` (t.xls) and nothing was asked for.
    """
    to_file = bool(output) and output != "-"
    suffix = os.path.splitext(output)[1].lower().lstrip(".") if to_file else ""
    named = suffix if suffix in formats else None
    if requested and named and requested != named:
        raise ValueError(f"--format {requested} does not match the file name {output!r}, "
                         f"which is {named.upper()}: drop --format, or name the file "
                         f"*.{requested}")
    if requested:
        return requested
    if named:
        return named
    if to_file and not other_names:
        raise ValueError(f"cannot tell the format from the file name {output!r}: name it "
                         f"{' or '.join('*.' + f for f in formats)}, or give "
                         f"{' or '.join('--format ' + f for f in formats)}")
    return default


def template_format(requested: str | None, output: str | None) -> str:
    """Choose the template's format: as requested, else by the output file's suffix, else CSV
    (see output_format: a file named neither .csv nor .xlsx needs --format)."""
    return output_format(requested, output, TEMPLATE_FORMATS, "csv")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]] = ()) -> bytes:
    """Write CSV as UTF-8 with a byte-order mark (so Excel keeps £ and accents) and CRLF ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_csv(layout: str, catalogue: Catalogue = CATALOGUE,
                 sector: str | None = None) -> bytes:
    """Return the CSV template: the header row of the layout, nothing else."""
    return csv_bytes(template_columns(layout, catalogue, sector))


# --- XLSX ---------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_TITLE_FONT = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")

_COLUMN_WIDTHS = {"service": 14, "metric": 30, "period": 12, "value": 14, "team": 18,
                  "note": 40}


def _cell(ws, value, *, font=None, fill=None, alignment=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _header_row(ws, names: Sequence[str]) -> list[WriteOnlyCell]:
    return [_cell(ws, xlsx_text(n), font=_HEADER_FONT, fill=_HEADER_FILL) for n in names]


def _yes_no(better: bool | None) -> str:
    return {True: "yes", False: "no (lower is better)"}.get(better, "neither")


def _unit(metric: MetricDef | DerivedDef) -> str:
    return f"{metric.unit} ({metric.currency})" if metric.currency else metric.unit


def _write_metrics_sheet(ws, stored: Sequence[MetricDef], derived: Sequence[DerivedDef],
                         names: dict[str, str]) -> None:
    """Write the catalogue: stored metrics from row 2 on, then the derived ones below."""
    for letter, width in zip("ABCDEFGHI", (28, 44, 11, 16, 34, 20, 22, 70, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B2"
    ws.append(_header_row(ws, METRICS_HEADER))
    for m in stored:
        ws.append([_cell(ws, xlsx_text(v), alignment=_WRAP if i == 7 else _TOP) for i, v in
                   enumerate((m.code, m.name, m.category, _unit(m),
                              AGGREGATION_WORDS.get(m.aggregation, m.aggregation),
                              _yes_no(m.higher_is_better), ", ".join(m.sectors),
                              m.definition, m.source))])
    if not derived:
        return
    ws.append([])
    ws.append([_cell(ws, "Derived metrics: " + DERIVED_NOTE, font=_TITLE_FONT)])
    ws.append(_header_row(ws, DERIVED_HEADER))
    for d in derived:
        ws.append([_cell(ws, xlsx_text(v), alignment=_WRAP if i == 7 else _TOP) for i, v in
                   enumerate((d.code, d.name, d.category, _unit(d), d.formula(names),
                              _yes_no(d.higher_is_better), ", ".join(d.sectors),
                              d.definition, DERIVED_NOTE))])


def _guide_rows(layout: str, example_metric: str) -> list[tuple[str, str, str]]:
    rows = [
        ("service", "Your service's code as Shelfmark knows it.", "YOURCODE"),
        ("period", "A month 2024-04; a financial year 2024/25; a quarter 2024/25 Q1. Years "
         "and quarters follow your sector's financial year.",
         "2024-04"),
    ]
    if layout == "long":
        rows[1:1] = [("metric", "A metric code (or its name) from the Metrics sheet. Derived "
                      "metrics are computed by Shelfmark: do not enter them.", example_metric)]
        rows.append(("value", "A number. Leave it blank when unknown: blank is missing, "
                     "never zero.", "42"))
    else:
        rows.append(("<metric code>", "One column per metric (see the Metrics sheet): the "
                     "figure, or blank when unknown (blank is missing, never zero). Delete "
                     "columns you do not use.", "42"))
    rows += [
        ("team", "Optional: the team, when figures are kept per team. Blank for the whole "
         "service.", ""),
        ("note", "Optional free text.", "example only, do not import"),
    ]
    return rows


def _write_guide_sheet(ws, layout: str, example_metric: str) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 28
    ws.append([_cell(ws, f"How to fill in the {DATA_SHEET} sheet ({layout} layout)",
                     font=_TITLE_FONT)])
    ws.append(_header_row(ws, ("column", "what to write", "example")))
    for column, text, example in _guide_rows(layout, example_metric):
        ws.append([_cell(ws, xlsx_text(column), alignment=_TOP),
                   _cell(ws, xlsx_text(text), alignment=_WRAP),
                   _cell(ws, xlsx_text(example), alignment=_TOP)])
    ws.append([])
    ws.append([_cell(ws, "Only the Data sheet is imported; this sheet and the Metrics sheet "
                         "are for reference.")])


def _column_width(name: str, sample: Sequence[Sequence[Any]], index: int) -> float:
    if name in _COLUMN_WIDTHS and not sample:
        return _COLUMN_WIDTHS[name]
    longest = max([len(str(name))] + [len(str(r[index])) for r in sample
                                      if index < len(r) and r[index] is not None])
    return float(min(60, max(10, longest + 2)))


def _exact_number(ws, number: float):
    """Return a float as it should be stored: openpyxl writes "%.16g", which can lose the
    17th significant digit, so such floats get a cell holding their exact shortest text."""
    if not math.isfinite(number) or float("%.16g" % number) == number:
        return number
    cell = WriteOnlyCell(ws, value=number)
    cell._value = repr(number)  # written verbatim into <v>; readers parse it back exactly
    return cell


def write_workbook(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    stored: Sequence[MetricDef],
    derived: Sequence[DerivedDef] = (),
    names: dict[str, str] | None = None,
    metric_list: bool = False,
    guide_layout: str | None = None,
) -> bytes:
    """Write a Shelfmark workbook: the Data sheet, then Metrics (and optionally Guide).

    `rows` hold plain values: text already passed through `xlsx_text`, numbers as numbers,
    None for an empty cell. `metric_list` adds a drop-down of the Metrics sheet's codes on the
    Data sheet's `metric` column (a warning, not a block: names are accepted too).
    """
    rows = rows if isinstance(rows, list) else list(rows)
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(DATA_SHEET)
    sample = rows[:200]
    for index, name in enumerate(header):
        letter = get_column_letter(index + 1)
        data.column_dimensions[letter].width = _column_width(name, sample, index)
        if name in TEXT_COLUMNS:
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"
    if metric_list and "metric" in header and stored:
        workbook.defined_names.add(DefinedName(
            METRIC_CODES_NAME, attr_text=f"{METRICS_SHEET}!$A$2:$A${len(stored) + 1}"))
        letter = get_column_letter(list(header).index("metric") + 1)
        validation = DataValidation(
            type="list", formula1=METRIC_CODES_NAME, allow_blank=True, errorStyle="warning",
            showErrorMessage=True, showInputMessage=True,
            promptTitle="Metric", prompt="A metric code from the Metrics sheet (names are "
            "accepted too).",
            errorTitle="Not a metric code", error="This is not a code from the Metrics sheet. "
            "Catalogue names are accepted; anything else will be refused on import.")
        validation.add(f"{letter}2:{letter}1048576")
        data.data_validations.append(validation)
    data.append(_header_row(data, header))
    for row in rows:
        data.append([_exact_number(data, v) if isinstance(v, float) else v for v in row])
    _write_metrics_sheet(workbook.create_sheet(METRICS_SHEET), stored, derived,
                         names if names is not None else CATALOGUE.names())
    if guide_layout:
        example = stored[0].code if stored else "searches"
        _write_guide_sheet(workbook.create_sheet(GUIDE_SHEET), guide_layout, example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx(layout: str, catalogue: Catalogue = CATALOGUE,
                  sector: str | None = None) -> bytes:
    """Return the XLSX template: Data (header only), Metrics and Guide sheets."""
    header = template_columns(layout, catalogue, sector)
    return write_workbook(
        header, [],
        stored=template_metrics(catalogue, sector),
        derived=derived_metrics(catalogue, sector),
        names=catalogue.names(),
        metric_list=(layout == "long"),
        guide_layout=layout,
    )
