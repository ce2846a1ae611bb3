"""Load normalised figures into the database atomically, report what changed, and undo it.

An import runs in ONE transaction: the rows are staged in a temporary table, compared with what
is stored (added, replaced, unchanged), the replaced values are kept for undo, and the batch is
recorded. A process killed part-way leaves the database as it was; importing the same figures
twice changes nothing the second time. `undo_import` removes exactly what a batch added and
restores the values it replaced.
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection

from .. import bulk
from ..coverage import refresh_coverage
from ..db import Database
from ..formatting import plural
from ..models import DataSource, ImportBatch, Metric, Service, ServiceNeighbour
from ..queries import Viewer
from . import ImportData, ImportFailed, Problem, close_codes, quoted_choices

Progress = Callable[[str, float], None]
REPLACEMENTS_SHOWN = 200
IMPORT_CACHE_KB = 65536
OUTLIER_MADS = 3.0
MAD_SCALE = 1.4826  # scaled MAD: a robust estimate of the standard deviation
MIN_HISTORY = 6  # stored values needed before a new one is called far from them
MIN_RELATIVE_SPREAD = 0.1  # the spread is at least a tenth of the median

_KEY = ("service_id", "metric_id", "period_type", "period_start", "team")
_SAME = ("((o.value = s.value) OR (o.value IS NULL AND s.value IS NULL)) "
         "AND COALESCE(o.missing_reason, '') = COALESCE(s.missing_reason, '') "
         "AND o.imputed = s.imputed")
_JOIN = " AND ".join(f"o.{k} = s.{k}" for k in _KEY)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    batch_id: int | None
    rows: int
    added: int
    replaced: int
    unchanged: int
    services_created: list[str] = field(default_factory=list)
    neighbours_added: int = 0
    replacements: pd.DataFrame | None = None  # the first replaced values: old -> new
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.services_created or self.neighbours_added)

    def summary(self) -> str:
        """Say what the import did, or for a dry run what it would do, in one sentence."""
        if self.dry_run:
            text = (f"{plural(self.rows, 'row')} read: would add {self.added:,}, replace "
                    f"{self.replaced:,} and leave {self.unchanged:,} unchanged")
            created, links = "would create ", "would store "
        else:
            text = (f"{plural(self.rows, 'row')} read: added {self.added:,}, replaced "
                    f"{self.replaced:,}, unchanged {self.unchanged:,}")
            created = links = ""
        if self.services_created:
            text += f"; {created}{plural(len(self.services_created), 'new service')}"
        if self.neighbours_added:
            text += f"; {links}{plural(self.neighbours_added, 'neighbour link')}"
        return text


@dataclass
class UndoResult:
    """What undoing an import removed and restored."""

    batch_id: int
    removed: int
    restored: int
    services_removed: int
    neighbours_removed: int = 0

    def summary(self) -> str:
        """Say what the undo did, in one sentence."""
        text = (f"Undid batch {self.batch_id}: removed {plural(self.removed, 'figure')}, "
                f"restored {plural(self.restored, 'replaced value')}")
        if self.services_removed:
            text += f", removed {plural(self.services_removed, 'service')}"
        if self.neighbours_removed:
            text += f", removed {plural(self.neighbours_removed, 'neighbour link')}"
        return text + "."


def _may_import(viewer: Viewer) -> None:
    """Refuse imports by viewers without the right (the one place the rule lives)."""
    del viewer  # single-tenant release: every user of the instance may import


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
    """Validate references, then load `data` in one transaction and return what changed."""
    _may_import(viewer)
    report = progress or (lambda stage, fraction: None)
    obs = data.observations
    result: ImportResult | None = None
    try:
        with db.engine.begin() as conn, _big_cache(conn):
            report("checking", 0.0)
            metric_ids = _metric_ids(conn, obs)
            source_id = _source_id(conn, data.source)
            batch_id = conn.execute(insert(ImportBatch).values(
                created_by=created_by, kind="import", format=data.format,
                filename=data.filename, checksum=data.checksum, source_id=source_id,
                rows_read=len(obs), note="",
            ).returning(ImportBatch.id)).scalar_one()
            service_ids, created = _services(conn, data, source_id, batch_id, create_services)
            report("staging", 0.1)
            _stage(conn, obs, service_ids, metric_ids, batch_id, report)
            report("comparing", 0.6)
            added, replaced, unchanged = _counts(conn)
            replacements = _replacements(conn, service_ids, metric_ids)
            warnings = [*data.warnings, *_future_periods(obs),
                        *_outliers(conn, obs, service_ids, metric_ids)]
            if replaced:
                warnings.append(_replaced_warning(replaced, dry_run))
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
    return result


def _metric_ids(conn: Connection, obs: pd.DataFrame) -> dict[str, int]:
    codes = sorted(set(obs["metric"].unique())) if len(obs) else []
    found = dict(conn.execute(select(Metric.code, Metric.id).where(Metric.code.in_(codes))).all())
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ImportFailed([Problem(f"metric {code!r} is not in the catalogue", column="metric")
                            for code in unknown])
    return found


def _source_id(conn: Connection, source) -> int | None:
    if source is None:
        return None
    existing = conn.execute(select(DataSource.id).where(DataSource.code == source.code)).scalar()
    if existing is not None:
        return existing
    return conn.execute(insert(DataSource).values(
        code=source.code, name=source.name, public=source.public, synthetic=source.synthetic,
        description=source.description, url=source.url, licence=source.licence,
    ).returning(DataSource.id)).scalar_one()


def _default_source(conn: Connection) -> int:
    """Return the source for services created from a user's own spreadsheet."""
    code = "local"
    existing = conn.execute(select(DataSource.id).where(DataSource.code == code)).scalar()
    if existing is not None:
        return existing
    return conn.execute(insert(DataSource).values(
        code=code, name="Imported by this service", public=False, synthetic=False,
        description="Figures imported from the service's own spreadsheets.", url="",
        licence="",
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
    owner = source_id if source_id is not None else (_default_source(conn) if missing else None)
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


def _replaced_warning(replaced: int, dry_run: bool) -> Problem:
    """Point out that stored values change, and that undoing the import brings them back."""
    values, them = plural(replaced, "stored value"), "it" if replaced == 1 else "them"
    if dry_run:
        return Problem(f"{values} would be replaced (old → new listed below); undoing the import "
                       f"would restore {them}.", severity="warning")
    return Problem(f"{values} {'was' if replaced == 1 else 'were'} replaced (old → new listed "
                   f"below); undoing this import restores {them}.", severity="warning")


def _future_periods(obs: pd.DataFrame, today: dt.date | None = None) -> list[Problem]:
    """Warn about figures for periods that start after the current month (a mistyped year?)."""
    if obs.empty:
        return []
    today = today or dt.date.today()
    this_month = dt.date(today.year, today.month, 1)
    later = {start for start in set(obs["period_start"]) if start > this_month}
    if not later:
        return []
    future = obs[obs["period_start"].isin(later)]
    first = future.iloc[0]
    return [Problem(
        f"{plural(len(future), 'figure is for a period', 'figures are for periods')} after "
        f"this month (first: service {first['service']}, metric {first['metric']}, "
        f"{first['period_start']:%Y-%m}); check the dates", row=int(first["source_row"]),
        severity="warning")]


def _outlier_stats(history: pd.DataFrame) -> pd.DataFrame:
    """Return the median and spread of each stored series long enough to judge a value by.

    `history` holds stored values (service_id, metric_id, period_type, value, none missing).
    A series is a service's values of one measure and period type; it needs MIN_HISTORY values
    and must not be constant. Its spread is the scaled median absolute deviation, or
    MIN_RELATIVE_SPREAD of the median when that is larger. Indexed by the series; vectorised
    (no Python call per series: a national return has hundreds of thousands of them).
    """
    keys = ["service_id", "metric_id", "period_type"]
    counts = history.groupby(keys, sort=False)["value"].transform("count")
    history = history.loc[counts >= MIN_HISTORY, [*keys, "value"]]
    medians = history.groupby(keys, sort=False)["value"].transform("median")
    history = history.assign(deviation=(history["value"] - medians).abs())
    stats = history.groupby(keys).agg(median=("value", "median"), mad=("deviation", "median"))
    stats["mad"] *= MAD_SCALE
    stats = stats[stats["mad"] > 0]  # a constant series: nothing to measure a deviation against
    floor = MIN_RELATIVE_SPREAD * stats["median"].abs()
    stats["spread"] = stats["mad"].where(stats["mad"] > floor, floor)
    return stats[stats["spread"] > 0]


def _outliers(conn: Connection, obs: pd.DataFrame, service_ids: dict[str, int],
              metric_ids: dict[str, int]) -> list[Problem]:
    """Warn about new or changed values far from the service's own history of the measure.

    Far means beyond OUTLIER_MADS times the scaled median absolute deviation of the stored
    values of the same service, measure and period type (at least MIN_HISTORY of them), or of
    MIN_RELATIVE_SPREAD of their median when that is larger (a steady series does not make a
    10% swing an outlier). Values already stored as they are raise no warning.
    """
    rows = conn.execute(text(
        "SELECT o.service_id, o.metric_id, o.period_type, o.period_start, o.team, o.value "
        "FROM observation o WHERE o.value IS NOT NULL AND EXISTS (SELECT 1 FROM import_stage s "
        "WHERE s.service_id = o.service_id AND s.metric_id = o.metric_id)")).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, seconds for a national file.
    history = pd.DataFrame([tuple(r) for r in rows], columns=[
        "service_id", "metric_id", "period_type", "period_start", "team", "value"])
    if history.empty or obs.empty:
        return []
    stats = _outlier_stats(history)
    if stats.empty:
        return []
    frame = obs[obs["value"].notna()].assign(
        service_id=obs["service"].map(service_ids), metric_id=obs["metric"].map(metric_ids))
    frame = frame.join(stats, on=["service_id", "metric_id", "period_type"], how="inner")
    far = frame[(frame["value"] - frame["median"]).abs() > OUTLIER_MADS * frame["spread"]]
    if far.empty:
        return []
    stored = {(r.service_id, r.metric_id, r.period_type, str(r.period_start)[:10], r.team or ""):
              r.value for r in history.itertuples(index=False)}
    keys = zip(far["service_id"], far["metric_id"], far["period_type"],
               far["period_start"].astype(str).str[:10], far["team"].fillna(""))
    far = far[[stored.get(key) != value for key, value in zip(keys, far["value"])]]
    problems = []
    for row in far.head(200).itertuples():
        problems.append(Problem(
            f"{row.value:,.6g} is far outside this service's own history for {row.metric} "
            f"(median {row.median:,.6g}); check it", row=int(row.source_row),
            column=str(row.source_column), value=f"{row.value:,.6g}", severity="warning"))
    if len(far) > 200:
        problems.append(Problem(f"and {plural(len(far) - 200, 'more value')} far outside their "
                                "history", severity="warning"))
    return problems


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
    """Remove exactly what a batch added and restore what it replaced, in one transaction."""
    _may_import(viewer)
    with db.engine.begin() as conn:
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
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
            status="undone", undone_at=dt.datetime.now(dt.timezone.utc)))
    return UndoResult(batch_id, removed, restored, services_removed, neighbours_removed)


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
