"""Write a benchmark's downloads and reports: CSV, XLSX, JSON and a plain-text table.

A benchmark is a service against its peer group, one row per measure. The Benchmark page's
download buttons and `python -m dashboard benchmark` share these writers, so a file from the
page and the command line's output have the same columns and figures. Every row names its
denominator, and every format states the peer group and the quartile method. Peers are never
listed: only the group's statistics, which the data layer has already withheld where too few
peers have data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from ..formatting import plural
from ..importing.template import MEDIA_TYPES, csv_bytes, neutralise, xlsx_text
from .compare import QUARTILE_METHOD, Comparison, denominator_text
from .definition import number_text
from .describe import inline

if TYPE_CHECKING:
    from .view import BenchmarkView

__all__ = ["BENCHMARK_COLUMNS", "BENCHMARK_FORMATS", "BenchmarkReport", "MEDIA_TYPES",
           "benchmark_csv", "benchmark_filename", "benchmark_json", "benchmark_report",
           "benchmark_rows", "benchmark_text", "benchmark_xlsx"]

BENCHMARK_FORMATS = ("csv", "xlsx")
# (key of Comparison.as_row, column header), in the order of the page's league table
BENCHMARK_COLUMNS = (
    ("measure", "Measure"),
    ("metric", "Measure code"),
    ("own_value", "Own value"),
    ("median", "Peer median"),
    ("q1", "Lower quartile"),
    ("q3", "Upper quartile"),
    ("min", "Lowest peer"),
    ("max", "Highest peer"),
    ("rank", "Rank"),
    ("rank_of", "Rank of"),
    ("rank_text", "Rank (in words)"),
    ("percentile", "Percentile"),
    ("n_reporting", "Peers with data"),
    ("n_group", "Peers in group"),
    ("n_no_denominator", "Peers left out: no denominator"),
    ("n_incomplete", "Peers left out: part year only"),
    ("denominator", "Per"),
    ("unit", "Unit"),
    ("withheld", "Withheld"),
)
CONTEXT_COLUMNS = ("Service code", "Service", "Financial year", "Peer group",
                   "Peer group (link form)", "Quartile method")
NUMBER_KEYS = frozenset({"own_value", "median", "q1", "q3", "min", "max", "percentile"})


@dataclass(frozen=True)
class BenchmarkReport:
    """What a benchmark download says: whose figures, when, against whom, and the rows."""

    service_code: str
    service_name: str
    period_label: str
    group_description: str      # e.g. "Public services in the same state ...: 14 services"
    group_query: str            # the peer definition's link form (peers= in the URL)
    normalisation: str          # e.g. "per 1,000 people served" or "as reported"
    comparisons: Sequence[Comparison]

    @property
    def context(self) -> tuple[str, ...]:
        return (self.service_code, self.service_name, self.period_label,
                self.group_description, self.group_query, QUARTILE_METHOD)


def benchmark_report(view: BenchmarkView,
                     comparisons: list[Comparison] | None = None) -> BenchmarkReport:
    """Return the view's league table (or the given comparisons) as a download's report."""
    service = view.service
    text = denominator_text(view.state.per, service.sector, service.population_unit)
    return BenchmarkReport(
        service_code=service.code, service_name=service.name, period_label=view.period_label,
        group_description=view.group.description if view.group else "",
        group_query=view.state.peers,
        normalisation=(f"{text} where a measure can be divided (rates and percentages as "
                       "reported)") if text else "as reported",
        comparisons=view.league if comparisons is None else comparisons)


def _row(c: Comparison) -> dict[str, Any]:
    row = c.as_row()
    row["n_no_denominator"] = c.n_no_denominator
    row["n_incomplete"] = c.n_incomplete
    if c.percentile is not None:
        row["percentile"] = round(c.percentile, 1)
    return row


def benchmark_rows(report: BenchmarkReport) -> list[dict[str, Any]]:
    """Return one dict per measure keyed by column header (context columns last)."""
    rows = []
    for c in report.comparisons:
        row = _row(c)
        out = {header: row.get(key) for key, header in BENCHMARK_COLUMNS}
        out.update(zip(CONTEXT_COLUMNS, report.context))
        rows.append(out)
    return rows


def _number_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return number_text(value) if isinstance(value, float) else str(value)


def benchmark_csv(report: BenchmarkReport) -> bytes:
    """Return the table as CSV (UTF-8 with BOM, CRLF); text a spreadsheet would run is
    neutralised, numbers keep full precision."""
    header = [h for _, h in BENCHMARK_COLUMNS] + list(CONTEXT_COLUMNS)
    lines = []
    for row in benchmark_rows(report):
        lines.append([_number_text(v) if isinstance(v, (int, float)) or v is None
                      else neutralise(v) for v in row.values()])
    return csv_bytes(header, lines)


def benchmark_xlsx(report: BenchmarkReport) -> bytes:
    """Return the table as a workbook: a Benchmark sheet (the same columns as the CSV, numbers
    as numbers) and an About sheet saying whose figures, which peers and which method."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Benchmark"
    header = [h for _, h in BENCHMARK_COLUMNS] + list(CONTEXT_COLUMNS)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in benchmark_rows(report):
        sheet.append([v if isinstance(v, (int, float)) and not isinstance(v, bool)
                      else xlsx_text(v) for v in row.values()])
    widths = {"Measure": 40, "Rank (in words)": 30, "Per": 26, "Withheld": 50,
              "Peer group": 60, "Quartile method": 50, "Service": 36}
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(name, 14)
    sheet.freeze_panes = "B2"
    about = book.create_sheet("About")
    facts = [
        ("Service", f"{report.service_name} ({report.service_code})"),
        ("Financial year", report.period_label),
        ("Compared with", report.group_description),
        ("Peer group (link form)", report.group_query),
        ("Figures", report.normalisation),
        ("Quartile method", QUARTILE_METHOD),
        ("Percentile", "the share of peers below the service, ties counting half"),
        ("Rank", "1 is best: the highest value where higher is better, the lowest where lower "
                 "is better; equal values share a rank"),
        ("Withheld", "peer figures are left out when too few peers have data"),
        ("Written", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
    ]
    for name, value in facts:
        about.append([name, xlsx_text(value)])
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 100
    for cell in about["A"]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def benchmark_json(report: BenchmarkReport) -> str:
    """Return the report as JSON: context fields and one object per measure."""
    return json.dumps({
        "service": report.service_code,
        "service_name": report.service_name,
        "period": report.period_label,
        "peer_group": report.group_description,
        "peers": report.group_query,
        "figures": report.normalisation,
        "quartile_method": QUARTILE_METHOD,
        "comparisons": [_row(c) for c in report.comparisons],
    }, indent=2, allow_nan=False, default=str)


def _shown(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:,.1f}%"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 1000 \
            else f"{value:,.1f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"


def benchmark_text(report: BenchmarkReport) -> str:
    """Return the report as a readable plain-text table for a terminal."""
    lines = [f"{report.service_name} ({report.service_code}), {report.period_label}",
             f"Compared with {inline(report.group_description)}",
             f"Figures: {report.normalisation}. Quartiles: {QUARTILE_METHOD}.", ""]
    header = ("Measure", "Own", "Median", "Lower q", "Upper q", "Min", "Max", "Pctile",
              "Rank", "Peers with data")
    table = []
    for c in report.comparisons:
        name = c.name + (f" ({c.denominator})" if c.denominator else "")
        if c.withheld:
            table.append((name, _shown(c.own_value, c.unit), "withheld", "", "", "", "", "",
                          "", c.reporting_text.replace(" peers have data", "")))
            continue
        table.append((name, _shown(c.own_value, c.unit), _shown(c.median, c.unit),
                      _shown(c.q1, c.unit), _shown(c.q3, c.unit), _shown(c.minimum, c.unit),
                      _shown(c.maximum, c.unit),
                      "–" if c.percentile is None else f"{c.percentile:.0f}",
                      c.rank_text or "–", c.reporting_text.replace(" peers have data", "")))
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    for i, row in enumerate([header, *table]):
        cells = [str(v).ljust(w) if j == 0 or j >= 8 else str(v).rjust(w)
                 for j, (v, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    withheld = [c for c in report.comparisons if c.withheld]
    if withheld:
        lines += ["", "Withheld: " + withheld[0].withheld_reason.removeprefix("withheld: ")
                  + ("" if len(withheld) == 1 else
                     f" (and {plural(len(withheld) - 1, 'more measure')})")]
    return "\n".join(lines) + "\n"


def benchmark_filename(service_code: str, period_label: str, fmt: str) -> str:
    """Name a download: shelfmark-benchmark-CA0063-2016-17.csv."""
    if fmt not in BENCHMARK_FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected csv or xlsx")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", service_code).strip("_") or "service"
    year = re.sub(r"[^0-9]+", "-", period_label).strip("-")
    return f"shelfmark-benchmark-{safe}-{year}.{fmt}"
