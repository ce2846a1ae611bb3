"""Test the synthetic demo generator and bulk observation insertion (SQLite; PostgreSQL opt-in)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import islice

import pytest
from sqlalchemy import func, select

from dashboard import demo
from dashboard.db import bulk
from dashboard.catalogue import STORED
from dashboard.db import ANONYMOUS, Database
from dashboard.db.models import DataSource, ImportBatch, Metric, Observation, Service

NHS_CODES = [m.code for m in STORED if "nhs" in m.sectors]
FIRST_MONTH = dt.date(2020, 4, 1)
LAST_MONTH = dt.date(2025, 3, 1)
STOCKS = [m.code for m in STORED if "nhs" in m.sectors and m.aggregation == "latest"]


def _new_db(path) -> Database:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    return db


def _observations(db: Database) -> list[tuple]:
    """Return the observation table keyed by codes (ids may differ between databases)."""
    query = (
        select(Service.code, Metric.code, Observation.period_type, Observation.period_start,
               Observation.team, Observation.value, Observation.missing_reason,
               Observation.imputed)
        .join(Service, Service.id == Observation.service_id)
        .join(Metric, Metric.id == Observation.metric_id)
        .order_by(Service.code, Metric.code, Observation.period_start)
    )
    with db.engine.connect() as conn:  # sorted here: collations differ between databases
        return sorted(tuple(row) for row in conn.execute(query))


def _services(db: Database) -> list[tuple]:
    query = select(Service.code, Service.name, Service.org_type, Service.region,
                   Service.parent_org, Service.population, Service.population_unit,
                   Service.attributes).order_by(Service.code)
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def _values(db: Database) -> dict[tuple[str, str, dt.date], float]:
    return {(s, m, d): v for s, m, _, d, _, v, _, _ in _observations(db)}


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar()
            for model in (DataSource, Service, ImportBatch, Observation)
        }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Database:
    db = _new_db(tmp_path_factory.mktemp("demo") / "t.db")
    demo.seed_demo(db, ANONYMOUS)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def values(seeded) -> dict[tuple[str, str, dt.date], float]:
    return _values(seeded)


def test_same_seed_gives_identical_tables_and_another_seed_differs(seeded, tmp_path):
    again = _new_db(tmp_path / "again.db")
    demo.seed_demo(again, ANONYMOUS, seed=demo.default_seed())
    other = _new_db(tmp_path / "other.db")
    demo.seed_demo(other, ANONYMOUS, seed=demo.default_seed() + 1)
    try:
        first = _observations(seeded)
        assert _observations(again) == first
        assert _services(again) == _services(seeded)
        assert _observations(other) != first
        assert _services(other) != _services(seeded)
    finally:
        again.dispose()
        other.dispose()


def test_demo_source_and_services(seeded):
    with seeded.session() as session:
        source = session.scalars(select(DataSource)).one()
        services = session.scalars(select(Service).order_by(Service.code)).all()
    assert (source.code, source.name) == ("demo-nhs", "Demo data (synthetic)")
    assert source.synthetic and not source.public
    assert "fictional" in source.description.lower()
    assert [s.code for s in services] == [f"DEMO{i:03d}" for i in range(1, 41)]
    assert len({s.name for s in services}) == 40
    assert {s.region for s in services} == set(demo.REGIONS)
    types = [s.org_type for s in services]
    assert set(types) == {"acute", "mental health", "community", "ambulance", "integrated",
                          "other"}
    assert max(set(types), key=types.count) == "acute"
    for s in services:
        assert s.sector == "nhs" and s.population_unit == "WTE staff"
        assert s.name == s.parent_org + " Library and Knowledge Service"
        assert "NHS" in s.parent_org
        assert set(s.attributes) == {"teaching", "sites"}
        low, high = {"acute": (3000, 15000), "mental health": (1500, 6000),
                     "community": (1000, 5000), "ambulance": (2000, 6000),
                     "integrated": (4000, 12000), "other": (1000, 4000)}[s.org_type]
        assert low <= s.population <= high


def test_five_financial_years_of_monthly_data_for_every_nhs_metric(seeded):
    with seeded.engine.connect() as conn:
        rows = conn.execute(
            select(Metric.code, func.count(func.distinct(Observation.period_start)),
                   func.min(Observation.period_start), func.max(Observation.period_start))
            .join(Metric, Metric.id == Observation.metric_id)
            .group_by(Metric.code)
        ).all()
        kinds = conn.execute(select(Observation.period_type, Observation.team).distinct()).all()
    assert {r[0] for r in rows} == set(NHS_CODES)
    for code, months, first, last in rows:
        assert (months, first, last) == (60, FIRST_MONTH, LAST_MONTH), code
    assert kinds == [("month", "")]


def test_national_qualified_ratio_near_published_figure(values):
    potential = sum(v for (s, m, d), v in values.items()
                    if m == "potential_users" and d == LAST_MONTH)
    qualified = sum(v for (s, m, d), v in values.items()
                    if m == "staff_qualified_wte" and d == LAST_MONTH)
    assert 1500 <= potential / qualified <= 2000
    total = sum(v for (s, m, d), v in values.items() if m == "staff_total_wte" and d == LAST_MONTH)
    assert 3 <= total / 40 <= 7  # about 5 WTE for an average service


def test_training_staff_groups_sum_exactly_to_people_trained(values):
    groups = ("trained_medical", "trained_nursing", "trained_ahp", "trained_other_staff")
    cells = {(s, d) for (s, m, d) in values if m == "trained_user_education"}
    assert cells
    for s, d in cells:
        trained = values[(s, "trained_user_education", d)] + values[(s, "trained_induction", d)]
        assert sum(values[(s, g, d)] for g in groups) == trained
    for g in groups:  # the split is never stored where the totals are not
        assert {(s, d) for (s, m, d) in values if m == g} == cells


def test_august_and_december_dip_and_induction_peaks(values):
    def monthly_totals(metric):
        totals = defaultdict(float)
        for (s, m, d), v in values.items():
            if m == metric:
                totals[d.month] += v
        return totals

    searches = monthly_totals("searches")
    average = sum(searches.values()) / 12
    assert searches[8] < 0.85 * average and searches[12] < 0.85 * average
    induction = monthly_totals("trained_induction")
    others = [v for month, v in induction.items() if month not in (1, 9)]
    assert min(induction[1], induction[9]) > 1.5 * max(others)


def test_gaps_are_missing_rows_never_zero_or_null(values, seeded):
    per_cell = defaultdict(int)
    for (s, m, d) in values:
        per_cell[(s, m)] += 1
    gappy = {s for (s, m), n in per_cell.items() if n < 60 and not m.endswith("_pct")}
    assert 1 <= len(gappy) <= 15
    assert all(v is not None for v in values.values())
    with seeded.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(
            Observation.value.is_(None) | Observation.missing_reason.is_not(None)
            | Observation.imputed.is_(True))).scalar() == 0
    for (s, m, d), v in values.items():
        if m in STOCKS and m not in ("staff_vacancies_wte", "staff_para_wte"):
            assert v > 0, (s, m, d)
    # Respondents reporting each impact are whole numbers, never more than the responses.
    impact_counts = ("impact_patient_care", "impact_decision_making", "impact_time_saved",
                     "impact_learning")
    for (s, m, d), v in values.items():
        if m in impact_counts:
            responses = values[(s, "impact_responses", d)]
            assert 0 <= v <= responses and float(v).is_integer()
        if m == "impact_responses":
            assert float(v).is_integer()
            assert all((s, code, d) in values for code in impact_counts)


def test_batch_counts_match_rows(seeded):
    with seeded.session() as session:
        batch = session.scalars(select(ImportBatch)).one()
        rows = session.scalar(select(func.count()).select_from(Observation))
        batch_ids = session.scalars(select(Observation.batch_id).distinct()).all()
    assert batch.kind == "demo" and batch.filename == "" and batch.status == "committed"
    assert batch.note == "Demo data (synthetic)"
    assert len(batch.checksum) == 64 and int(batch.checksum, 16) >= 0
    assert batch.rows_read == batch.rows_added == rows > 80_000
    assert batch_ids == [batch.id]


def test_seeding_twice_raises_and_is_seeded(seeded, tmp_path):
    assert demo.demo_is_seeded(seeded, ANONYMOUS)
    with pytest.raises(ValueError, match="already exists"):
        demo.seed_demo(seeded, ANONYMOUS)
    empty = _new_db(tmp_path / "empty.db")
    assert not demo.demo_is_seeded(empty, ANONYMOUS)
    blank = Database(f"sqlite:///{tmp_path}/blank.db")
    assert not demo.demo_is_seeded(blank, ANONYMOUS)
    empty.dispose()
    blank.dispose()


def _failing_insert(real):
    def insert_then_fail(connection, rows):
        real(connection, islice(rows, 5000))
        raise RuntimeError("disk full")
    return insert_then_fail


def test_failed_seed_leaves_nothing_then_seeds_identically(empty_db, seeded, monkeypatch):
    """Run on SQLite and (with TEST_POSTGRES_URL) PostgreSQL: one transaction, same values."""
    monkeypatch.setattr(bulk, "insert_observations", _failing_insert(bulk.insert_observations))
    with pytest.raises(RuntimeError, match="disk full"):
        demo.seed_demo(empty_db, ANONYMOUS)
    assert _counts(empty_db) == {"data_source": 0, "service": 0, "import_batch": 0,
                                 "observation": 0}
    assert not demo.demo_is_seeded(empty_db, ANONYMOUS)
    monkeypatch.undo()
    demo.seed_demo(empty_db, ANONYMOUS)  # the database is still usable, and the values are the same
    assert demo.demo_is_seeded(empty_db, ANONYMOUS)
    assert _observations(empty_db) == _observations(seeded)
    with empty_db.session() as session:
        batch = session.scalars(select(ImportBatch)).one()
        assert batch.rows_added == session.scalar(select(func.count()).select_from(Observation))


def test_generate_observations_subset_and_scale(seeded):
    metric_ids = {code: i for i, code in enumerate(NHS_CODES, start=1)}
    rows = list(demo.generate_observations([11, 12, 13], metric_ids, 7, seed=5, years=2,
                                           metrics=["searches", "potential_users"]))
    assert {r[1] for r in rows} == {metric_ids["searches"], metric_ids["potential_users"]}
    assert {r[0] for r in rows} <= {11, 12, 13} and {r[8] for r in rows} == {7}
    assert min(r[3] for r in rows) == dt.date(2023, 4, 1)
    assert max(r[3] for r in rows) == dt.date(2025, 3, 1)
    again = list(demo.generate_observations([11, 12, 13], metric_ids, 7, seed=5, years=2,
                                            metrics=["searches", "potential_users"]))
    assert again == rows
    with pytest.raises(ValueError):
        next(demo.generate_observations([1], metric_ids, 1, metrics=["pls_circulation"]))


def _bulk_rows(service_id: int, metric_id: int, batch_id: int, n: int):
    """Yield n rows lazily, including a missing value and an imputed one."""
    for i in range(n):
        day = dt.date(2000 + i // 12, i % 12 + 1, 1)
        if i == 3:
            yield (service_id, metric_id, "month", day, "", None, "not collected", False,
                   batch_id)
        else:
            yield (service_id, metric_id, "month", day, "team a" if i == 5 else "",
                   float(i) + 0.5, None, i == 4, batch_id)


def _check_bulk_insert(db: Database) -> None:
    with db.engine.begin() as conn:
        source_id = conn.execute(DataSource.__table__.insert().values(
            code="t", name="T", synthetic=True).returning(DataSource.id)).scalar_one()
        service_id = conn.execute(Service.__table__.insert().values(
            code="S1", name="S", sector="nhs", attributes={}, source_id=source_id
        ).returning(Service.id)).scalar_one()
        batch_id = conn.execute(ImportBatch.__table__.insert().values(
            created_by="test", kind="test", source_id=source_id).returning(
            ImportBatch.id)).scalar_one()
        metric_id = conn.execute(select(Metric.id).where(Metric.code == "searches")).scalar_one()
        count = bulk.insert_observations(conn, _bulk_rows(service_id, metric_id, batch_id, 250),
                                         **({"chunk_size": 40} if db.dialect == "sqlite" else {}))
    assert count == 250
    with db.session() as session:
        rows = session.scalars(select(Observation).order_by(Observation.period_start)).all()
    assert len(rows) == 250
    assert rows[0].period_start == dt.date(2000, 1, 1) and rows[0].value == 0.5
    assert isinstance(rows[0].period_start, dt.date)
    assert rows[3].value is None and rows[3].missing_reason == "not collected"
    assert rows[4].imputed is True and rows[0].imputed is False
    assert rows[5].team == "team a" and rows[0].team == ""
    assert {r.batch_id for r in rows} == {batch_id}
    with db.engine.connect() as conn:  # dates compare correctly in SQL
        assert conn.execute(select(func.count()).where(
            Observation.period_start >= dt.date(2020, 1, 1))).scalar() == 10


def test_bulk_insert(empty_db):
    """Run on SQLite and (with TEST_POSTGRES_URL) PostgreSQL, via the shared empty_db fixture."""
    _check_bulk_insert(empty_db)
