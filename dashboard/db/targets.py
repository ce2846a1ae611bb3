"""Store and read services' targets (validated by dashboard.targets)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from ..catalogue import CATALOGUE, Catalogue
from ..periods import PeriodRange
from ..targets import TargetError, TargetInfo, check_target
from .access import Viewer, visible_services
from .engine import Database
from .models import Service, Target


def _service_id(session, viewer: Viewer, code: str) -> int:
    found = session.scalar(select(Service.id).where(Service.code == code,
                                                    visible_services(viewer)))
    if found is None:
        raise TargetError(f"there is no service {code!r}")
    return found


def set_target(db: Database, viewer: Viewer, service: str, metric: str, period: PeriodRange,
               value: float, note: str = "", created_by: str = "",
               catalogue: Catalogue = CATALOGUE) -> TargetInfo:
    """Store (or replace) a service's target for a measure over a period."""
    [stored] = set_targets(db, viewer, [TargetInfo(service, metric, period, value, note,
                                                   created_by)], catalogue)
    return stored


def set_targets(db: Database, viewer: Viewer, targets: list[TargetInfo],
                catalogue: Catalogue = CATALOGUE) -> list[TargetInfo]:
    """Store (or replace) several targets in one transaction: all of them, or none."""
    checked = [check_target(t, catalogue) for t in targets]
    now = dt.datetime.now(dt.timezone.utc)
    with db.write_session(viewer, "set-targets") as session:
        ids: dict[str, int] = {}
        for t in checked:
            if t.service not in ids:
                ids[t.service] = _service_id(session, viewer, t.service)
            row = session.scalar(select(Target).where(
                Target.service_id == ids[t.service], Target.metric_code == t.metric,
                Target.period_start == t.period.start, Target.period_end == t.period.end))
            if row is None:
                row = Target(service_id=ids[t.service], metric_code=t.metric,
                             period_start=t.period.start, period_end=t.period.end)
                session.add(row)
            row.value = t.value
            row.note = t.note
            row.created_by = t.created_by
            row.created_at = now  # when it was last set: cached views key on it
    return checked


def delete_target(db: Database, viewer: Viewer, service: str, metric: str,
                  period: PeriodRange) -> bool:
    """Remove a target; return whether there was one."""
    with db.write_session(viewer, "set-targets") as session:
        service_id = _service_id(session, viewer, service)
        removed = session.execute(delete(Target).where(
            Target.service_id == service_id, Target.metric_code == metric,
            Target.period_start == period.start, Target.period_end == period.end)).rowcount
    return bool(removed)


def list_targets(db: Database, viewer: Viewer, service: str | None = None) -> list[TargetInfo]:
    """List targets, of one service or all, by service, period and measure."""
    stmt = (select(Service.code, Target).join(Service, Target.service_id == Service.id)
            .where(visible_services(viewer))
            .order_by(Service.code, Target.period_start, Target.metric_code))
    if service is not None:
        stmt = stmt.where(Service.code == service)
    with db.session() as session:
        return [TargetInfo(code, t.metric_code, PeriodRange(_date(t.period_start),
                                                            _date(t.period_end)),
                           float(t.value), t.note or "", t.created_by or "")
                for code, t in session.execute(stmt)]


def targets_for(db: Database, viewer: Viewer, service: str,
                period: PeriodRange) -> dict[str, float]:
    """Return a service's targets for exactly this period, by measure code."""
    stmt = (select(Target.metric_code, Target.value)
            .join(Service, Target.service_id == Service.id)
            .where(Service.code == service, visible_services(viewer),
                   Target.period_start == period.start, Target.period_end == period.end))
    with db.session() as session:
        return {code: float(value) for code, value in session.execute(stmt)}


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
