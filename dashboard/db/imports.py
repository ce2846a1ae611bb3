"""Write and read import batches: load normalised figures atomically, report what changed,
undo it, and list what was loaded.

An import runs in ONE write transaction (Database.writing: one writer at a time): the rows
are staged in a temporary table, compared with what is stored (added, replaced, unchanged),
the replaced values are kept for undo, and the batch is recorded. A process killed part-way
leaves the database as it was; importing the same figures twice changes nothing the second
time. `undo_import` removes exactly what a batch added (its figures, the services and the data
source it created, its neighbour links) and restores the values it replaced. A writer that finds another one in progress waits for it (see
dashboard.db.engine), so two imports of overlapping figures are counted and undone correctly.
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection

from ..importing import (ImportData, ImportFailed, ImportResult, Problem, UndoResult, close_codes,
                         quoted_choices)
from ..importing.checks import future_periods, outliers, replaced_warning
from . import bulk
from .access import Viewer, visible_services
from .coverage import refresh_coverage
from .engine import Database, WriteBusy
from .models import DataSource, ImportBatch, Metric, Observation, Service, ServiceNeighbour

Progress = Callable[[str, float], None]
REPLACEMENTS_SHOWN = 200
IMPORT_CACHE_KB = 65536

_KEY = ("service_id", "metric_id", "period_type", "period_start", "team")
_SAME = ("((o.value = s.value) OR (o.value IS NULL AND s.value IS NULL)) "
         "AND COALESCE(o.missing_reason, '') = COALESCE(s.missing_reason, '') "
         "AND o.imputed = s.imputed")
_JOIN = " AND ".join(f"o.{k} = s.{k}" for k in _KEY)


@contextmanager
def _big_cache(conn: Connection) -> Iterator[None]:
    """Give the database room for one import: SQLite a 64 MB page cache (indexes of a million
    rows do not fit in the default 2 MB), PostgreSQL 256 MB to sort in; then the defaults."""
    if conn.dialect.name == "postgresql":  # sort the staged rows in memory, not on disk
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


class _Rollback(Exception):
    """Raised inside the transaction to end a dry run (or a no-op) without writing."""


def import_data(db: Database, viewer: Viewer, data: ImportData, *, created_by: str,
                create_services: bool = False, dry_run: bool = False,
                progress: Progress | None = None) -> ImportResult:
    """Validate references, then load `data` in one transaction and return what changed.

    Raise ImportFailed naming every problem (nothing is written), including when another
    change held the write lock for longer than the database's write_wait.
    """
    report = progress or (lambda stage, fraction: None)
    obs = data.observations
    result: ImportResult | None = None
    try:
        with db.writing(viewer, "import") as conn, _big_cache(conn):
            report("checking", 0.0)
            metric_ids = _metric_ids(conn, obs)
            batch_id = conn.execute(insert(ImportBatch).values(
                created_by=created_by, kind="import", format=data.format,
                filename=data.filename, checksum=data.checksum, rows_read=len(obs), note="",
            ).returning(ImportBatch.id)).scalar_one()
            source_id = _source_id(conn, data.source, batch_id)
            if source_id is not None:
                conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
                    source_id=source_id))
            service_ids, created = _services(conn, data, source_id, batch_id, create_services)
            report("staging", 0.1)
            _stage(conn, obs, service_ids, metric_ids, batch_id, report)
            report("comparing", 0.6)
            added, replaced, unchanged = _counts(conn)
            replacements = _replacements(conn, service_ids, metric_ids)
            warnings = [*data.warnings, *future_periods(obs),
                        *outliers(obs, _history(conn), service_ids, metric_ids)]
            if replaced:
                warnings.append(replaced_warning(replaced, dry_run))
            neighbours = _neighbours(conn, data, batch_id)
            result = ImportResult(batch_id, len(obs), added, replaced, unchanged, created,
                                  neighbours, replacements, warnings, dry_run)
            if dry_run or not result.changed:
                raise _Rollback
            report("writing", 0.7)
            _apply(conn, batch_id, replaced, unchanged)
            refresh_coverage(conn, service_ids.values())
            conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
                rows_added=added, rows_replaced=replaced, rows_unchanged=unchanged,
                note=result.summary()))
            _drop_stage(conn)
            report("done", 1.0)
    except _Rollback:
        result.batch_id = None
        report("done", 1.0)
    except WriteBusy as busy:
        raise ImportFailed([Problem(str(busy))]) from busy
    return result


def _history(conn: Connection) -> pd.DataFrame:
    """Return the stored figures of the services and measures being imported (the outlier
    check's history)."""
    rows = conn.execute(text(
        "SELECT o.service_id, o.metric_id, o.period_type, o.period_start, o.team, o.value "
        "FROM observation o WHERE o.value IS NOT NULL AND EXISTS (SELECT 1 FROM import_stage s "
        "WHERE s.service_id = o.service_id AND s.metric_id = o.metric_id)")).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, seconds for a national file.
    return pd.DataFrame([tuple(r) for r in rows], columns=[
        "service_id", "metric_id", "period_type", "period_start", "team", "value"])


def _metric_ids(conn: Connection, obs: pd.DataFrame) -> dict[str, int]:
    codes = sorted(set(obs["metric"].unique())) if len(obs) else []
    found = dict(conn.execute(select(Metric.code, Metric.id).where(Metric.code.in_(codes))).all())
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ImportFailed([Problem(f"metric {code!r} is not in the catalogue", column="metric")
                            for code in unknown])
    return found


def _source_id(conn: Connection, source, batch_id: int) -> int | None:
    """Return the id of the file's data source, created (by this batch) on first import."""
    if source is None:
        return None
    existing = conn.execute(select(DataSource.id).where(DataSource.code == source.code)).scalar()
    if existing is not None:
        return existing
    return conn.execute(insert(DataSource).values(
        code=source.code, name=source.name, public=source.public, synthetic=source.synthetic,
        description=source.description, url=source.url, licence=source.licence,
        created_batch_id=batch_id,
    ).returning(DataSource.id)).scalar_one()


def _default_source(conn: Connection, batch_id: int) -> int:
    """Return the source for services created from a user's own spreadsheet."""
    code = "local"
    existing = conn.execute(select(DataSource.id).where(DataSource.code == code)).scalar()
    if existing is not None:
        return existing
    return conn.execute(insert(DataSource).values(
        code=code, name="Imported by this service", public=False, synthetic=False,
        description="Figures imported from the service's own spreadsheets.", url="",
        licence="", created_batch_id=batch_id,
    ).returning(DataSource.id)).scalar_one()


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _services(conn: Connection, data: ImportData, source_id: int | None, batch_id: int,
              create_services: bool) -> tuple[dict[str, int], list[str]]:
    """Map service codes to ids, creating the services a file describes when allowed."""
    wanted = set(data.observations["service"].unique()) if len(data.observations) else set()
    described = data.services if data.services is not None else pd.DataFrame()
    if len(described):
        wanted |= set(described["code"])
    if data.neighbours is not None and len(data.neighbours):
        wanted |= set(data.neighbours["service"]) | set(data.neighbours["neighbour"])
    existing = dict(conn.execute(
        select(Service.code, Service.id).where(Service.code.in_(sorted(wanted)))).all())
    missing = sorted(wanted - set(existing))
    # Published returns (with a source) bring their services; a spreadsheet needs permission.
    if missing and data.source is None and not create_services:
        known = conn.execute(select(Service.code)).scalars().all()
        raise ImportFailed([Problem(_unknown_service(code, known), column="service", value=code)
                            for code in missing[:200]])
    by_code = {row["code"]: row for row in described.to_dict("records")} if len(described) else {}
    owner = source_id if source_id is not None else (
        _default_source(conn, batch_id) if missing else None)
    rows = []
    for code in missing:
        row = by_code.get(code, {})
        if data.source is not None and not row:
            continue  # a neighbour outside the file's services: dropped below
        rows.append({
            "code": code, "name": _clean(row.get("name")) or code,
            "sector": _clean(row.get("sector")) or "other",
            "org_type": _clean(row.get("org_type")), "region": _clean(row.get("region")),
            "parent_org": _clean(row.get("parent_org")),
            "population": _clean(row.get("population")),
            "population_unit": _clean(row.get("population_unit")),
            "attributes": row.get("attributes") or {}, "source_id": owner,
            "created_batch_id": batch_id,
        })
    if rows:  # one statement for them all, then one query for their ids
        conn.execute(insert(Service), rows)
        created = [r["code"] for r in rows]
        existing.update(conn.execute(select(Service.code, Service.id).where(
            Service.created_batch_id == batch_id)).all())
    else:
        created = []
    return existing, created


def _unknown_service(code: str, known: list[str]) -> str:
    """Say that a service code is not known, suggesting the known codes it resembles."""
    hint = close_codes(code, known)
    guess = f"; did you mean {quoted_choices(hint)}? If not, check" if hint else "; check"
    return (f"{code!r} is not a known service{guess} the code, or import with "
            "--create-services to add it")


def _stage(conn: Connection, obs: pd.DataFrame, service_ids: dict[str, int],
           metric_ids: dict[str, int], batch_id: int, report: Progress) -> None:
    """Copy the rows into a temporary table shaped like observation."""
    _drop_stage(conn)
    conn.execute(text(
        "CREATE TEMPORARY TABLE import_stage (service_id INTEGER NOT NULL, "
        "metric_id INTEGER NOT NULL, period_type VARCHAR(8) NOT NULL, period_start DATE NOT "
        "NULL, team VARCHAR(100) NOT NULL, value FLOAT, missing_reason VARCHAR(40), imputed "
        "BOOLEAN NOT NULL, batch_id INTEGER NOT NULL)"))
    total = max(len(obs), 1)
    # Columns are converted whole (not cell by cell): a million rows stage in about a second.
    sids = _ids(obs["service"], service_ids)
    mids = _ids(obs["metric"], metric_ids)
    ptypes = obs["period_type"].astype(object).tolist()
    starts = obs["period_start"].tolist()
    if conn.dialect.name == "sqlite":  # dates as SQLAlchemy stores them there: ISO text
        iso = {day: day.isoformat() for day in set(starts)}
        starts = [iso[day] for day in starts]
    teams = obs["team"].fillna("").astype(str).tolist()
    values = obs["value"].astype(float)
    values = values.astype(object).where(values.notna(), None).tolist()
    reasons = obs["missing_reason"].astype(object)
    reasons = reasons.where(reasons.notna(), None).tolist()
    imputed = obs["imputed"].astype(bool).tolist()
    batches = [batch_id] * len(obs)
    columns = [sids, mids, ptypes, starts, teams, values, reasons, imputed, batches]
    step = 100_000

    def rows():
        for begin in range(0, len(sids), step):
            if begin:
                report("staging", 0.1 + 0.5 * begin / total)
            yield from zip(*(column[begin:begin + step] for column in columns))

    bulk.insert_observations(conn, rows(), table="import_stage", dates_as_stored=True)
    conn.execute(text(
        "CREATE INDEX ix_import_stage_key ON import_stage "
        "(service_id, metric_id, period_type, period_start, team)"))


def _ids(codes: pd.Series, ids: dict[str, int]) -> list[int]:
    """Return the id of each code: each distinct code looked up once, not once per row."""
    positions, distinct = pd.factorize(codes)
    return np.asarray([ids[code] for code in distinct], dtype="int64")[positions].tolist()


def _drop_stage(conn: Connection) -> None:
    conn.execute(text("DROP TABLE IF EXISTS import_stage"))


def _counts(conn: Connection) -> tuple[int, int, int]:
    row = conn.execute(text(
        "SELECT "
        "SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN o.id IS NOT NULL AND NOT ({_SAME}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN o.id IS NOT NULL AND ({_SAME}) THEN 1 ELSE 0 END) "
        f"FROM import_stage s LEFT JOIN observation o ON {_JOIN}")).one()
    return tuple(int(v or 0) for v in row)


def _replacements(conn: Connection, service_ids: dict[str, int],
                  metric_ids: dict[str, int]) -> pd.DataFrame:
    """Return the first replaced values, old and new, for the preview."""
    rows = conn.execute(text(
        "SELECT s.service_id, s.metric_id, s.period_type, s.period_start, s.team, "
        "o.value AS old, s.value AS new "
        f"FROM import_stage s JOIN observation o ON {_JOIN} WHERE NOT ({_SAME}) "
        f"ORDER BY s.service_id, s.metric_id, s.period_start LIMIT {REPLACEMENTS_SHOWN}")).all()
    codes = {v: k for k, v in service_ids.items()}
    metrics = {v: k for k, v in metric_ids.items()}
    return pd.DataFrame(
        [(codes.get(r[0]), metrics.get(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows],
        columns=["service", "metric", "period_type", "period_start", "team", "old", "new"])


def _neighbours(conn: Connection, data: ImportData, batch_id: int) -> int:
    """Store published neighbour lists; pairs already stored are left as they are."""
    if data.neighbours is None or not len(data.neighbours):
        return 0
    ids = dict(conn.execute(select(Service.code, Service.id)).all())
    existing = set(conn.execute(select(ServiceNeighbour.service_id,
                                       ServiceNeighbour.neighbour_id,
                                       ServiceNeighbour.source)).all())
    rows = []
    for row in data.neighbours.itertuples(index=False):
        sid, nid = ids.get(row.service), ids.get(row.neighbour)
        if sid is None or nid is None or (sid, nid, row.source) in existing:
            continue
        existing.add((sid, nid, row.source))
        rows.append({"service_id": sid, "neighbour_id": nid, "rank": int(row.rank),
                     "source": row.source, "batch_id": batch_id})
    if rows:
        conn.execute(insert(ServiceNeighbour), rows)
    return len(rows)


def _apply(conn: Connection, batch_id: int, replaced: int, unchanged: int) -> None:
    """Keep the values about to be replaced, replace them, and add the new rows."""
    params = {"batch": batch_id}
    if replaced:
        conn.execute(text(
            "INSERT INTO replaced_value (batch_id, observation_id, old_value, "
            "old_missing_reason, old_imputed, old_batch_id) SELECT :batch, o.id, o.value, "
            f"o.missing_reason, o.imputed, o.batch_id FROM import_stage s JOIN observation o "
            f"ON {_JOIN} WHERE NOT ({_SAME})"), params)
        conn.execute(text(
            "UPDATE observation AS o SET value = s.value, missing_reason = s.missing_reason, "
            f"imputed = s.imputed, batch_id = :batch FROM import_stage s WHERE {_JOIN} "
            f"AND NOT ({_SAME})"), params)
    columns = ", ".join((*_KEY, "value", "missing_reason", "imputed", "batch_id"))
    # Every row new (the usual first load): no need to look each one up again. Rows go in
    # key order, so the indexes grow at their ends rather than being split all over.
    missing = "" if not (replaced or unchanged) else \
        f" WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {_JOIN})"
    conn.execute(text(
        f"INSERT INTO observation ({columns}) SELECT s.service_id, s.metric_id, s.period_type, "
        "s.period_start, s.team, s.value, s.missing_reason, s.imputed, s.batch_id "
        f"FROM import_stage s{missing} "
        "ORDER BY s.service_id, s.metric_id, s.period_type, s.period_start, s.team"))


def undo_import(db: Database, viewer: Viewer, batch_id: int) -> UndoResult:
    """Remove exactly what a batch added and restore what it replaced, in one transaction.

    Raise ImportFailed when the batch is not there, was undone already, or had its figures
    changed by a later batch (undo that first), or when another change held the write lock
    for longer than the database's write_wait.
    """
    try:
        with db.writing(viewer, "undo-import") as conn:
            return _undo(conn, batch_id)
    except WriteBusy as busy:
        raise ImportFailed([Problem(str(busy))]) from busy


def _undo(conn: Connection, batch_id: int) -> UndoResult:
    """Undo a batch inside the caller's write transaction."""
    batch = conn.execute(select(ImportBatch.status, ImportBatch.kind).where(
        ImportBatch.id == batch_id)).first()
    if batch is None:
        raise ImportFailed([Problem(f"there is no import batch {batch_id}")])
    if batch.status != "committed":
        raise ImportFailed([Problem(f"import batch {batch_id} was already undone")])
    later = conn.execute(text(
        "SELECT DISTINCT r.batch_id FROM replaced_value r JOIN import_batch b "
        "ON b.id = r.batch_id WHERE r.old_batch_id = :batch AND b.status = 'committed'"),
        {"batch": batch_id}).scalars().all()
    if later:
        raise ImportFailed([Problem(
            f"figures of batch {batch_id} were changed later by batch "
            f"{', '.join(map(str, sorted(later)))}: undo that first")])
    created = conn.execute(select(Service.id).where(
        Service.created_batch_id == batch_id)).scalars().all()
    if created:
        others = conn.execute(text(
            "SELECT COUNT(*) FROM observation WHERE batch_id <> :batch AND service_id IN ("
            + ",".join(str(int(i)) for i in created) + ")"), {"batch": batch_id}).scalar()
        if others:
            raise ImportFailed([Problem(
                f"services created by batch {batch_id} have figures from later imports: "
                "undo those first")])
    # The services whose figures change: their coverage is worked out again below.
    touched = conn.execute(text(
        "SELECT DISTINCT service_id FROM observation WHERE batch_id = :batch UNION "
        "SELECT o.service_id FROM replaced_value r JOIN observation o "
        "ON o.id = r.observation_id WHERE r.batch_id = :batch"),
        {"batch": batch_id}).scalars().all()
    restored = conn.execute(text(
        "UPDATE observation SET value = r.old_value, missing_reason = r.old_missing_reason, "
        "imputed = r.old_imputed, batch_id = r.old_batch_id FROM replaced_value r "
        "WHERE r.batch_id = :batch AND observation.id = r.observation_id"),
        {"batch": batch_id}).rowcount
    # History kept by batches already undone may point at rows about to go.
    conn.execute(text(
        "DELETE FROM replaced_value WHERE observation_id IN "
        "(SELECT id FROM observation WHERE batch_id = :batch)"), {"batch": batch_id})
    removed = conn.execute(text("DELETE FROM observation WHERE batch_id = :batch"),
                           {"batch": batch_id}).rowcount
    refresh_coverage(conn, touched)
    neighbours_removed = conn.execute(text(
        "DELETE FROM service_neighbour WHERE batch_id = :batch"), {"batch": batch_id}).rowcount
    services_removed = 0
    if created:
        neighbours_removed += conn.execute(text(
            "DELETE FROM service_neighbour WHERE service_id IN ("
            + ",".join(str(int(i)) for i in created) + ") OR neighbour_id IN ("
            + ",".join(str(int(i)) for i in created) + ")")).rowcount
        services_removed = conn.execute(text(
            "DELETE FROM service WHERE created_batch_id = :batch"),
            {"batch": batch_id}).rowcount
    sources_removed = _remove_created_sources(conn, batch_id)
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        status="undone", undone_at=dt.datetime.now(dt.timezone.utc)))
    return UndoResult(batch_id, removed, restored, services_removed, neighbours_removed,
                      sources_removed)


def _remove_created_sources(conn: Connection, batch_id: int) -> int:
    """Remove the data sources the batch created, unless services of a later import use them
    (the batches that named one, all undone by then, keep their history without it)."""
    created = conn.execute(select(DataSource.id).where(
        DataSource.created_batch_id == batch_id)).scalars().all()
    removed = 0
    for source_id in created:
        if conn.execute(select(func.count()).select_from(Service).where(
                Service.source_id == source_id)).scalar():
            continue
        conn.execute(update(ImportBatch).where(ImportBatch.source_id == source_id).values(
            source_id=None))
        removed += conn.execute(text("DELETE FROM data_source WHERE id = :source"),
                                {"source": source_id}).rowcount
    return removed


def list_batches(db: Database, viewer: Viewer) -> list[dict[str, Any]]:
    """List every import batch, newest first."""
    del viewer
    with db.session() as session:
        counts = dict(session.execute(
            select(ImportBatch.id, func.count()).join_from(
                ImportBatch, ServiceNeighbour, ServiceNeighbour.batch_id == ImportBatch.id)
            .group_by(ImportBatch.id)).all())
        return [
            {"id": b.id, "created_at": b.created_at, "created_by": b.created_by,
             "kind": b.kind, "format": b.format, "filename": b.filename, "status": b.status,
             "rows_read": b.rows_read, "added": b.rows_added, "replaced": b.rows_replaced,
             "unchanged": b.rows_unchanged, "neighbours": counts.get(b.id, 0),
             "undone_at": b.undone_at}
            for b in session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()))
        ]


def batches_for_service(db: Database, viewer: Viewer, service_code: str) -> list[dict[str, Any]]:
    """List the import batches that hold figures for a service, newest first."""
    stmt = (
        select(ImportBatch)
        .where(ImportBatch.id.in_(
            select(Observation.batch_id)
            .join(Service, Observation.service_id == Service.id)
            .where(Service.code == service_code, visible_services(viewer))
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
