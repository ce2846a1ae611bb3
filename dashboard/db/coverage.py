"""Keep service_coverage: which measures each service reports, at which period types, from
which month to which.

A page's first statement (dashboard.db.services.service_summary) reads these few rows instead
of walking the service's figures. Every write of figures refreshes the rows of the services it
touched, in its own transaction: imports (commit and undo) and the seeding call
refresh_coverage, and a Session event does it for figures written through the ORM. Figures
written by hand in SQL need `python -m dashboard refresh-coverage` (refresh_all) afterwards.
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from .models import Observation

_CHUNK = 500  # service ids per statement

# One row per (service, measure, period type) with a figure: the first and last month it
# starts, each an index seek (ix_observation_reported) rather than a walk over the figures.
_FILL = (
    "INSERT INTO service_coverage (service_id, metric_id, period_type, first_start, last_start) "
    "SELECT p.service_id, p.metric_id, p.period_type, "
    "(SELECT MIN(o.period_start) FROM observation o WHERE o.service_id = p.service_id "
    "AND o.metric_id = p.metric_id AND o.period_type = p.period_type "
    "AND o.value IS NOT NULL), "
    "(SELECT MAX(o.period_start) FROM observation o WHERE o.service_id = p.service_id "
    "AND o.metric_id = p.metric_id AND o.period_type = p.period_type "
    "AND o.value IS NOT NULL) "
    "FROM (SELECT DISTINCT service_id, metric_id, period_type FROM observation "
    "WHERE value IS NOT NULL{where}) p"
)


def refresh_coverage(conn: Connection, service_ids: Iterable[int] | None = None) -> None:
    """Recompute the coverage rows of the services (of every service when None) from their
    figures, in the caller's transaction."""
    if service_ids is None:
        conn.execute(text("DELETE FROM service_coverage"))
        conn.execute(text(_FILL.format(where="")))
        return
    ids = sorted({int(i) for i in service_ids})
    for begin in range(0, len(ids), _CHUNK):
        listed = ", ".join(str(i) for i in ids[begin:begin + _CHUNK])  # ints: nothing to quote
        conn.execute(text(f"DELETE FROM service_coverage WHERE service_id IN ({listed})"))
        conn.execute(text(_FILL.format(where=f" AND service_id IN ({listed})")))


def _touched(session: Session, _flush_context) -> None:
    """Note the services whose figures this flush adds, changes or deletes."""
    ids = session.info.setdefault("coverage_services", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Observation):
            ids.add(obj.service_id)
            moved_from = _previous_service(obj)
            if moved_from is not None:
                ids.add(moved_from)


def _previous_service(obj: Observation) -> int | None:
    history = inspect(obj).attrs.service_id.history
    return history.deleted[0] if history.deleted else None


def _refresh_touched(session: Session, _flush_context) -> None:
    ids = session.info.pop("coverage_services", None)
    if ids:
        refresh_coverage(session.connection(), ids)


def track_orm_writes(sessions: sessionmaker) -> None:
    """Refresh coverage after every flush of these sessions that writes figures."""
    event.listen(sessions, "after_flush", _touched)
    event.listen(sessions, "after_flush_postexec", _refresh_touched)


def refresh_all(db, viewer) -> int:
    """Recompute every service's coverage rows from the figures, as one write; return how
    many rows there are."""
    with db.writing(viewer, "refresh-coverage") as conn:
        refresh_coverage(conn)
        return conn.execute(text("SELECT COUNT(*) FROM service_coverage")).scalar()
