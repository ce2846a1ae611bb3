"""Hold every SQL query Shelfmark runs: the one data-access seam.

Each function takes the Database and a Viewer (who is asking) first, so that access rules are
enforced here and nowhere else. Aggregation happens in SQL; functions return plain objects or
small DataFrames.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import (Date, Integer, String, and_, bindparam, case, cast, extract, func, literal,
                        null, or_, select, text, type_coerce, union_all)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from .db import Database
from .models import (DataSource, ImportBatch, Metric, Observation, PeerGroupRecord, Service,
                     ServiceCoverage, ServiceNeighbour, Target)
from .periods import MONTHS_IN, PeriodRange, add_months, bucket_from_key, bucket_from_number

GRANULARITY_ORDER = ("month", "quarter", "year")


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Access rules read this; nothing else should."""

    name: str = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)
    entitled_sources: frozenset[str] = field(default_factory=frozenset)

    def may_see_names(self, source_code: str, source_public: bool) -> bool:
        """Return whether this viewer may see the names of services from a data source."""
        return source_public or "admin" in self.roles or source_code in self.entitled_sources


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class ServiceInfo:
    """A service as the pages see it."""

    code: str
    name: str
    sector: str
    org_type: str | None
    region: str | None
    parent_org: str | None
    population: float | None
    population_unit: str | None
    attributes: dict[str, Any]
    source_code: str
    source_name: str
    synthetic: bool
    public: bool


def _visible_services(viewer: Viewer):
    """Return the WHERE clause limiting which services a viewer may read.

    Every service is readable in this single-tenant release; this is the one place where a
    multi-tenant deployment narrows it.
    """
    del viewer
    return literal(True)


def _service_info(service: Service, source: DataSource, viewer: Viewer) -> ServiceInfo:
    return ServiceInfo(
        code=service.code,
        name=service.name,
        sector=service.sector,
        org_type=service.org_type,
        region=service.region,
        parent_org=service.parent_org,
        population=service.population,
        population_unit=service.population_unit,
        attributes=dict(service.attributes or {}),
        source_code=source.code,
        source_name=source.name,
        synthetic=source.synthetic,
        public=source.public,
    )


def list_services(db: Database, viewer: Viewer, sector: str | None = None) -> list[ServiceInfo]:
    """List the services a viewer may open, ordered by name."""
    stmt = (
        select(Service, DataSource)
        .join(DataSource, Service.source_id == DataSource.id)
        .where(_visible_services(viewer))
        .order_by(Service.name)
    )
    if sector:
        stmt = stmt.where(Service.sector == sector)
    with db.session() as session:
        return [_service_info(s, src, viewer) for s, src in session.execute(stmt)]


def get_service(db: Database, viewer: Viewer, code: str) -> ServiceInfo | None:
    """Return one service by code, or None if it does not exist or is not visible."""
    stmt = (
        select(Service, DataSource)
        .join(DataSource, Service.source_id == DataSource.id)
        .where(Service.code == code, _visible_services(viewer))
    )
    with db.session() as session:
        row = session.execute(stmt).first()
        return _service_info(row[0], row[1], viewer) if row else None


def service_directory(db: Database, viewer: Viewer, codes: Iterable[str]) -> pd.DataFrame:
    """Return name, population and data source of the visible services among `codes`.

    A light lookup (no ORM objects) for comparisons across thousands of services; indexed by
    code, columns name, population, population_unit, source_code, public.
    """
    wanted = list(dict.fromkeys(codes))
    columns = ["code", "name", "population", "population_unit", "source_code", "public"]
    rows = []
    with db.engine.connect() as session:
        for start in range(0, len(wanted), 2000):
            rows += session.execute(
                select(Service.code, Service.name, Service.population, Service.population_unit,
                       DataSource.code, DataSource.public)
                .join(DataSource, Service.source_id == DataSource.id)
                .where(Service.code.in_(wanted[start:start + 2000]), _visible_services(viewer))
            ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns).set_index("code")
    frame["population"] = frame["population"].astype(float)
    return frame


def first_service_code(db: Database, viewer: Viewer) -> str | None:
    """Return the code of the first service by name, the default selection."""
    stmt = select(Service.code).where(_visible_services(viewer)).order_by(Service.name).limit(1)
    with db.session() as session:
        return session.scalar(stmt)


def data_extent(db: Database, viewer: Viewer, service_code: str) -> tuple[dt.date, dt.date] | None:
    """Return the first and last month covered by a service's figures, or None if it has none."""
    stmt = (
        select(func.min(Observation.period_start), func.max(Observation.period_start),
               func.max(Observation.period_type))
        .join(Service, Observation.service_id == Service.id)
        .where(Service.code == service_code, _visible_services(viewer),
               Observation.value.is_not(None))
    )
    with db.session() as session:
        first, last, _ = session.execute(stmt).one()
        if first is None:
            return None
        # The last observation may be a quarter or a year: extend to the month it ends.
        last_type = session.scalar(
            select(Observation.period_type)
            .join(Service, Observation.service_id == Service.id)
            .where(Service.code == service_code, Observation.period_start == last)
            .limit(1)
        )
    return first, add_months(last, MONTHS_IN.get(last_type, 1) - 1)


def reported_metrics(db: Database, viewer: Viewer, service_code: str) -> dict[str, set[str]]:
    """Return the stored metrics a service has ever reported, with their period types."""
    stmt = (
        select(Metric.code, Observation.period_type).distinct()
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(Service.code == service_code, _visible_services(viewer),
               Observation.value.is_not(None))
    )
    reported: dict[str, set[str]] = {}
    with db.session() as session:
        for code, period_type in session.execute(stmt):
            reported.setdefault(code, set()).add(period_type)
    return reported


def data_as_of(db: Database, viewer: Viewer, service_code: str) -> dt.datetime | None:
    """Return when a service's figures were last changed (UTC, without a time zone, as both
    databases store it): the newest committed import batch holding any of them (None when it
    has none)."""
    batches = (
        select(Observation.batch_id).distinct()
        .join(Service, Observation.service_id == Service.id)
        .where(Service.code == service_code, _visible_services(viewer))
    )
    stmt = select(func.max(ImportBatch.created_at)).where(
        ImportBatch.id.in_(batches), ImportBatch.status == "committed")
    with db.session() as session:
        value = session.scalar(stmt)
    if isinstance(value, str):  # SQLite without type affinity
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is not None:  # PostgreSQL: the same UTC, naive
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class ServiceSummary:
    """A service with what a page needs to know before reading figures: its id, the months
    its figures cover and the stored metrics it has ever reported (with their period types)."""

    service: ServiceInfo
    id: int
    extent: tuple[dt.date, dt.date] | None
    reported: dict[str, set[str]]
    metric_ids: dict[str, int]


@functools.lru_cache(maxsize=16)
def _summary_statement(viewer: Viewer):
    """Build the one statement service_summary runs (once per viewer; compiled once)."""
    own = select(Service.id).where(Service.code == bindparam("code")).scalar_subquery()
    service = (
        select(Service.id, Service.code, Service.name, Service.sector, Service.org_type,
               Service.region, Service.parent_org, Service.population, Service.population_unit,
               Service.attributes, DataSource.code.label("source_code"),
               DataSource.name.label("source_name"), DataSource.synthetic, DataSource.public,
               type_coerce(null(), Integer).label("metric_id"),
               type_coerce(null(), String).label("metric"),
               type_coerce(null(), String).label("period_type"),
               type_coerce(null(), Date).label("first"), type_coerce(null(), Date).label("last"))
        .join(DataSource, Service.source_id == DataSource.id)
        .where(Service.code == bindparam("code"), _visible_services(viewer))
    )
    # Each (metric, period type) the service has a figure for, with its first and last
    # month: the few rows dashboard.coverage keeps, not the service's figures.
    reported = (
        select(*[null()] * 14, ServiceCoverage.metric_id, Metric.code,
               ServiceCoverage.period_type, ServiceCoverage.first_start,
               ServiceCoverage.last_start)
        .join(Metric, Metric.id == ServiceCoverage.metric_id)
        .where(ServiceCoverage.service_id == own)
    )
    # The service once, then one row per (metric, period type) without its columns.
    return union_all(service, reported)


@functools.lru_cache(maxsize=16)
def _summary_sql(viewer: Viewer, dialect) -> tuple[str, Any]:
    """Compile the summary statement for a dialect once: its SQL and how to order its
    parameters (the names in order for a positional driver, None for a named one)."""
    compiled = _summary_statement(viewer).compile(dialect=dialect)
    defaults = compiled.construct_params({"code": ""})
    names = tuple(compiled.positiontup) if compiled.positional else None
    return compiled.string, (names, defaults)


def _as_date(value) -> dt.date | None:
    """A date as the driver gives it: a date (psycopg) or ISO text (SQLite)."""
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


@contextmanager
def _connected(db: Database, conn: Connection | None) -> Iterator[Connection]:
    """Use the caller's connection where it gives one (a page reads on one), else a new one."""
    if conn is not None:
        yield conn
    else:
        with db.engine.connect() as own:
            yield own


def service_summary(db: Database, viewer: Viewer, code: str,
                    conn: Connection | None = None) -> ServiceSummary | None:
    """Return a service with its extent and reported metrics in one statement, or None.

    The extent and reported metrics are those of data_extent and reported_metrics. The page
    callback runs this first on every filter change, so it runs on the driver's cursor:
    SQLAlchemy compiles the statement once per dialect, and the few values the driver gives
    in its own form (SQLite's text dates, JSON text and 0/1 booleans) are converted here.
    """
    sql, (names, defaults) = _summary_sql(viewer, db.engine.dialect)
    params = {**defaults, "code": code}
    with _connected(db, conn) as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params if names is None else [params[n] for n in names])
            rows = cursor.fetchall()
        finally:
            cursor.close()
    own = [row for row in rows if row[0] is not None]
    if not own:
        return None
    (service_id, code, name, sector, org_type, region, parent_org, population, unit,
     attributes, source_code, source_name, synthetic, public) = own[0][:14]
    if isinstance(attributes, (str, bytes)):  # JSON as text (SQLite)
        attributes = json.loads(attributes)
    info = ServiceInfo(code=code, name=name, sector=sector, org_type=org_type, region=region,
                       parent_org=parent_org,
                       population=None if population is None else float(population),
                       population_unit=unit, attributes=dict(attributes or {}),
                       source_code=source_code, source_name=source_name,
                       synthetic=bool(synthetic), public=bool(public))
    reported: dict[str, set[str]] = {}
    metric_ids: dict[str, int] = {}
    first = last = last_type = None
    # Months compare as the driver gives them (dates, or ISO text in SQLite); only the first
    # and the last become dates.
    for metric_id, metric, period_type, earliest, latest in sorted(
            row[14:] for row in rows if row[0] is None):
        types = reported.get(metric)
        if types is None:
            types = reported[metric] = set()
            metric_ids[metric] = metric_id
        types.add(period_type)
        if first is None or earliest < first:
            first = earliest
        # The last figure may be a quarter or a year: the extent runs to the month it ends.
        # Where figures of several types start in the last month, the first by metric id
        # and type says how long it is (as data_extent's lookup finds it in SQLite).
        if last is None or latest > last:
            last, last_type = latest, period_type
    extent = None if first is None else (
        _as_date(first), add_months(_as_date(last), MONTHS_IN.get(last_type, 1) - 1))
    return ServiceSummary(info, service_id, extent, reported, metric_ids)


@dataclass(frozen=True)
class Read:
    """One aggregate of a page: stored metrics over a range, as one total or in buckets.

    `granularity` is "range" (one total per metric for the whole of `months`), or month,
    quarter or year (financial year) buckets.
    """

    granularity: str
    months: PeriodRange
    metrics: tuple[str, ...]


_TYPE_MONTHS = "CASE o.period_type WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 ELSE 12 END"
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


def aggregate_reads(db: Database, viewer: Viewer, summary: ServiceSummary, reads: list[Read],
                    fy_start_month: int, conn: Connection | None = None
                    ) -> list[dict[str, dict]]:
    """Aggregate a service's stored metrics for several reads at once: one statement.

    Each metric is aggregated by its own rule (as `aggregate` does) from the finest period
    type stored in each bucket. Returns, per read, {metric: {bucket: (value, coverage)}}
    with buckets in date order (None for a range), coverage being the share of the bucket's
    periods reported (at most 1). Metrics the service never reported are left out.
    """
    del viewer  # the summary was read under the viewer's rules
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
    found: list[dict[str, dict]] = [{} for _ in reads]
    if not shape:
        return found
    with _connected(db, conn) as connection:
        rows = connection.execute(_reads_statement(db.dialect, tuple(shape)), params).all()
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


def _fits_range(period: PeriodRange):
    """Match observations lying wholly inside the range, whatever their period type."""
    clauses = []
    for ptype, months in MONTHS_IN.items():
        clauses.append(and_(
            Observation.period_type == ptype,
            Observation.period_start >= period.start,
            Observation.period_start <= add_months(period.end, -(months - 1)),
        ))
    return or_(*clauses)


def _bucket_keys(granularity: str, start_month: int):
    """Return SQL expressions (financial year, index within it) for a granularity."""
    if granularity == "range":
        return literal(0), literal(0)
    year = cast(extract("year", Observation.period_start), Integer)
    month = cast(extract("month", Observation.period_start), Integer)
    fy = year - case((month < start_month, 1), else_=0)
    months_into = (month - start_month + 12) % 12
    if granularity == "month":
        return fy, months_into
    if granularity == "quarter":
        return fy, months_into // 3
    return fy, literal(0)


def aggregate(
    db: Database,
    viewer: Viewer,
    service_code: str,
    metric_codes: Iterable[str],
    period: PeriodRange,
    granularity: str,
    fy_start_month: int,
) -> pd.DataFrame:
    """Aggregate stored metrics for one service over time buckets, in SQL.

    `granularity` is month, quarter, year (financial year) or range (one bucket for the whole
    period). Each metric is aggregated by its own rule: sum for flows, the latest value for
    stocks, the mean for rates. Returns columns metric, bucket (date or None for range),
    value, periods (how many stored periods were combined), period_type and expected (how many
    periods of that type the bucket holds).
    """
    codes = list(dict.fromkeys(metric_codes))
    columns = ["metric", "bucket", "value", "periods", "period_type", "expected"]
    if not codes:
        return pd.DataFrame(columns=columns)
    filters = (
        Service.code == service_code,
        _visible_services(viewer),
        Metric.code.in_(codes),
        Observation.team == "",
        Observation.value.is_not(None),
    )
    if granularity == "month":
        return _monthly(db, filters, period, columns)
    allowed = (list(MONTHS_IN) if granularity == "range"
               else [t for t in GRANULARITY_ORDER if MONTHS_IN[t] <= MONTHS_IN[granularity]])
    fy, index = _bucket_keys(granularity, fy_start_month)
    base = (
        select(
            Metric.code.label("metric"),
            Metric.aggregation.label("aggregation"),
            Observation.period_type.label("period_type"),
            fy.label("fy"),
            index.label("idx"),
            Observation.value.label("value"),
            func.row_number().over(
                partition_by=(Observation.metric_id, Observation.period_type, fy, index),
                order_by=Observation.period_start.desc(),
            ).label("recency"),
        )
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(*filters, Observation.period_type.in_(allowed), _fits_range(period))
        .subquery()
    )
    stmt = select(
        base.c.metric, base.c.aggregation, base.c.period_type, base.c.fy, base.c.idx,
        func.sum(base.c.value).label("total"),
        func.avg(base.c.value).label("mean"),
        func.max(case((base.c.recency == 1, base.c.value))).label("latest"),
        func.count().label("periods"),
    ).group_by(base.c.metric, base.c.aggregation, base.c.period_type, base.c.fy, base.c.idx)
    with db.session() as session:
        rows = session.execute(stmt).all()
    span = period.months if granularity == "range" else MONTHS_IN[granularity]
    chosen: dict[tuple, dict] = {}
    starts: dict[tuple, dt.date | None] = {}
    for metric, aggregation, ptype, fy_key, idx, total, mean, latest, periods in rows:
        value = {"sum": total, "latest": latest, "mean": mean}[aggregation]
        key = (metric, fy_key, idx)
        # Where a metric is stored at more than one period type, keep the finest per bucket.
        if key in chosen and MONTHS_IN[chosen[key]["period_type"]] <= MONTHS_IN[ptype]:
            continue
        if (fy_key, idx) not in starts:
            starts[(fy_key, idx)] = None if granularity == "range" else \
                bucket_from_key(int(fy_key), int(idx), granularity, fy_start_month)
        chosen[key] = {
            "metric": metric,
            "bucket": starts[(fy_key, idx)],
            "value": float(value),
            "periods": int(periods),
            "period_type": ptype,
            "expected": max(1, span // MONTHS_IN[ptype]),
        }
    records = sorted(chosen.values(), key=lambda r: (r["metric"], r["bucket"] or dt.date.min))
    return pd.DataFrame(records, columns=columns)


SERVICE_VALUE_COLUMNS = ("service", "metric", "value", "coverage")


def aggregate_services(
    db: Database,
    viewer: Viewer,
    metric_codes: Iterable[str],
    period: PeriodRange,
    service_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Aggregate stored metrics over a period for many services at once, in SQL.

    One value per service and metric by the metric's own rule (sum, latest or mean), from the
    finest period type the service stored it at, with `coverage` the share of that type's
    periods in the range that were reported (1.0 = complete). `service_codes` None means every
    visible service (the metric-and-period index does the work); a list narrows it.
    """
    codes = list(dict.fromkeys(metric_codes))
    columns = list(SERVICE_VALUE_COLUMNS)
    wanted = None if service_codes is None else list(dict.fromkeys(service_codes))
    if not codes or (wanted is not None and not wanted):
        return pd.DataFrame(columns=columns)
    with db.engine.connect() as session:  # Core rows: no ORM bookkeeping per row
        metrics = {row.id: (row.code, row.aggregation) for row in session.execute(
            select(Metric.id, Metric.code, Metric.aggregation).where(Metric.code.in_(codes)))}
        if not metrics:
            return pd.DataFrame(columns=columns)
        filters = [Observation.metric_id.in_(list(metrics)), Observation.team == "",
                   Observation.value.is_not(None), _fits_range(period)]
        if wanted is not None and len(wanted) <= 5000:
            filters.append(Observation.service_id.in_(
                select(Service.id).where(Service.code.in_(wanted))))
        # Sums, means and counts in one pass; the latest value of stocks in a second, small,
        # pass keyed on each group's last period (no window function over every row).
        groups = session.execute(
            select(Observation.service_id, Observation.metric_id, Observation.period_type,
                   func.sum(Observation.value), func.avg(Observation.value), func.count(),
                   func.max(Observation.period_start))
            .where(*filters)
            .group_by(Observation.service_id, Observation.metric_id, Observation.period_type)
        ).all()
        frame = pd.DataFrame([tuple(g) for g in groups],
                             columns=["service_id", "metric_id", "period_type", "total",
                                      "mean", "periods", "last"])
        latest_ids = [i for i, (_, how) in metrics.items() if how == "latest"]
        needs_latest = frame[frame["metric_id"].isin(latest_ids) & (frame["periods"] > 1)]
        latest = {}
        if len(needs_latest):
            last = (select(Observation.service_id, Observation.metric_id,
                           Observation.period_type,
                           func.max(Observation.period_start).label("last"))
                    .where(*filters, Observation.metric_id.in_(latest_ids))
                    .group_by(Observation.service_id, Observation.metric_id,
                              Observation.period_type).subquery())
            latest = {(r[0], r[1], r[2]): r[3] for r in session.execute(
                select(Observation.service_id, Observation.metric_id, Observation.period_type,
                       Observation.value)
                .join(last, and_(Observation.service_id == last.c.service_id,
                                 Observation.metric_id == last.c.metric_id,
                                 Observation.period_type == last.c.period_type,
                                 Observation.period_start == last.c.last))
                .where(Observation.team == "", Observation.value.is_not(None)))}
        ids = frame["service_id"].unique().tolist()
        names = {}
        for begin in range(0, len(ids), 5000):
            names.update(session.execute(select(Service.id, Service.code).where(
                Service.id.in_(ids[begin:begin + 5000]), _visible_services(viewer))).all())
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["service"] = frame["service_id"].map(names)
    frame = frame[frame["service"].notna()]
    if wanted is not None and len(wanted) > 5000:
        frame = frame[frame["service"].isin(set(wanted))]
    frame["metric"] = frame["metric_id"].map({i: c for i, (c, _) in metrics.items()})
    how = frame["metric_id"].map({i: a for i, (_, a) in metrics.items()})
    if latest:
        found = pd.DataFrame([(*k, v) for k, v in latest.items()],
                             columns=["service_id", "metric_id", "period_type", "latest"])
        frame = frame.merge(found, on=["service_id", "metric_id", "period_type"], how="left")
        how = frame["metric_id"].map({i: a for i, (_, a) in metrics.items()})
        latest_values = frame["latest"].astype(float)
    else:
        latest_values = pd.Series(np.nan, index=frame.index)
    frame["value"] = frame["total"].where(how == "sum", frame["mean"])
    frame["value"] = frame["value"].where(how != "latest", latest_values.fillna(frame["total"]))
    # Keep the finest period type per service and metric (as `aggregate` does).
    frame["months"] = frame["period_type"].map(MONTHS_IN)
    frame = frame.sort_values("months", kind="stable").drop_duplicates(
        ["service", "metric"], keep="first")
    expected = (period.months // frame["months"]).clip(lower=1)
    frame["coverage"] = (frame["periods"] / expected).clip(upper=1.0)
    frame["value"] = frame["value"].astype(float)
    return frame[columns].reset_index(drop=True)


def _monthly(db: Database, filters, period: PeriodRange, columns: list[str]) -> pd.DataFrame:
    """Return monthly figures as they are stored: a month bucket holds one stored month."""
    stmt = (
        select(Metric.code, Observation.period_start, Observation.value)
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(*filters, Observation.period_type == "month",
               Observation.period_start >= period.start, Observation.period_start <= period.end)
        .order_by(Metric.code, Observation.period_start)
    )
    with db.session() as session:
        rows = session.execute(stmt).all()
    return pd.DataFrame([(m, start, float(v), 1, "month", 1) for m, start, v in rows],
                        columns=columns)


def batches_for_service(db: Database, viewer: Viewer, service_code: str) -> list[dict[str, Any]]:
    """List the import batches that hold figures for a service, newest first."""
    stmt = (
        select(ImportBatch)
        .where(ImportBatch.id.in_(
            select(Observation.batch_id)
            .join(Service, Observation.service_id == Service.id)
            .where(Service.code == service_code, _visible_services(viewer))
            .distinct()
        ))
        .order_by(ImportBatch.id.desc())
    )
    with db.session() as session:
        return [
            {"id": b.id, "kind": b.kind, "format": b.format, "created_at": b.created_at,
             "created_by": b.created_by, "filename": b.filename, "status": b.status,
             "rows_added": b.rows_added, "rows_replaced": b.rows_replaced, "note": b.note}
            for b in session.scalars(stmt)
        ]


EXPORT_COLUMNS = ("service", "metric", "period_type", "period_start", "team", "value",
                  "missing_reason")


def export_observations(
    db: Database,
    viewer: Viewer,
    service_codes: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Return stored figures (value not null) for export, in template order.

    `service_codes` None means every visible service; `start` and `end` bound each figure's
    period_start (inclusive). Columns: EXPORT_COLUMNS, ordered by service, metric,
    period_start, team.
    """
    columns = list(EXPORT_COLUMNS)
    if service_codes is not None and not service_codes:
        return pd.DataFrame(columns=columns)
    stmt = (
        select(Service.code, Metric.code, Observation.period_type, Observation.period_start,
               Observation.team, Observation.value, Observation.missing_reason)
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(_visible_services(viewer), Observation.value.is_not(None))
        .order_by(Service.code, Metric.code, Observation.period_start, Observation.team,
                  Observation.period_type)
    )
    if service_codes is not None:
        stmt = stmt.where(Service.code.in_(list(dict.fromkeys(service_codes))))
    if start is not None:
        stmt = stmt.where(Observation.period_start >= start)
    if end is not None:
        stmt = stmt.where(Observation.period_start <= end)
    with db.session() as session:
        rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["value"] = frame["value"].astype(float)
    frame["team"] = frame["team"].fillna("").astype(object)
    frame["missing_reason"] = frame["missing_reason"].astype(object)
    return frame


def services_for_export(db: Database, viewer: Viewer,
                        codes: Iterable[str] | None = None) -> dict[str, str]:
    """Return {service code: sector} for the given (or every) visible service."""
    stmt = select(Service.code, Service.sector).where(_visible_services(viewer))
    if codes is not None:
        wanted = list(dict.fromkeys(codes))
        if not wanted:
            return {}
        stmt = stmt.where(Service.code.in_(wanted))
    with db.session() as session:
        return {code: sector for code, sector in session.execute(stmt.order_by(Service.code))}


SERVICE_OBSERVATION_COLUMNS = ("metric", "period_type", "period_start", "team", "value",
                               "missing_reason", "imputed", "batch_id")


def service_observations(db: Database, viewer: Viewer, service_code: str) -> pd.DataFrame:
    """Return every stored row of one service (values, missing reasons, imputed flags).

    One service's history is small (tens of metrics over a few years), so the data-quality
    checks run on it in Python; the filter on the service uses the observation index.
    """
    stmt = (
        select(Metric.code, Observation.period_type, Observation.period_start,
               Observation.team, Observation.value, Observation.missing_reason,
               Observation.imputed, Observation.batch_id)
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(Service.code == service_code, _visible_services(viewer))
        .order_by(Metric.code, Observation.period_start, Observation.team)
    )
    with db.session() as session:
        rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(SERVICE_OBSERVATION_COLUMNS))
    frame["value"] = frame["value"].astype(float)
    frame["imputed"] = frame["imputed"].astype(bool)
    return frame


# ---------------------------------------------------------------------------------------------
# Peer groups (dashboard/peers.py): candidate services, stored neighbour lists, saved groups
# ---------------------------------------------------------------------------------------------

PEER_CANDIDATE_COLUMNS = ("id", "code", "name", "sector", "org_type", "region", "population",
                          "population_unit", "source", "source_name", "public")


def peer_candidates(db: Database, viewer: Viewer, sector: str | None = None,
                    codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the visible services peers are chosen from, one row each, ordered by code.

    Columns PEER_CANDIDATE_COLUMNS (`source` is the data source's code, `source_name` its name,
    `public` whether its
    names may be shown to everyone), then one column per key of the services' attributes
    (state, locale, legal_basis...); a Service column shadows an attribute of the same name.
    `sector` narrows in SQL; `codes` picks given services. One read of every service is cheap
    (a few tens of milliseconds for ten thousand), so callers load it once and reuse it.
    """
    stmt = (
        select(Service.id, Service.code, Service.name, Service.sector, Service.org_type,
               Service.region, Service.population, Service.population_unit,
               DataSource.code, DataSource.name, DataSource.public, Service.attributes)
        .join(DataSource, Service.source_id == DataSource.id)
        .where(_visible_services(viewer))
        .order_by(Service.code)
    )
    if sector:
        stmt = stmt.where(Service.sector == sector)
    batches = [stmt]
    if codes is not None:
        wanted = list(dict.fromkeys(str(c) for c in codes))
        batches = [stmt.where(Service.code.in_(wanted[i:i + 2000]))
                   for i in range(0, len(wanted), 2000)]
    rows = []
    with db.engine.connect() as conn:  # Core rows: no ORM bookkeeping per service
        for batch in batches:
            rows += conn.execute(batch).all()
    rows.sort(key=lambda row: row[1])
    columns = list(PEER_CANDIDATE_COLUMNS)
    base = pd.DataFrame([tuple(row[:-1]) for row in rows], columns=columns).astype(
        {"id": "int64", "population": "float64", "public": "bool"})
    for column in ("code", "name", "sector", "org_type", "region", "population_unit", "source",
                   "source_name"):
        base[column] = base[column].astype(object)
    attributes = pd.DataFrame.from_records(
        [row[-1] if isinstance(row[-1], dict) else {} for row in rows], index=base.index)
    attributes = attributes.drop(columns=[c for c in attributes.columns if c in columns])
    return pd.concat([base, attributes.astype(object)], axis=1)


def stored_neighbours(db: Database, viewer: Viewer, code: str,
                      source: str) -> list[tuple[str, int]]:
    """Return a service's stored neighbours from one source as (code, rank), nearest first."""
    own, other = aliased(Service), aliased(Service)
    visible = select(Service.id).where(_visible_services(viewer))
    stmt = (
        select(other.code, ServiceNeighbour.rank)
        .join(own, ServiceNeighbour.service_id == own.id)
        .join(other, ServiceNeighbour.neighbour_id == other.id)
        .where(own.code == code, ServiceNeighbour.source == source,
               own.id.in_(visible), other.id.in_(visible))
        .order_by(ServiceNeighbour.rank, other.code)
    )
    with db.engine.connect() as conn:
        return [(c, int(rank)) for c, rank in conn.execute(stmt)]


def neighbour_sources(db: Database, viewer: Viewer, code: str | None = None) -> list[str]:
    """List the sources of stored neighbour lists (of one service, when `code` is given)."""
    stmt = select(ServiceNeighbour.source).distinct().where(
        ServiceNeighbour.service_id.in_(select(Service.id).where(_visible_services(viewer))))
    if code is not None:
        stmt = stmt.where(ServiceNeighbour.service_id.in_(
            select(Service.id).where(Service.code == code)))
    with db.engine.connect() as conn:
        return sorted(conn.scalars(stmt))


def latest_year_values(db: Database, viewer: Viewer, metric_codes: Iterable[str],
                       sector: str | None = None) -> pd.DataFrame:
    """Return each visible service's latest figure stored for a whole year, per metric.

    Columns code, metric, period_start, value; one row per service and metric that has a
    yearly figure (national returns such as the IMLS survey store years). Monthly figures are
    not summed up here.
    """
    columns = ["code", "metric", "period_start", "value"]
    codes = list(dict.fromkeys(metric_codes))
    if not codes:
        return pd.DataFrame(columns=columns)
    filters = [Metric.code.in_(codes), Observation.period_type == "year",
               Observation.team == "", Observation.value.is_not(None),
               _visible_services(viewer)]
    if sector:
        filters.append(Service.sector == sector)
    last = (
        select(Observation.service_id, Observation.metric_id,
               func.max(Observation.period_start).label("last"))
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(*filters)
        .group_by(Observation.service_id, Observation.metric_id)
        .subquery()
    )
    stmt = (
        select(Service.code, Metric.code, Observation.period_start, Observation.value)
        .join(last, and_(Observation.service_id == last.c.service_id,
                         Observation.metric_id == last.c.metric_id,
                         Observation.period_start == last.c.last))
        .join(Metric, Observation.metric_id == Metric.id)
        .join(Service, Observation.service_id == Service.id)
        .where(*filters)
        .order_by(Service.code, Metric.code)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["value"] = frame["value"].astype(float)
    return frame


def _peer_group_dict(record: PeerGroupRecord) -> dict[str, Any]:
    return {"name": record.name, "definition": record.definition,
            "description": record.description, "created_at": record.created_at,
            "created_by": record.created_by}


def peer_group_records(db: Database, viewer: Viewer) -> list[dict[str, Any]]:
    """List the saved peer groups, by name: name, definition (JSON), description, created."""
    del viewer  # saved groups are shared by everyone in this single-tenant release
    with db.session() as session:
        return [_peer_group_dict(r) for r in session.scalars(
            select(PeerGroupRecord).order_by(PeerGroupRecord.name))]


def peer_group_record(db: Database, viewer: Viewer, name: str) -> dict[str, Any] | None:
    """Return one saved peer group by its exact name, or None."""
    del viewer
    with db.session() as session:
        record = session.scalars(
            select(PeerGroupRecord).where(PeerGroupRecord.name == name)).first()
        return _peer_group_dict(record) if record else None


def store_peer_group(db: Database, viewer: Viewer, name: str, definition: str,
                     description: str, created_by: str, replace: bool = False) -> str:
    """Save a peer group; return "created", "replaced" or "exists" (kept, `replace` False)."""
    del viewer
    with db.session() as session:
        record = session.scalars(
            select(PeerGroupRecord).where(PeerGroupRecord.name == name)).first()
        if record is not None and not replace:
            return "exists"
        status = "replaced" if record is not None else "created"
        record = record or PeerGroupRecord(name=name)
        record.definition = definition
        record.description = description
        record.created_by = created_by
        if status == "replaced":
            record.created_at = func.now()
        session.add(record)
    return status


def delete_peer_group(db: Database, viewer: Viewer, name: str) -> bool:
    """Delete a saved peer group by exact name; return whether one was deleted."""
    del viewer
    with db.session() as session:
        record = session.scalars(
            select(PeerGroupRecord).where(PeerGroupRecord.name == name)).first()
        if record is None:
            return False
        session.delete(record)
    return True
