"""Export stored figures in the import template's layouts, so a download can be edited and
imported again to give exactly the same stored values (a round trip).

- Periods are written as the template reads them, in each service's sector financial year:
  months "2023-04", quarters "2023/24 Q2", years "2023/24" ("2023" when the year starts in
  January).
- Values keep full precision (the shortest text that reads back to the same float; whole
  numbers without ".0"); blank cells never stand for zero, so only stored values are exported.
- Text cells (service codes, teams, notes, names) that a spreadsheet would run as a formula are
  neutralised with a leading quote (see `neutralise`); numbers stay numbers.

`export_csv` and `export_xlsx` take the frame from `dashboard.db.exports.export_observations`; `export_data`
does the query and the writing in one call for the page and the command line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .catalogue import CATALOGUE, Catalogue
from .db import Database
from .db.access import Viewer
from .db.exports import export_observations, services_for_export
from .db.services import list_services
from .importing.template import (LONG_COLUMNS, MEDIA_TYPES, TEMPLATE_LAYOUTS, csv_bytes, neutralise,
                                 unneutralise, wide_columns, write_workbook, xlsx_text)
from .periods import MONTHS_IN, bucket_start, month_key, period_label
from .settings import Config, load_config

__all__ = [
    "EXPORT_FORMATS", "MEDIA_TYPES", "ExportError", "export_csv", "export_data",
    "export_filename", "export_table", "export_xlsx", "format_period", "format_value",
    "neutralise", "unneutralise",
]

EXPORT_FORMATS = ("csv", "xlsx")
REQUIRED_COLUMNS = ("service", "metric", "period_type", "period_start", "value")


class ExportError(ValueError):
    """The figures cannot be written in the template layout (the message says why)."""


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise ExportError(f"{value!r} is not a date")


def format_period(period_type: str, start: dt.date, fy_start_month: int) -> str:
    """Write a stored period as the template reads it back to the same type and start.

    Months "YYYY-MM"; quarters and years in the financial year starting in `fy_start_month`:
    "2023/24 Q2", "2023/24" (or "2023 Q2", "2023" for January starts). Raises ExportError for
    a quarter or year that does not line up with that financial year, since no template text
    could name it.
    """
    start = _as_date(start)
    if period_type == "month":
        if start.day != 1:
            raise ExportError(f"a month must start on the 1st, not {start.isoformat()}")
        return month_key(start)
    if period_type not in MONTHS_IN:
        raise ExportError(f"unknown period type {period_type!r}")
    if bucket_start(start, period_type, fy_start_month) != start:
        first = dt.date(2000, fy_start_month, 1).strftime("%B")
        raise ExportError(
            f"a {period_type} starting {start.isoformat()} does not line up with a financial "
            f"year starting in {first}: check the FY_START_* setting for its sector")
    return period_label(start, period_type, fy_start_month)


def format_value(value: float) -> str:
    """Write a number for CSV: whole numbers without ".0", others with full precision.

    Positional notation (never "1e-05"), the shortest digits that read back to the same float.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ExportError(f"{value!r} is not a finite number")
    if number.is_integer():
        return str(int(number))
    return np.format_float_positional(number, unique=True, trim="-")


def _xlsx_number(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


def _check_layout(layout: str) -> None:
    if layout not in TEMPLATE_LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: expected one of {', '.join(TEMPLATE_LAYOUTS)}")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def export_table(
    frame: pd.DataFrame,
    layout: str,
    *,
    sectors: Mapping[str, str] | None = None,
    config: Config | None = None,
    catalogue: Catalogue = CATALOGUE,
    own_years: Mapping[str, int] | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """Lay stored figures out as the template: return the header and the rows.

    `frame` has columns service, metric, period_type, period_start, value, and optionally team
    and note. `sectors` maps service code to sector, whose financial year (from `config`) names
    quarters and years (`own_years` overrides it for services with a year of their own);
    services not in it use the "other" sector's. Rows without a value are
    left out. Cells are plain text (not yet neutralised) or floats; "" for an empty text cell,
    None for an empty number.
    """
    _check_layout(layout)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame to export lacks columns {', '.join(missing)}")
    config = config or load_config()
    sectors = sectors or {}
    fy_months: dict[str, int] = dict(own_years or {})
    labels: dict[tuple, str] = {}

    def period_text(service: str, ptype: str, start: Any) -> str:
        if service not in fy_months:
            fy_months[service] = config.fy_start_month(sectors.get(service))
        key = (ptype, start, fy_months[service])
        if key not in labels:
            try:
                labels[key] = format_period(ptype, start, fy_months[service])
            except ExportError as exc:
                raise ExportError(f"service {service}: {exc}") from None
        return labels[key]

    columns = {name: frame[name].tolist() for name in REQUIRED_COLUMNS}
    teams = frame["team"].tolist() if "team" in frame.columns else [""] * len(frame)
    notes = frame["note"].tolist() if "note" in frame.columns else [""] * len(frame)
    records = []
    for service, metric, ptype, start, value, team, note in zip(
            columns["service"], columns["metric"], columns["period_type"],
            columns["period_start"], columns["value"], teams, notes):
        if value is None or pd.isna(value):
            continue
        number = float(value)
        if not math.isfinite(number):
            raise ExportError(f"service {service}, {metric}: {value!r} is not a finite number")
        service, metric, team, note = _text(service), _text(metric), _text(team), _text(note)
        records.append((service, metric, ptype, _as_date(start), team, number, note,
                        period_text(service, ptype, start)))

    if layout == "long":
        rows = [[service, metric, label, number, team, note]
                for service, metric, _, _, team, number, note, label in records]
        return list(LONG_COLUMNS), rows

    order = {m.code: i for i, m in enumerate(catalogue.stored)}
    present = sorted({r[1] for r in records}, key=lambda c: (order.get(c, len(order)), c))
    position = {code: i for i, code in enumerate(present)}
    grouped: dict[tuple, dict[str, Any]] = {}
    for service, metric, ptype, start, team, number, note, label in records:
        key = (service, start, MONTHS_IN.get(ptype, 0), ptype, team)
        entry = grouped.setdefault(key, {"label": label, "values": [None] * len(present),
                                         "notes": []})
        entry["values"][position[metric]] = number
        if note and note not in entry["notes"]:
            entry["notes"].append(note)
    rows = []
    for key in sorted(grouped):
        entry = grouped[key]
        service, team = key[0], key[4]
        rows.append([service, entry["label"], *entry["values"], team, "; ".join(entry["notes"])])
    return wide_columns(present), rows


def export_csv(
    frame: pd.DataFrame,
    layout: str,
    *,
    sectors: Mapping[str, str] | None = None,
    config: Config | None = None,
    catalogue: Catalogue = CATALOGUE,
    own_years: Mapping[str, int] | None = None,
) -> bytes:
    """Write stored figures as a template CSV (UTF-8 with BOM, CRLF), text neutralised."""
    header, rows = export_table(frame, layout, sectors=sectors, config=config,
                                catalogue=catalogue, own_years=own_years)
    return csv_bytes(header, (
        ["" if v is None else format_value(v) if isinstance(v, float) else neutralise(v)
         for v in row]
        for row in rows
    ))


def export_xlsx(
    frame: pd.DataFrame,
    layout: str,
    *,
    sectors: Mapping[str, str] | None = None,
    config: Config | None = None,
    catalogue: Catalogue = CATALOGUE,
    own_years: Mapping[str, int] | None = None,
) -> bytes:
    """Write stored figures as a template workbook: a Data sheet (numbers as numbers, text
    neutralised) and a Metrics sheet describing the metrics exported."""
    header, rows = export_table(frame, layout, sectors=sectors, config=config,
                                catalogue=catalogue, own_years=own_years)
    cells = [
        [None if v is None else _xlsx_number(v) if isinstance(v, float) else xlsx_text(v)
         for v in row]
        for row in rows
    ]
    exported = set(frame["metric"].astype(str)) if len(frame) else set()
    stored = [m for m in catalogue.stored if m.code in exported]
    return write_workbook(header, cells, stored=stored, names=catalogue.names())


def export_filename(fmt: str = "csv", *, layout: str = "long", service: str | None = None,
                    today: dt.date | None = None) -> str:
    """Name an export download: "shelfmark-export-20240501.csv", with "-wide" for the wide
    layout and the service code when one service is exported."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected csv or xlsx")
    _check_layout(layout)
    parts = ["shelfmark-export"]
    if service:
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", service).strip("_")
        if safe:
            parts.append(safe)
    if layout == "wide":
        parts.append("wide")
    parts.append((today or dt.date.today()).strftime("%Y%m%d"))
    return "-".join(parts) + f".{fmt}"


def export_data(
    db: Database,
    viewer: Viewer,
    layout: str = "long",
    fmt: str = "csv",
    *,
    service_codes: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    config: Config | None = None,
    catalogue: Catalogue = CATALOGUE,
    today: dt.date | None = None,
) -> tuple[bytes, str]:
    """Export the stored figures a viewer may see; return the file's bytes and its name."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected csv or xlsx")
    _check_layout(layout)
    codes = None if service_codes is None else list(service_codes)
    frame = export_observations(db, viewer, codes, start, end)
    sectors = services_for_export(db, viewer, codes)
    config = config or load_config()
    own_years = {s.code: config.fy_start_for(s) for s in list_services(db, viewer)
                 if (codes is None or s.code in codes)
                 and config.fy_start_for(s) != config.fy_start_month(s.sector)}
    writer = export_csv if fmt == "csv" else export_xlsx
    content = writer(frame, layout, sectors=sectors, config=config, catalogue=catalogue,
                     own_years=own_years)
    single = codes[0] if codes is not None and len(codes) == 1 else None
    return content, export_filename(fmt, layout=layout, service=single, today=today)
