"""Check one service's stored figures: gaps, suspected outliers, suppressed and imputed values.

- Gaps: for every measure the service has ever reported, the months between its first and last
  figure (of any measure) that no stored figure covers. A quarter or a year covers its months.
- Outliers: figures beyond OUTLIER_MADS scaled median absolute deviations (MAD x 1.4826, a
  robust standard deviation; at least a tenth of the median) from the median of the
  service's own figures of that measure and period type (the import warns with the same rule),
  unless the figure is usual for that calendar month: a monthly figure within OUTLIER_MADS
  deviations of the same month in at least three other years (an annual subscription paid
  every April, induction every September) is seasonal, not suspect.
- Flagged: figures stored as missing with a reason (suppressed, closed, not applicable...) and
  figures the publisher imputed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from .catalogue import CATALOGUE
from .db import Database
from .db.access import Viewer
from .db.exports import service_observations
from .db.imports import batches_for_service
from .db.services import get_service
from .importing.checks import MAD_SCALE, MIN_HISTORY, MIN_RELATIVE_SPREAD, OUTLIER_MADS
from .periods import MONTHS_IN, add_months, period_label


# Status of a metric in a month, best first (a month takes the best status of its figures).
REPORTED, IMPUTED, FLAGGED, GAP = "reported", "imputed", "missing with a reason", "no data"
STATUSES = (REPORTED, IMPUTED, FLAGGED, GAP)


@dataclass
class QualityReport:
    """What the data-quality page shows for one service."""

    service: str
    months: list[dt.date] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)                  # codes, catalogue order
    status: dict[str, list[str]] = field(default_factory=dict)        # code -> status per month
    gaps: list[dict] = field(default_factory=list)
    outliers: list[dict] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)
    batches: list[dict] = field(default_factory=list)
    figures: int = 0

    @property
    def empty(self) -> bool:
        return self.figures == 0

    @property
    def gap_months(self) -> int:
        return sum(g["months"] for g in self.gaps)


def month_ranges(months: list[dt.date]) -> str:
    """Write sorted months compactly: 'Jun 2023, Aug–Oct 2023, Jan 2024'."""
    parts, run = [], []
    for month in months:
        if run and add_months(run[-1], 1) == month:
            run.append(month)
            continue
        if run:
            parts.append(run)
        run = [month]
    if run:
        parts.append(run)

    def text(run: list[dt.date]) -> str:
        first, last = run[0], run[-1]
        if first == last:
            return f"{first:%b %Y}"
        if first.year == last.year:
            return f"{first:%b}–{last:%b %Y}"
        return f"{first:%b %Y}–{last:%b %Y}"

    return ", ".join(text(r) for r in parts)


def _covered_months(start: dt.date, period_type: str) -> list[dt.date]:
    return [add_months(start, i) for i in range(MONTHS_IN.get(period_type, 1))]


def _rank(status: str) -> int:
    return STATUSES.index(status)


def coverage(frame: pd.DataFrame) -> tuple[list[dt.date], dict[str, list[str]]]:
    """Return the months spanned and each metric's status per month."""
    if frame.empty:
        return [], {}
    cells: dict[tuple[str, dt.date], str] = {}
    for row in frame.itertuples(index=False):
        if row.value == row.value:  # not NaN
            status = IMPUTED if row.imputed else REPORTED
        else:
            status = FLAGGED
        for month in _covered_months(row.period_start, row.period_type):
            key = (row.metric, month)
            if key not in cells or _rank(status) < _rank(cells[key]):
                cells[key] = status
    first = min(m for _, m in cells)
    last = max(m for _, m in cells)
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    order = {m.code: i for i, m in enumerate(CATALOGUE.stored)}
    metrics = sorted({metric for metric, _ in cells}, key=lambda c: (order.get(c, 10**6), c))
    status = {metric: [cells.get((metric, month), GAP) for month in months]
              for metric in metrics}
    return months, status


def outliers(frame: pd.DataFrame, fy_start_month: int) -> list[dict]:
    """Return figures far outside the service's own history of the same measure."""
    values = frame[frame["value"].notna()]
    if values.empty:
        return []
    found = []
    names = CATALOGUE.names()
    for (metric, ptype, team), group in values.groupby(["metric", "period_type", "team"]):
        if len(group) < MIN_HISTORY:
            continue
        median = group["value"].median()
        mad = MAD_SCALE * (group["value"] - median).abs().median()
        if mad <= 0:  # a constant series: nothing to measure a deviation against
            continue
        mad = max(mad, MIN_RELATIVE_SPREAD * abs(median))
        far = group[(group["value"] - median).abs() > OUTLIER_MADS * mad]
        for row in far.itertuples(index=False):
            if ptype == "month" and _seasonal(group, row.period_start, row.value):
                continue
            found.append({
                "metric": metric, "name": names.get(metric, metric), "team": team,
                "period": period_label(row.period_start, ptype, fy_start_month),
                "period_start": row.period_start, "value": float(row.value),
                "median": float(median), "mads": float(abs(row.value - median) / mad),
            })
    found.sort(key=lambda r: -r["mads"])
    return found


def _seasonal(group: pd.DataFrame, start: dt.date, value: float) -> bool:
    """Say whether a monthly figure is usual for its calendar month in the other years."""
    starts = group["period_start"]
    same = group[[d.month == start.month and d != start for d in starts]]["value"]
    if len(same) < 3:
        return False
    median = same.median()
    spread = max(MAD_SCALE * (same - median).abs().median(), MIN_RELATIVE_SPREAD * abs(median))
    return abs(value - median) <= OUTLIER_MADS * spread


def flagged(frame: pd.DataFrame, fy_start_month: int) -> list[dict]:
    """Return figures stored as missing with a reason, and imputed figures."""
    marked = frame[frame["missing_reason"].notna() | frame["imputed"]]
    names = CATALOGUE.names()
    return [{
        "metric": row.metric, "name": names.get(row.metric, row.metric), "team": row.team,
        "period": period_label(row.period_start, row.period_type, fy_start_month),
        "period_start": row.period_start,
        "value": None if row.value != row.value else float(row.value),
        "flag": (f"missing: {row.missing_reason}" if isinstance(row.missing_reason, str)
                 else "imputed by the publisher"),
    } for row in marked.itertuples(index=False)]


def gaps(months: list[dt.date], status: dict[str, list[str]]) -> list[dict]:
    """Return, per metric with months of no data, how many and which."""
    names = CATALOGUE.names()
    found = []
    for metric, cells in status.items():
        missing = [month for month, cell in zip(months, cells) if cell == GAP]
        if missing:
            found.append({"metric": metric, "name": names.get(metric, metric),
                          "months": len(missing), "which": month_ranges(missing)})
    return found


def service_report(db: Database, viewer: Viewer, config, service_code: str) -> QualityReport:
    """Check a service's stored figures and list the imports that touched them."""
    service = get_service(db, viewer, service_code)
    report = QualityReport(service=service_code)
    if service is None:
        return report
    frame = service_observations(db, viewer, service_code)
    fy_month = config.fy_start_for(service)
    report.figures = len(frame)
    report.months, report.status = coverage(frame)
    report.metrics = list(report.status)
    report.gaps = gaps(report.months, report.status)
    report.outliers = outliers(frame, fy_month)
    report.flagged = flagged(frame, fy_month)
    report.batches = batches_for_service(db, viewer, service_code)
    return report
