"""Keep services' targets: a value to reach for a measure over a period (usually a year).

Targets are set from the command line (`python -m dashboard targets ...`) and shown on the
executive view and in snapshots, beside last year and the peer median. A target applies to a
view whose period is exactly the target's period: a yearly target is never compared with a
quarter's figure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, select

from .catalogue import CATALOGUE, Catalogue
from .db import Database
from .models import Service, Target
from .periods import PeriodRange
from .queries import Viewer, _visible_services

MAX_NOTE = 500
MAX_VALUE = 1e12  # larger than any library figure: a typing slip, not a target


class TargetError(ValueError):
    """A target cannot be stored; the message says why."""


@dataclass(frozen=True)
class TargetInfo:
    """A stored target as pages and exports see it."""

    service: str
    metric: str
    period: PeriodRange
    value: float
    note: str = ""
    created_by: str = ""


def _may_set_targets(viewer: Viewer) -> None:
    """Enforce who may set targets (everyone, in this single-tenant release)."""
    del viewer


def _check(metric: str, value, period: PeriodRange, catalogue: Catalogue) -> float:
    if metric not in catalogue:
        raise TargetError(f"{metric!r} is not a measure in the catalogue")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise TargetError("a target must be a finite number")
    if value < 0:
        raise TargetError("a target cannot be negative")
    if value > MAX_VALUE:
        raise TargetError(f"a target of {value:g} is too large (at most {MAX_VALUE:,.0f})")
    if catalogue[metric].unit == "percent" and value > 100:
        raise TargetError(f"{catalogue[metric].name} is a percentage: a target cannot be over 100")
    if period.end < period.start:
        raise TargetError("a target's period must end after it starts")
    if period.start.day != 1 or period.end.day != 1:
        raise TargetError("a target's period runs from a first month to a last month")
    return float(value)


def _service_id(session, viewer: Viewer, code: str) -> int:
    found = session.scalar(select(Service.id).where(Service.code == code,
                                                    _visible_services(viewer)))
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
    _may_set_targets(viewer)
    checked = [TargetInfo(t.service, t.metric, t.period,
                          _check(t.metric, t.value, t.period, catalogue),
                          (t.note or "")[:MAX_NOTE], (t.created_by or "")[:200])
               for t in targets]
    now = dt.datetime.now(dt.timezone.utc)
    with db.session() as session:
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
        session.commit()
    return checked


def delete_target(db: Database, viewer: Viewer, service: str, metric: str,
                  period: PeriodRange) -> bool:
    """Remove a target; return whether there was one."""
    _may_set_targets(viewer)
    with db.session() as session:
        service_id = _service_id(session, viewer, service)
        removed = session.execute(delete(Target).where(
            Target.service_id == service_id, Target.metric_code == metric,
            Target.period_start == period.start, Target.period_end == period.end)).rowcount
        session.commit()
    return bool(removed)


def list_targets(db: Database, viewer: Viewer, service: str | None = None) -> list[TargetInfo]:
    """List targets, of one service or all, by service, period and measure."""
    stmt = (select(Service.code, Target).join(Service, Target.service_id == Service.id)
            .where(_visible_services(viewer))
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
            .where(Service.code == service, _visible_services(viewer),
                   Target.period_start == period.start, Target.period_end == period.end))
    with db.session() as session:
        return {code: float(value) for code, value in session.execute(stmt)}


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
