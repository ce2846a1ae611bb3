"""Shared fixtures: fresh databases on SQLite and PostgreSQL, and a small hand-made dataset."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard.db import Database
from dashboard.db.access import ANONYMOUS
from dashboard.db.imports import import_data as _import_data
from dashboard.db.models import DataSource, ImportBatch, Metric, Observation, Service
from dashboard.importing.imls import parse_imls as _parse_imls

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def pytest_report_header(config):
    if POSTGRES_URL:
        return f"PostgreSQL tests: ENABLED against {POSTGRES_URL}"
    return ("PostgreSQL tests: NOT RUNNING (TEST_POSTGRES_URL is not set; `make test` sets it "
            "when a server is reachable)")


def _postgres_database():
    """Create a database in a fresh schema of the test server; return it and a cleanup."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set: in CI the PostgreSQL tests must run")
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (make test sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    db = Database(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")

    def cleanup():
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, cleanup


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request, tmp_path):
    """Yield a migrated, empty database on each backend."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/test.db")
        cleanup = db.dispose
    else:
        db, cleanup = _postgres_database()
    db.upgrade()
    yield db
    cleanup()


@pytest.fixture
def sqlite_db(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/test.db")
    db.upgrade()
    yield db
    db.dispose()


def month(year: int, m: int) -> dt.date:
    return dt.date(year, m, 1)


def months_between(first: dt.date, last: dt.date):
    current = first
    while current <= last:
        yield current
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)


def load_tiny(db: Database) -> None:
    """Load a small dataset whose totals are worked out by hand in the tests.

    Service TINY1 (NHS, April financial year), Apr 2022 to Mar 2024, monthly:
    - searches: value = the month number (Apr=4 ... Mar=3), except Jun 2023 missing;
    - staff_qualified_wte: 2.0 until Dec 2022, 3.0 from Jan 2023;
    - potential_users: 3,000 throughout;
    - exp_* five categories: 100, 50, 10, 5, 35 each month (total 200 a month);
    - impact_responses: 10 a month; impact_patient_care: 8 in even months, 6 in odd months.
    Service TINY2 (NHS) has no observations at all.
    Service PUB1 (public, July fiscal year): visits 1,000 for FY2022 (Jul 2022) as a year.
    """
    with db.session() as session:
        source = DataSource(code="tiny", name="Tiny test data", public=False, synthetic=True)
        public = DataSource(code="pub", name="Public test data", public=True)
        session.add_all([source, public])
        session.flush()
        s1 = Service(code="TINY1", name="Alpha Library", sector="nhs", org_type="acute",
                     region="London", population=3000, population_unit="WTE staff",
                     source_id=source.id, attributes={})
        s2 = Service(code="TINY2", name="Beta Library", sector="nhs", org_type="community",
                     region="London", population=1000, population_unit="WTE staff",
                     source_id=source.id, attributes={})
        p1 = Service(code="PUB1", name="Gamma Public Library", sector="public",
                     population=50000, population_unit="people", source_id=public.id,
                     attributes={"state": "AK"})
        session.add_all([s1, s2, p1])
        batch = ImportBatch(created_by="tests", kind="test", rows_read=0)
        session.add(batch)
        session.flush()
        metric_ids = {m.code: m.id for m in session.query(Metric)}

        def add(service, code, when, value, ptype="month"):
            session.add(Observation(service_id=service.id, metric_id=metric_ids[code],
                                    period_type=ptype, period_start=when, team="",
                                    value=value, batch_id=batch.id))

        for when in months_between(month(2022, 4), month(2024, 3)):
            if when != month(2023, 6):
                add(s1, "searches", when, float(when.month))
            add(s1, "staff_qualified_wte", when, 2.0 if when < month(2023, 1) else 3.0)
            add(s1, "potential_users", when, 3000.0)
            for code, value in (("exp_staff", 100), ("exp_eresources", 50), ("exp_print", 10),
                                ("exp_document_supply", 5), ("exp_other", 35)):
                add(s1, code, when, float(value))
            add(s1, "impact_responses", when, 10.0)
            add(s1, "impact_patient_care", when, 8.0 if when.month % 2 == 0 else 6.0)
        add(p1, "visits", month(2022, 7), 1000.0, "year")
        add(p1, "pls_population_lsa", month(2022, 7), 50000.0, "year")


@pytest.fixture
def tiny_db(empty_db):
    load_tiny(empty_db)
    return empty_db


# ---------------------------------------------------------------------------------------------
# The real IMLS FY2017 return, imported once per backend for the whole session
# ---------------------------------------------------------------------------------------------

DATA = Path(__file__).resolve().parent.parent / "data"
IMLS_FILE = DATA / "imls_pls_fy2017" / "pls_fy2017_ae_pud17i.csv.gz"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _backend_database(backend: str, tmp_path_factory):
    """Return a migrated empty database on a backend, and its cleanup."""
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path_factory.mktemp('imls')}/test.db")
        cleanup = db.dispose
    else:
        db, cleanup = _postgres_database()
    db.upgrade()
    return db, cleanup


@pytest.fixture(scope="session")
def imls_source() -> dict[str, dict[str, str]]:
    """The FY2017 file's rows by FSCSKEY, read with the csv module."""
    with gzip.open(IMLS_FILE, "rt", encoding="latin-1", newline="") as handle:
        return {row["FSCSKEY"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def imls_data():
    return _parse_imls(IMLS_FILE.read_bytes(), filename=IMLS_FILE.name)


@pytest.fixture(scope="session", params=BACKENDS)
def imls_db(request, tmp_path_factory, imls_data):
    """A database holding the whole FY2017 file, imported once per backend."""
    db, cleanup = _backend_database(request.param, tmp_path_factory)
    result = _import_data(db, ANONYMOUS, imls_data, created_by="tests")
    yield db, result
    cleanup()




@pytest.fixture(scope="module", params=BACKENDS)
def demo_db(request, tmp_path_factory):
    """A database with a small demo seed (12 services, 2 years, demo targets), per backend."""
    from dashboard import demo

    db, cleanup = _backend_database(request.param, tmp_path_factory)
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=12, years=2)
    yield db
    cleanup()


@pytest.fixture(scope="module")
def demo_ctx(demo_db):
    """An app context (database, default settings, no cache) over the demo database."""
    from dashboard.context import AppContext
    from dashboard.settings import load_config

    return AppContext(demo_db, load_config({"DATABASE_URL": demo_db.url,
                                            "CACHE_TYPE": "NullCache"}), None)


def make_demo_app(tmp_path_factory, name: str, n_services: int, years: int = 5, **settings):
    """Create an app over a fresh SQLite demo database (no cache) for a test module."""
    from app import create_app
    from dashboard import demo

    path = tmp_path_factory.mktemp(name) / "demo.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=n_services, years=years)
    db.dispose()
    return create_app({"DATABASE_URL": f"sqlite:///{path}", "CACHE_TYPE": "NullCache",
                       **settings})


def app_client(app):
    """Return a test client of an app whose pages router is ready."""
    client = app.server.test_client()
    client.get("/")  # Dash adds the pages router's callback on the first request
    return client
