"""Benchmark page callbacks against the bare SQL aggregate at 50k and 5M observations, peer
comparisons on the IMLS data (bench_benchmark) and imports (bench_import).

`python -m dashboard bench` (or `make bench`) builds two synthetic databases of the demo's shape,
then, in a fresh worker-like process per database, times each page's callback (the same function
Dash calls, no cache) over repeated calls with varied filters, beside a hand-written SQL
aggregate that yields the same stored-metric numbers, and reports p50, p95 and peak RSS.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from .catalogue import CATALOGUE
from .db import Database
from .models import ImportBatch, Observation
from .periods import PeriodRange, add_months, financial_year_range
from .views import PAGE_ORDER, page_spec

SMALL_SERVICES = 11  # x 10 years x 12 months x 38 NHS metrics = about 50,000 observations


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def build(url: str, n_services: int, years: int) -> int:
    """Create a benchmark database at `url` unless it already holds one; return its row count."""
    from . import demo

    db = Database(url)
    db.upgrade()
    expected = demo.scale_checksum(n_services, years)
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Observation))
        recorded = session.scalar(select(ImportBatch.checksum).where(
            ImportBatch.kind == "benchmark"))
    if count and recorded != expected:
        db.dispose()
        path = make_url(url).database
        if make_url(url).get_backend_name() != "sqlite" or not path:
            raise SystemExit(f"{url} holds other data than this benchmark would build; "
                             "give an empty database.")
        print(f"  {Path(path).name} was built by an older generator: rebuilding", flush=True)
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return build(url, n_services, years)
    if not count:
        started = time.perf_counter()
        demo.seed_scale(db, n_services=n_services, years=years)
        with db.session() as session:
            count = session.scalar(select(func.count()).select_from(Observation))
        print(f"  built {count:,} observations in {time.perf_counter() - started:.0f} s",
              flush=True)
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return count


def _bare_sql(db: Database, service_id: int, metric_ids: list[int], period: PeriodRange,
              history: PeriodRange) -> None:
    """Run the plain GROUP BY queries that give a page's stored-metric numbers."""
    ids = ",".join(str(int(m)) for m in metric_ids)
    total = text(
        f"SELECT metric_id, SUM(value), AVG(value), MAX(period_start), COUNT(*) FROM observation "
        f"WHERE service_id = :s AND metric_id IN ({ids}) AND period_type = 'month' "
        f"AND period_start >= :a AND period_start <= :b AND value IS NOT NULL "
        f"GROUP BY metric_id"
    )
    series = text(
        f"SELECT metric_id, period_start, value FROM observation "
        f"WHERE service_id = :s AND metric_id IN ({ids}) AND period_type = 'month' "
        f"AND period_start >= :a AND period_start <= :b AND value IS NOT NULL"
    )
    previous = period.shifted(-12)
    with db.engine.connect() as conn:
        conn.execute(total, {"s": service_id, "a": period.start, "b": period.end}).all()
        conn.execute(total, {"s": service_id, "a": previous.start, "b": previous.end}).all()
        conn.execute(series, {"s": service_id, "a": history.start, "b": history.end}).all()


def measure(url: str, repeat: int, seed: int = 7) -> dict:
    """Time every page's callback and its bare aggregate in this process; return the figures."""
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from callbacks.filters import query_from_inputs, update_page
    from dashboard.queries import ANONYMOUS
    from dashboard.state import parse_state
    from dashboard.views import build_view

    app = create_app({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"})
    db = app.server.extensions["shelfmark"].db
    rng = random.Random(seed)
    with db.engine.connect() as conn:
        services = conn.execute(text("SELECT id, code FROM service ORDER BY id")).all()
        metric_ids = dict(conn.execute(text("SELECT code, id FROM metric")).all())
        first, last = conn.execute(
            text("SELECT MIN(period_start), MAX(period_start) FROM observation")).one()
    if isinstance(first, str):  # SQLite returns text from a raw query
        import datetime as dt

        first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    years = list(range(first.year + 1, last.year))  # leave a year before for comparisons
    results = {}
    for page in PAGE_ORDER:
        spec = page_spec(page, "nhs")
        codes = list(spec.kpis) + [m for p in spec.panels for m in p.metrics]
        stored_ids = [metric_ids[c] for c in CATALOGUE.stored_codes_for(codes)]
        callback_times, sql_times, data_times = [], [], []
        for i in range(repeat):
            sid, code = rng.choice(services)
            fy = rng.choice(years)
            period = financial_year_range(fy, 4)
            if i % 3 == 1:  # vary the range too: a single quarter
                period = PeriodRange(period.start, add_months(period.start, 2))
            granularity = ("month", "quarter", "year")[i % 3]
            history = PeriodRange(min(period.start, add_months(period.end, -59)), period.end)
            started = time.perf_counter()
            _bare_sql(db, sid, stored_ids, period, history)
            sql_times.append(time.perf_counter() - started)
            inputs = (code, f"{period.start:%Y-%m}", f"{period.end:%Y-%m}", granularity,
                      ["staffing", "finance", "activity", "impact"])
            with app.server.test_request_context("/_dash-update-component", method="POST"):
                started = time.perf_counter()
                update_page(*inputs, page)
                callback_times.append(time.perf_counter() - started)
                state = parse_state(query_from_inputs(*inputs))
                started = time.perf_counter()
                build_view(db, ANONYMOUS, app.server.extensions["shelfmark"].config, page, state)
                data_times.append(time.perf_counter() - started)
        results[page] = {
            "callback_p50_ms": _percentile(callback_times, 0.5) * 1000,
            "callback_p95_ms": _percentile(callback_times, 0.95) * 1000,
            "data_p50_ms": _percentile(data_times, 0.5) * 1000,
            "sql_p50_ms": _percentile(sql_times, 0.5) * 1000,
            "sql_p95_ms": _percentile(sql_times, 0.95) * 1000,
        }
    results["_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def in_fresh_process(module: str, function: str, *args) -> dict:
    """Call dashboard.<module>.<function>(*args) in a fresh process and return its JSON result,
    so that timings and peak RSS are those of one worker, not of this builder."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c",
         f"import json, sys; from dashboard.{module} import {function}; "
         f"print(json.dumps({function}(sys.argv[1], int(sys.argv[2]))))", *map(str, args)],
        cwd=root, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_in_subprocess(url: str, repeat: int) -> dict:
    """Measure page callbacks in a fresh process (see in_fresh_process)."""
    return in_fresh_process("bench", "measure", url, repeat)


def report(label: str, rows: int, figures: dict) -> None:
    print(f"\n{label}: {rows:,} observations; peak RSS of the measuring worker "
          f"{figures['_peak_rss_mb']:.0f} MB")
    print(f"  {'page':<10} {'callback p50':>13} {'p95':>9} {'of which data':>14} "
          f"{'bare SQL p50':>13} {'p95':>9} {'ratio p50':>10}")
    for page in PAGE_ORDER:
        f = figures[page]
        ratio = f["callback_p50_ms"] / f["sql_p50_ms"] if f["sql_p50_ms"] else float("nan")
        print(f"  {page:<10} {f['callback_p50_ms']:>10.1f} ms {f['callback_p95_ms']:>6.1f} ms "
              f"{f['data_p50_ms']:>11.1f} ms "
              f"{f['sql_p50_ms']:>10.1f} ms {f['sql_p95_ms']:>6.1f} ms {ratio:>9.1f}x")


def main(args) -> int:
    """Build (or reuse) the two databases and print the comparison."""
    workdir = Path(getattr(args, "workdir", None)
                   or Path(__file__).resolve().parent.parent / "data" / "bench")
    workdir.mkdir(parents=True, exist_ok=True)
    small_url = f"sqlite:///{workdir / 'bench-50k.db'}"
    large_url = getattr(args, "database_url", None) or \
        f"sqlite:///{workdir / f'bench-{args.services}x{args.years}.db'}"
    print("Shelfmark benchmark (server time of page callbacks; no cache)")
    print(f"Building or reusing databases in {workdir} ...", flush=True)
    small_rows = build(small_url, SMALL_SERVICES, args.years)
    large_rows = build(large_url, args.services, args.years)
    small = _measure_in_subprocess(small_url, args.repeat)
    large = _measure_in_subprocess(large_url, args.repeat)
    report("Small", small_rows, small)
    report("Large", large_rows, large)
    print("\nScaling (large p50 / small p50; aim at most 3x):")
    for page in PAGE_ORDER:
        ratio = large[page]["callback_p50_ms"] / small[page]["callback_p50_ms"]
        print(f"  {page:<10} {ratio:.2f}x")
    print("\n'of which data' is build_view alone: the page's SQL plus derived metrics, before "
          "any component or figure is built.")
    print("Aims: callback at most 2x the bare aggregate; 5M at most 3x the 50k time; "
          "at most 300 MB per worker.")
    if getattr(args, "snapshot_repeat", 0):
        from . import bench_snapshot

        print(f"\nSnapshot downloads of an eight-panel view (the Activity page), median of "
              f"{args.snapshot_repeat} ...", flush=True)
        bench_snapshot.report(bench_snapshot.run(
            lambda: bench_snapshot.eight_panel_snapshot(small_url), args.snapshot_repeat))
    if getattr(args, "benchmark_repeat", 0):
        from . import bench_benchmark

        print(f"\nPeer comparisons on the IMLS data: {args.benchmark_repeat} services per "
              "peer group ...", flush=True)
        bench_benchmark.report(bench_benchmark.run(workdir, args.benchmark_repeat))
    if args.import_rows:
        from . import bench_import

        print(f"\nImport benchmark: {args.import_rows:,} rows ...", flush=True)
        bench_import.report(bench_import.run(workdir, args.import_rows))
    return 0
