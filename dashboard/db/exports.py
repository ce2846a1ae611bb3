"""Read stored figures for downloads and checks: figures in the template's order, services'
sectors, and one service's every stored row."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import pandas as pd
from sqlalchemy import select

from .access import Viewer, visible_services
from .engine import Database
from .models import Metric, Observation, Service


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
        .where(visible_services(viewer), Observation.value.is_not(None))
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
    stmt = select(Service.code, Service.sector).where(visible_services(viewer))
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
        .where(Service.code == service_code, visible_services(viewer))
        .order_by(Metric.code, Observation.period_start, Observation.team)
    )
    with db.session() as session:
        rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(SERVICE_OBSERVATION_COLUMNS))
    frame["value"] = frame["value"].astype(float)
    frame["imputed"] = frame["imputed"].astype(bool)
    return frame
