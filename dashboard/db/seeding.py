"""Write a generated data source in one go: the demo data and the benchmark databases
(dashboard.demo generates the figures; this module stores them)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import exists, insert, select, update
from sqlalchemy.engine import Connection

from . import bulk
from .access import Viewer
from .bulk import ObservationRow
from .coverage import refresh_coverage
from .engine import Database
from .models import DataSource, ImportBatch, Metric, Service

# Given the new services' ids by code, the metrics' ids by code and the batch id, yield the
# rows to store.
Rows = Callable[[Mapping[str, int], Mapping[str, int], int], Iterable[ObservationRow]]


def _source_exists(connection: Connection, code: str) -> bool:
    return bool(connection.execute(select(exists().where(DataSource.code == code))).scalar())


def write_source(db: Database, viewer: Viewer, *, source: dict[str, Any],
                 services: Sequence[dict[str, Any]], metrics: Sequence[str], rows: Rows,
                 kind: str, checksum: str, created_by: str, note: str) -> int:
    """Write a data source, its services, one batch and the batch's figures in one write
    transaction; return the batch id. Raise ValueError when the source exists already.

    `services` are service rows without their source_id; the batch created the source and
    its services, so undoing it removes them again.
    """
    with db.writing(viewer, "seed") as conn:
        if _source_exists(conn, source["code"]):
            raise ValueError(
                f"data source {source['code']!r} already exists; remove it before seeding again"
            )
        metric_ids = dict(conn.execute(
            select(Metric.code, Metric.id).where(Metric.code.in_(metrics))).all())
        batch_id = conn.execute(insert(ImportBatch).values(
            created_by=created_by, kind=kind, filename="", checksum=checksum, note=note,
        ).returning(ImportBatch.id)).scalar_one()
        source_id = conn.execute(insert(DataSource).values(
            **source, created_batch_id=batch_id).returning(DataSource.id)).scalar_one()
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
            source_id=source_id))
        ids_by_code = dict(conn.execute(
            insert(Service).returning(Service.code, Service.id),
            [{**row, "source_id": source_id, "created_batch_id": batch_id} for row in services],
        ).all())
        count = bulk.insert_observations(conn, rows(ids_by_code, metric_ids, batch_id))
        refresh_coverage(conn, ids_by_code.values())
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
            rows_read=count, rows_added=count))
    return batch_id


def source_exists(db: Database, viewer: Viewer, code: str) -> bool:
    """Return whether a data source with this code is stored (False before init-db)."""
    del viewer  # that a source exists reveals no figures
    if not db.is_initialised():
        return False
    with db.engine.connect() as conn:
        return _source_exists(conn, code)
