"""Read a page's figures: every aggregate a dashboard page shows, in one statement, by the
one aggregation rule; and the data version that cached views key on.

The rule: each measure by its own aggregation (the sum for flows, the last month's figure for
stocks, the mean for rates) of the figures lying wholly inside the range, from the finest
period type stored in each bucket, with coverage the share of the bucket's periods reported.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.engine import Connection

from ..periods import MONTHS_IN, PeriodRange, add_months, bucket_from_number
from .access import Viewer
from .engine import Database
from .models import ImportBatch, Target
from .services import ServiceSummary, connected, service_summary


@dataclass(frozen=True)
class Read:
    """One aggregate of a page: stored metrics over a range, as one total or in buckets.

    `granularity` is "range" (one total per metric for the whole of `months`), or month,
    quarter or year (financial year) buckets.
    """

    granularity: str
    months: PeriodRange
    metrics: tuple[str, ...]


# The month an observation starts, counted from January of year 0, per dialect (SQLite stores
# dates as 'YYYY-MM-DD' text). A bucket is numbered by the months since the start of year 0's
# financial year divided by its length (periods.bucket_from_number turns it into a date).
_MONTH_NUMBER = {
    "sqlite": "(CAST(substr(o.period_start, 1, 4) AS INTEGER) * 12 "
              "+ CAST(substr(o.period_start, 6, 2) AS INTEGER) - 1)",
}
_MONTH_NUMBER_DEFAULT = ("(CAST(EXTRACT(YEAR FROM o.period_start) AS INTEGER) * 12 "
                         "+ CAST(EXTRACT(MONTH FROM o.period_start) AS INTEGER) - 1)")
_READ_TYPES = {"range": "'month', 'quarter', 'year'", "quarter": "'month', 'quarter'",
               "year": "'month', 'quarter', 'year'"}


def _read_sql(dialect: str, part: int, granularity: str) -> str:
    """Return one read's arm of the aggregate statement: per metric, period type and bucket,
    the sum, mean, count and last month of the figures lying wholly inside the read's range."""
    p = f"r{part}"
    own = (f"o.service_id = :service AND o.metric_id IN :{p}_metrics AND o.team = '' "
           f"AND o.value IS NOT NULL")
    if granularity == "month":  # a month bucket is one stored month, as stored
        number = _MONTH_NUMBER.get(dialect, _MONTH_NUMBER_DEFAULT)
        return (f"SELECT {part} AS part, o.metric_id, o.period_type, "
                f"{number} - :fy_start + 1 AS bucket, "
                f"o.value AS total, o.value AS mean, 1 AS periods, o.period_start AS last "
                f"FROM observation o WHERE {own} AND o.period_type = 'month' "
                f"AND o.period_start >= :{p}_start AND o.period_start <= :{p}_m")
    if granularity == "range":
        bucket = "0"
    else:  # financial years start in month :fy_start
        number = _MONTH_NUMBER.get(dialect, _MONTH_NUMBER_DEFAULT)
        bucket = f"({number} - :fy_start + 1) / {MONTHS_IN[granularity]}"
    return (f"SELECT {part} AS part, o.metric_id, o.period_type, {bucket} AS bucket, "
            f"SUM(o.value) AS total, AVG(o.value) AS mean, COUNT(*) AS periods, "
            f"MAX(o.period_start) AS last FROM observation o "
            f"WHERE {own} AND o.period_type IN ({_READ_TYPES[granularity]}) "
            f"AND o.period_start >= :{p}_start AND o.period_start <= CASE o.period_type "
            f"WHEN 'month' THEN :{p}_m WHEN 'quarter' THEN :{p}_q ELSE :{p}_y END "
            f"GROUP BY o.metric_id, o.period_type{'' if bucket == '0' else ', bucket'}")


@functools.lru_cache(maxsize=256)
def _reads_statement(dialect: str, shape: tuple[tuple[int, str], ...]):
    """Build (once per dialect and shape of reads) the statement aggregate_reads runs."""
    arms = "\nUNION ALL\n".join(_read_sql(dialect, part, grain) for part, grain in shape)
    # Each metric by its own rule: the sum for flows, the mean for rates, for stocks the value
    # of the last month (looked up by index, only where a group holds more than one figure).
    statement = text(
        f"SELECT u.part, m.code, u.period_type, u.bucket, CASE "
        f"WHEN u.periods = 1 OR m.aggregation = 'sum' THEN u.total "
        f"WHEN m.aggregation = 'mean' THEN u.mean "
        f"ELSE (SELECT l.value FROM observation l WHERE l.service_id = :service "
        f"AND l.metric_id = u.metric_id AND l.period_type = u.period_type "
        f"AND l.period_start = u.last AND l.team = '') END AS value, u.periods "
        f"FROM ({arms}) u JOIN metric m ON m.id = u.metric_id")
    binds = []
    for part, grain in shape:
        binds.append(bindparam(f"r{part}_metrics", expanding=True))
        names = ("start", "m") if grain == "month" else ("start", "m", "q", "y")
        binds += [bindparam(f"r{part}_{name}", type_=Date) for name in names]
    return statement.bindparams(*binds)


def _statement(dialect: str, summary: ServiceSummary, reads: list[Read], fy_start_month: int):
    """Return the one statement that aggregates the reads, with its parameters (None when no
    read has a measure the service reports)."""
    params: dict[str, Any] = {"service": summary.id, "fy_start": fy_start_month}
    shape = []
    for part, read in enumerate(reads):
        ids = [summary.metric_ids[m] for m in read.metrics if m in summary.metric_ids]
        if not ids:
            continue
        shape.append((part, read.granularity))
        end = read.months.end
        params.update({f"r{part}_metrics": ids, f"r{part}_start": read.months.start,
                       f"r{part}_m": end, f"r{part}_q": add_months(end, -2),
                       f"r{part}_y": add_months(end, -11)})
    if not shape:
        return None, params
    return _reads_statement(dialect, tuple(shape)), params


def aggregate_rows(db: Database, viewer: Viewer, summary: ServiceSummary, reads: list[Read],
                   fy_start_month: int, conn: Connection | None = None) -> list[tuple]:
    """Run the reads' one statement and return its rows as the driver gives them: (read,
    metric code, period type, bucket number, value, periods), a row per metric, period type
    and bucket. (`make bench` times this alone as the bare SQL of a page.)"""
    del viewer  # the summary was read under the viewer's rules
    statement, params = _statement(db.dialect, summary, reads, fy_start_month)
    if statement is None:
        return []
    with connected(db, conn) as connection:
        return connection.execute(statement, params).all()


def aggregate_reads(db: Database, viewer: Viewer, summary: ServiceSummary, reads: list[Read],
                    fy_start_month: int, conn: Connection | None = None
                    ) -> list[dict[str, dict]]:
    """Aggregate a service's stored metrics for several reads at once: one statement.

    Each metric is aggregated by the one rule (see the module's docstring) from the finest
    period type stored in each bucket. Returns, per read, {metric: {bucket: (value,
    coverage)}} with buckets in date order (None for a range), coverage being the share of
    the bucket's periods reported (at most 1). Metrics the service never reported are left
    out.
    """
    rows = aggregate_rows(db, viewer, summary, reads, fy_start_month, conn)
    found: list[dict[str, dict]] = [{} for _ in reads]
    # Where a metric is stored at more than one period type, keep the finest per bucket.
    cells: list[dict[str, dict]] = [{} for _ in reads]
    for part, metric, period_type, bucket, value, periods in rows:
        by_bucket = cells[part].get(metric)
        if by_bucket is None:
            by_bucket = cells[part][metric] = {}
        kept = by_bucket.get(bucket)
        if kept is None or MONTHS_IN[period_type] < MONTHS_IN[kept[0]]:
            by_bucket[bucket] = (period_type, value, periods)
    for part, read in enumerate(reads):
        grain = read.granularity
        if grain == "range":
            span = read.months.months
            for metric, by_bucket in cells[part].items():
                period_type, value, periods = by_bucket[0]
                found[part][metric] = {None: (
                    float(value), min(1.0, periods / max(1, span // MONTHS_IN[period_type])))}
            continue
        span = MONTHS_IN[grain]
        starts: dict[int, dt.date] = {}
        for metric, by_bucket in cells[part].items():
            series = found[part][metric] = {}
            for number in sorted(by_bucket):
                period_type, value, periods = by_bucket[number]
                start = starts.get(number)
                if start is None:
                    start = starts[number] = bucket_from_number(number, grain, fy_start_month)
                # A month bucket is one stored month: always complete.
                series[start] = (float(value), 1.0 if span == 1 else min(
                    1.0, periods / max(1, span // MONTHS_IN[period_type])))
    return found


def data_version(db: Database, viewer: Viewer) -> str:
    """Return a token that changes whenever figures are added, replaced or undone, or a
    target is set, changed or removed (cached views show both)."""
    del viewer  # the version of the whole store: it reveals no figures
    stmt = select(func.count(ImportBatch.id), func.max(ImportBatch.id),
                  func.sum(ImportBatch.rows_added + ImportBatch.rows_replaced))
    with db.session() as session:
        count, last, rows = session.execute(stmt).one()
        statuses = session.scalar(
            select(func.count()).select_from(ImportBatch).where(ImportBatch.status != "committed")
        )
        targets, changed = session.execute(
            select(func.count(Target.id), func.max(Target.created_at))).one()
    return f"{count}-{last}-{rows}-{statuses}-{targets}-{changed}"


def aggregate(db: Database, viewer: Viewer, service_code: str, metric_codes,
              period: PeriodRange, granularity: str, fy_start_month: int) -> dict[str, dict]:
    """Aggregate one service's stored metrics over a period, as one total ("range") or in
    month, quarter or financial-year buckets, by the pages' own statement.

    Returns {metric: {bucket: (value, coverage)}} as aggregate_reads does (the form
    compute.derived_values takes); empty for an unknown or invisible service.
    """
    with db.reading() as conn:
        summary = service_summary(db, viewer, service_code, conn=conn)
        if summary is None:
            return {}
        read = Read(granularity, period, tuple(dict.fromkeys(metric_codes)))
        return aggregate_reads(db, viewer, summary, [read], fy_start_month, conn=conn)[0]
