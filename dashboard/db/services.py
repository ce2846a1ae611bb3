"""Read services: who they are, the months their figures cover, the measures they report.

`service_summary` is the first statement of every page: the service with its extent and
reported measures, from the few rows dashboard.db.coverage keeps.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import pandas as pd
from sqlalchemy import Date, Integer, String, bindparam, func, null, select, type_coerce, union_all
from sqlalchemy.engine import Connection

from ..periods import MONTHS_IN, add_months
from .access import Viewer, visible_services
from .engine import Database
from .models import DataSource, ImportBatch, Metric, Observation, Service, ServiceCoverage


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
        .where(visible_services(viewer))
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
        .where(Service.code == code, visible_services(viewer))
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
                .where(Service.code.in_(wanted[start:start + 2000]), visible_services(viewer))
            ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns).set_index("code")
    frame["population"] = frame["population"].astype(float)
    return frame


def first_service_code(db: Database, viewer: Viewer) -> str | None:
    """Return the code of the first service by name, the default selection."""
    stmt = select(Service.code).where(visible_services(viewer)).order_by(Service.name).limit(1)
    with db.session() as session:
        return session.scalar(stmt)


def data_extent(db: Database, viewer: Viewer, service_code: str) -> tuple[dt.date, dt.date] | None:
    """Return the first and last month covered by a service's figures, or None if it has none."""
    stmt = (
        select(func.min(Observation.period_start), func.max(Observation.period_start),
               func.max(Observation.period_type))
        .join(Service, Observation.service_id == Service.id)
        .where(Service.code == service_code, visible_services(viewer),
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
        .where(Service.code == service_code, visible_services(viewer),
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
        .where(Service.code == service_code, visible_services(viewer))
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
        .where(Service.code == bindparam("code"), visible_services(viewer))
    )
    # Each (metric, period type) the service has a figure for, with its first and last
    # month: the few rows dashboard.db.coverage keeps, not the service's figures.
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
def connected(db: Database, conn: Connection | None) -> Iterator[Connection]:
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
    with connected(db, conn) as connection:
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
