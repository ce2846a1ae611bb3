"""Benchmark a 1-million-row import beside plain `pandas.DataFrame.to_sql` of the same rows.

Part of `python -m bench`. The file is a long-layout template CSV (service, metric,
period, value) of synthetic figures; Shelfmark reads, validates, stages, compares and commits it
as one batch into a fresh database with the real schema and its indexes. The baseline reads the
same CSV with pandas and writes it with `to_sql` (default options) into a fresh database of
the same kind, with no validation and no index.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url

from dashboard.catalogue import CATALOGUE
from dashboard.db import Database
from dashboard.db.models import DataSource, Service
from dashboard.periods import add_months

N_SERVICES = 200


def _metrics() -> list[str]:
    return [m.code for m in CATALOGUE.stored
            if "nhs" in m.sectors and m.unit in ("count", "hours")][:25]


def write_csv(path: Path, rows: int, seed: int = 11) -> int:
    """Write a long-layout CSV of about `rows` figures (whole services x metrics x months)."""
    metrics = _metrics()
    months = max(1, rows // (N_SERVICES * len(metrics)))
    rng = random.Random(seed)
    first = dt.date(2025, 3, 1)
    periods = [add_months(first, -i).strftime("%Y-%m") for i in range(months)]
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["service", "metric", "period", "value"])
        for s in range(1, N_SERVICES + 1):
            code = f"BENCH{s:04d}"
            for metric in metrics:
                level = rng.uniform(20, 2000)
                for period in periods:
                    out.writerow([code, metric, period, round(level * rng.uniform(0.7, 1.3))])
                    written += 1
    return written


def _fresh_sqlite(url: str) -> None:
    path = make_url(url).database
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)


def _services(db: Database) -> None:
    with db.engine.begin() as conn:
        source = conn.execute(insert(DataSource).values(
            code="bench", name="Benchmark (synthetic)", public=False, synthetic=True,
            description="", url="", licence="").returning(DataSource.id)).scalar_one()
        conn.execute(insert(Service), [
            {"code": f"BENCH{s:04d}", "name": f"Benchmark service {s}", "sector": "nhs",
             "source_id": source, "attributes": {}} for s in range(1, N_SERVICES + 1)])


def run(workdir: Path, rows: int = 1_000_000, database_url: str | None = None) -> dict:
    """Time Shelfmark's import and pandas' to_sql of the same CSV; return the figures."""
    from dashboard.db.imports import import_data
    from dashboard.importing.load import read_import
    from dashboard.db.access import ANONYMOUS
    from dashboard.settings import load_config

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"import-{rows}.csv"
    if not path.exists():
        written = write_csv(path, rows)
    else:
        with path.open(encoding="utf-8") as handle:
            written = sum(1 for _ in handle) - 1
    content = path.read_bytes()
    config = load_config({"IMPORT_MAX_MB": max(50, len(content) // 1048576 + 1)})

    url = database_url or f"sqlite:///{workdir / 'import-bench.db'}"
    if make_url(url).get_backend_name() == "sqlite":
        _fresh_sqlite(url)
    db = Database(url)
    db.upgrade()
    _services(db)
    started = time.perf_counter()
    data = read_import(db, ANONYMOUS, config, content, path.name)
    parsed = time.perf_counter() - started
    result = import_data(db, ANONYMOUS, data, created_by="bench")
    total = time.perf_counter() - started
    db.dispose()
    assert result.added == written, (result.added, written)

    base_url = (f"sqlite:///{workdir / 'import-bench-pandas.db'}"
                if make_url(url).get_backend_name() == "sqlite" else url)
    if make_url(base_url).get_backend_name() == "sqlite":
        _fresh_sqlite(base_url)
    engine = create_engine(base_url)
    started = time.perf_counter()
    frame = pd.read_csv(path)
    read = time.perf_counter() - started
    frame.to_sql("bench_plain_rows", engine, index=False, if_exists="replace")
    pandas_total = time.perf_counter() - started
    engine.dispose()
    to_sql = pandas_total - read
    return {
        "rows": written, "bytes": len(content), "backend": make_url(url).get_backend_name(),
        "shelfmark_s": total, "shelfmark_parse_s": parsed,
        "pandas_read_s": read, "pandas_to_sql_s": to_sql, "pandas_total_s": pandas_total,
    }


def run_in_worker(workdir: str, rows: int) -> dict:
    """Run the import benchmark: bench.pages.in_fresh_process calls this in a process of its own,
    so that both sides are timed as a fresh worker (or the import command) would run them, not
    in the builder that has loaded the other benchmarks' data."""
    return run(Path(workdir), rows)


def report(figures: dict) -> None:
    rows = figures["rows"]
    ours = rows / figures["shelfmark_s"]
    to_sql = rows / figures["pandas_to_sql_s"]
    both = rows / figures["pandas_total_s"]
    print(f"\nImport of a {rows:,}-row long CSV ({figures['bytes'] / 1048576:,.0f} MB) on "
          f"{figures['backend']}:")
    print(f"  Shelfmark import (read, validate, stage, compare, commit): "
          f"{figures['shelfmark_s']:6.1f} s = {ours:>9,.0f} rows/s "
          f"(of which reading and validating {figures['shelfmark_parse_s']:.1f} s)")
    print(f"  pandas read_csv + DataFrame.to_sql:                       "
          f"{figures['pandas_total_s']:6.1f} s = {both:>9,.0f} rows/s")
    print(f"  pandas DataFrame.to_sql alone:                            "
          f"{figures['pandas_to_sql_s']:6.1f} s = {to_sql:>9,.0f} rows/s")
    print(f"  Shelfmark / to_sql alone: {ours / to_sql:.2f}; / read_csv + to_sql: "
          f"{ours / both:.2f} (aim: at least 0.5)")
