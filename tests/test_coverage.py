"""service_coverage (dashboard.coverage) always equals what the figures say, after every way
figures are written: the demo seed, an import that adds and replaces, its undo, an import that
creates services and its undo, writes through the ORM, and the migration that fills it; on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from dashboard.db.access import ANONYMOUS as V
from dashboard.db.imports import import_data, undo_import
from dashboard.db.models import ImportBatch, Metric, Observation, Service
from dashboard.db.services import service_summary
from tests.test_import_engine import data

D = dt.date


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def kept(db) -> set[tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT service_id, metric_id, period_type, first_start, last_start "
            "FROM service_coverage")).all()
    return {(s, m, t, _day(a), _day(b)) for s, m, t, a, b in rows}


def worked_out(db) -> set[tuple]:
    """The coverage read straight from the figures, the plain way."""
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT service_id, metric_id, period_type, MIN(period_start), MAX(period_start) "
            "FROM observation WHERE value IS NOT NULL "
            "GROUP BY service_id, metric_id, period_type")).all()
    return {(s, m, t, _day(a), _day(b)) for s, m, t, a, b in rows}


def test_the_demo_seed_keeps_coverage(demo_db):
    assert kept(demo_db) == worked_out(demo_db)
    assert len(kept(demo_db)) > 100


def test_imports_and_undos_keep_coverage(tiny_db):
    assert kept(tiny_db) == worked_out(tiny_db)  # written through the ORM
    before = kept(tiny_db)
    # Adds months after TINY1's last, replaces one, gives TINY2 its first figures, and
    # fills TINY1's missing June 2023 (a value where there was none).
    added = import_data(tiny_db, V, data([
        ("TINY1", "searches", D(2024, 4, 1), 40.0),
        ("TINY1", "searches", D(2024, 5, 1), 41.0),
        ("TINY1", "searches", D(2022, 4, 1), 99.0),
        ("TINY1", "searches", D(2023, 6, 1), 6.0),
        ("TINY2", "searches", D(2023, 1, 1), 5.0),
    ]), created_by="tests")
    assert added.added >= 3 and added.replaced >= 1
    after = kept(tiny_db)
    assert after == worked_out(tiny_db) and after != before
    tiny2 = service_summary(tiny_db, V, "TINY2")
    assert tiny2.extent == (D(2023, 1, 1), D(2023, 1, 1))
    assert service_summary(tiny_db, V, "TINY1").extent[1] == D(2024, 5, 1)
    undo_import(tiny_db, V, added.batch_id)
    assert kept(tiny_db) == worked_out(tiny_db) == before
    assert service_summary(tiny_db, V, "TINY2").extent is None

    created = import_data(tiny_db, V, data([("NEW1", "searches", D(2023, 1, 1), 3.0)]),
                          created_by="tests", create_services=True)
    assert created.services_created == ["NEW1"]
    assert kept(tiny_db) == worked_out(tiny_db) != before
    undo_import(tiny_db, V, created.batch_id)
    assert kept(tiny_db) == worked_out(tiny_db) == before


def test_orm_writes_keep_coverage(tiny_db):
    with tiny_db.session() as session:
        tiny2 = session.scalar(select(Service.id).where(Service.code == "TINY2"))
        searches = session.scalar(select(Metric.id).where(Metric.code == "searches"))
        batch = ImportBatch(created_by="tests", kind="test", rows_read=0)
        session.add(batch)
        session.flush()
        blank = Observation(service_id=tiny2, metric_id=searches, period_type="month",
                            period_start=D(2023, 5, 1), team="", value=None,
                            missing_reason="not collected", batch_id=batch.id)
        session.add(blank)
    assert kept(tiny_db) == worked_out(tiny_db)
    assert not any(row[0] == tiny2 for row in kept(tiny_db))  # no value: not reported
    with tiny_db.session() as session:
        row = session.get(Observation, blank.id)
        row.value, row.missing_reason = 7.0, None
    assert (tiny2, searches, "month", D(2023, 5, 1), D(2023, 5, 1)) in kept(tiny_db)
    assert kept(tiny_db) == worked_out(tiny_db)
    with tiny_db.session() as session:
        session.delete(session.get(Observation, blank.id))
    assert not any(row[0] == tiny2 for row in kept(tiny_db))
    assert kept(tiny_db) == worked_out(tiny_db)


def test_the_migration_fills_coverage(demo_db):
    from alembic import command

    config = demo_db.alembic_config()
    expected = worked_out(demo_db)
    try:
        command.downgrade(config, "0006")
        with demo_db.engine.connect() as conn:
            assert "service_coverage" not in {
                r[0] for r in conn.execute(text(
                    "SELECT name FROM sqlite_master" if demo_db.dialect == "sqlite" else
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()")).all()}
    finally:
        command.upgrade(config, "head")
    assert kept(demo_db) == expected
