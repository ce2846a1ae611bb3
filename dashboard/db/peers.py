"""Read (and save) what peer benchmarking needs: the candidate services, stored neighbour
lists, one period's figures of many services at once, and saved peer groups."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..periods import MONTHS_IN, PeriodRange, add_months
from .access import Viewer, visible_services
from .engine import Database
from .models import DataSource, Metric, Observation, PeerGroupRecord, Service, ServiceNeighbour


SERVICE_VALUE_COLUMNS = ("service", "metric", "value", "coverage")


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
                Service.id.in_(ids[begin:begin + 5000]), visible_services(viewer))).all())
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
        .where(visible_services(viewer))
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
    visible = select(Service.id).where(visible_services(viewer))
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
        ServiceNeighbour.service_id.in_(select(Service.id).where(visible_services(viewer))))
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
               visible_services(viewer)]
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
    with db.write_session(viewer, "save-peer-groups") as session:
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
    with db.write_session(viewer, "save-peer-groups") as session:
        record = session.scalars(
            select(PeerGroupRecord).where(PeerGroupRecord.name == name)).first()
        if record is None:
            return False
        session.delete(record)
    return True
