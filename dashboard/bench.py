"""Benchmark page callbacks against the bare SQL aggregate at 50k and 5M observations, peer
comparisons on the IMLS data (bench_benchmark) and imports (bench_import).

`python -m dashboard bench` (or `make bench`) builds two synthetic databases of the demo's shape,
then, in a fresh worker-like process per database, times each page's callback (the same function
Dash calls, no cache) over repeated calls with varied filters, beside a hand-written SQL
aggregate that yields the same stored-metric numbers, and reports p50, p95 and peak RSS.
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.engine import make_url

from .db import Database
from .models import ImportBatch, Observation
from .periods import MONTHS_IN, PeriodRange, add_months, bucket_from_number, financial_year_range
from .views import PAGE_ORDER, page_reads, page_spec, panel_granularity

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


# The bare aggregate: hand-written SQL giving every stored-metric number a page shows, each
# metric by its own rule (sum for flows, the latest value for stocks, the mean for rates), with
# the count of periods that gives coverage, in one statement: the range totals of the period
# and of its comparison period, and the bucketed series (the sparkline history, and the trends
# where the history does not hold them), each range its own arm so that it is read by index
# ranges. What is read is views.page_reads: exactly what the page shows.

_OWN_FIGURES = "o.service_id = :service AND o.team = '' AND o.value IS NOT NULL"
_GROUP = ("SUM(o.value) AS total, AVG(o.value) AS mean, COUNT(*) AS periods, "
          "MAX(o.period_start) AS last")
# The month an observation starts, counted from January of year 0, per dialect (dates are
# text in SQLite).
_MONTH_NUMBER = {
    "sqlite": "(CAST(substr(o.period_start, 1, 4) AS INTEGER) * 12 "
              "+ CAST(substr(o.period_start, 6, 2) AS INTEGER) - 1)",
    "postgresql": "(CAST(EXTRACT(YEAR FROM o.period_start) AS INTEGER) * 12 "
                  "+ CAST(EXTRACT(MONTH FROM o.period_start) AS INTEGER) - 1)",
}
_SERIES_TYPES = {"quarter": "'month', 'quarter'", "year": "'month', 'quarter', 'year'"}


def _fits(prefix: str) -> str:
    """Match observations lying wholly inside the range :{prefix}_start to :{prefix}_m."""
    return (f"o.period_start >= :{prefix}_start AND o.period_start <= CASE o.period_type "
            f"WHEN 'month' THEN :{prefix}_m WHEN 'quarter' THEN :{prefix}_q "
            f"ELSE :{prefix}_y END")


def _range_params(prefix: str, months: PeriodRange) -> dict:
    return {f"{prefix}_start": months.start, f"{prefix}_m": months.end,
            f"{prefix}_q": add_months(months.end, -2), f"{prefix}_y": add_months(months.end, -11),
            f"{prefix}_months": months.months}


def _totals(part: int, prefix: str) -> str:
    """Return the totals of one range (the period, or its comparison period): one group per
    metric and period type."""
    return (f"SELECT {part} AS part, o.metric_id, o.period_type, "
            f"CAST(NULL AS INTEGER) AS bucket, {_GROUP} FROM observation o "
            f"WHERE {_OWN_FIGURES} AND o.metric_id IN :{prefix}_metrics "
            f"AND o.period_type IN ('month', 'quarter', 'year') AND {_fits(prefix)} "
            f"GROUP BY o.metric_id, o.period_type")


def _series(dialect: str, part: int, grain: str) -> str:
    """Return one series: a group per metric, period type and bucket (numbered from the
    financial year of year 0, years starting in month :fy_start)."""
    p = f"s{part}"
    number = f"({_MONTH_NUMBER[dialect]} - :fy_start + 1) / {MONTHS_IN[grain]}"
    if grain == "month":  # a month bucket is one stored month, as stored
        return (f"SELECT {part} AS part, o.metric_id, o.period_type, {number} AS bucket, "
                f"o.value AS total, o.value AS mean, 1 AS periods, o.period_start AS last "
                f"FROM observation o "
                f"WHERE {_OWN_FIGURES} AND o.metric_id IN :{p}_metrics "
                f"AND o.period_type = 'month' "
                f"AND o.period_start >= :{p}_start AND o.period_start <= :{p}_m")
    return (f"SELECT {part} AS part, o.metric_id, o.period_type, {number} AS bucket, {_GROUP} "
            f"FROM observation o WHERE {_OWN_FIGURES} AND o.metric_id IN :{p}_metrics "
            f"AND o.period_type IN ({_SERIES_TYPES[grain]}) AND {_fits(p)} "
            f"GROUP BY o.metric_id, o.period_type, bucket")


@functools.lru_cache(maxsize=64)
def bare_statement(dialect: str, parts: tuple[tuple[int, str], ...]):
    """Return the bare aggregate's statement: totals of the reads 0 (the period) and 1 (the
    comparison period) where they have metrics, then series `parts` ((read, granularity))."""
    arms = [_totals(i, prefix) for i, prefix in enumerate(("now", "then"))
            if (i, "range") in parts]
    arms += [_series(dialect, i, g) for i, g in parts if g != "range"]
    statement = text(f"""
SELECT g.part, g.metric_id, g.period_type, g.bucket,
       CASE WHEN g.periods = 1 OR m.aggregation = 'sum' THEN g.total
            WHEN m.aggregation = 'mean' THEN g.mean
            ELSE (SELECT l.value FROM observation l WHERE l.service_id = :service
                  AND l.metric_id = g.metric_id AND l.period_type = g.period_type
                  AND l.period_start = g.last AND l.team = '') END AS value,
       g.periods
FROM ({" UNION ALL ".join(arms)}) g JOIN metric m ON m.id = g.metric_id""")
    names = list(statement._bindparams)
    return statement.bindparams(
        *[bindparam(n, expanding=True) for n in names if n.endswith("_metrics")],
        *[bindparam(n, type_=Date) for n in names if _DATE_PARAM.fullmatch(n)])


_DATE_PARAM = re.compile(r"(now|then|s\d+)_(start|m|q|y)")


def bare_aggregate(db: Database, service_id: int, metric_ids: dict[str, int],
                   reads: list, fy_start: int) -> list[dict]:
    """Run the bare aggregate of a page's reads (views.page_reads): one statement.

    The first two reads are the totals of the period and of the comparison period, the rest
    bucketed series. Where a metric is stored at several period types, the finest is kept in
    each bucket. Returns, per read, {metric_id: {bucket start (None for a total): (value,
    periods, period type)}}: the periods of that type in the range or bucket give coverage.
    """
    params: dict = {"service": service_id, "fy_start": fy_start}
    parts = []
    for i, (read, prefix) in enumerate(zip(reads, ["now", "then", *(
            f"s{n}" for n in range(2, len(reads)))])):
        if read.metrics:
            parts.append((i, read.granularity))
            params[f"{prefix}_metrics"] = [metric_ids[code] for code in read.metrics]
            params.update(_range_params(prefix, read.months))
    result: list[dict] = [{} for _ in reads]
    if not parts:
        return result
    with db.engine.connect() as conn:
        rows = conn.execute(bare_statement(db.dialect, tuple(parts)), params).all()
    kept: list[dict] = [{} for _ in reads]
    for part, metric_id, period_type, number, value, periods in rows:
        cells = kept[part].setdefault(metric_id, {})
        other = cells.get(number)
        if other is None or MONTHS_IN[period_type] < MONTHS_IN[other[2]]:
            cells[number] = (value, periods, period_type)
    for part, read in enumerate(reads):
        grain = read.granularity
        starts: dict = {None: None}
        for metric_id, cells in kept[part].items():
            found = result[part][metric_id] = {}
            for number in (cells if grain == "range" else sorted(cells)):
                start = starts.get(number)
                if start is None and number is not None:
                    start = starts[number] = bucket_from_number(number, grain, fy_start)
                found[start] = cells[number]
    return result


def page_aggregate_args(page: str, service_id: int, metric_ids: dict[str, int],
                        period: PeriodRange, granularity: str, fy_start: int) -> tuple:
    """Return bare_aggregate's arguments for a page of a service that reports every measure of
    its template, all categories shown, at a period and granularity."""
    spec = page_spec(page, "nhs")
    panels = [(p, panel_granularity(p, granularity, "month")) for p in spec.panels]
    return (service_id, metric_ids,
            page_reads(spec.kpis, panels, period, granularity, fy_start), fy_start)


def measure(url: str, repeat: int, seed: int = 7) -> dict:
    """Time every page's callback and its bare aggregate in this process; return the figures.

    The callback is update_page, the function Dash calls, with the cache off; "with JSON" adds
    the serialisation of its return value that Dash does for the response. Each sampled view
    is drawn once untimed first, so that the bare aggregate and the callback are both timed
    with the service's figures in the page cache.
    """
    os.environ["DATABASE_URL"] = url
    from plotly.io.json import to_json_plotly

    from app import create_app
    from callbacks.filters import query_from_inputs, update_page
    from dashboard.queries import ANONYMOUS
    from dashboard.state import parse_state
    from dashboard.views import build_view

    app = create_app({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"})
    shelfmark = app.server.extensions["shelfmark"]
    db, config = shelfmark.db, shelfmark.config
    fy_start = config.fy_start_month("nhs")
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
        callback_times, json_times, sql_times, data_times = [], [], [], []
        for i in range(repeat):
            sid, code = rng.choice(services)
            fy = rng.choice(years)
            period = financial_year_range(fy, fy_start)
            if i % 3 == 1:  # vary the range too: a single quarter
                period = PeriodRange(period.start, add_months(period.start, 2))
            granularity = ("month", "quarter", "year")[i % 3]
            args = page_aggregate_args(page, sid, metric_ids, period, granularity, fy_start)
            inputs = (code, f"{period.start:%Y-%m}", f"{period.end:%Y-%m}", granularity,
                      ["staffing", "finance", "activity", "impact"])
            with app.server.test_request_context("/_dash-update-component", method="POST"):
                # Untimed first call: the service's figures come into the page cache, so
                # that neither timing below pays for disk reads the other then saves.
                update_page(*inputs, page)
                started = time.perf_counter()
                bare_aggregate(db, *args)
                sql_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                output = update_page(*inputs, page)
                called = time.perf_counter()
                to_json_plotly(output)
                serialised = time.perf_counter()
                callback_times.append(called - started)
                json_times.append(serialised - started)
                state = parse_state(query_from_inputs(*inputs))
                started = time.perf_counter()
                build_view(db, ANONYMOUS, config, page, state)
                data_times.append(time.perf_counter() - started)
        results[page] = {
            "callback_p50_ms": _percentile(callback_times, 0.5) * 1000,
            "callback_p95_ms": _percentile(callback_times, 0.95) * 1000,
            "json_p50_ms": _percentile(json_times, 0.5) * 1000,
            "json_p95_ms": _percentile(json_times, 0.95) * 1000,
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
    print(f"  {'page':<10} {'callback p50':>13} {'p95':>9} {'with JSON p50':>14} {'p95':>9} "
          f"{'of which data':>14} {'bare SQL p50':>13} {'p95':>9} {'ratio p50':>10} "
          f"{'with JSON':>10}")
    for page in PAGE_ORDER:
        f = figures[page]
        bare = f["sql_p50_ms"] or float("nan")
        print(f"  {page:<10} {f['callback_p50_ms']:>10.1f} ms {f['callback_p95_ms']:>6.1f} ms "
              f"{f['json_p50_ms']:>11.1f} ms {f['json_p95_ms']:>6.1f} ms "
              f"{f['data_p50_ms']:>11.1f} ms "
              f"{f['sql_p50_ms']:>10.1f} ms {f['sql_p95_ms']:>6.1f} ms "
              f"{f['callback_p50_ms'] / bare:>9.1f}x {f['json_p50_ms'] / bare:>9.1f}x")


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
    print("\n'callback' is update_page, the function Dash calls; 'with JSON' adds the "
          "serialisation of its output that\nDash does for the response; 'of which data' is "
          "build_view alone (the page's SQL and derived metrics,\nno component or figure); "
          "'bare SQL' is bare_aggregate: one hand-written statement giving every stored-metric\n"
          "number the page shows (the totals of the period and of its comparison period by each "
          "metric's rule,\nthe bucketed series with their period counts). Both are timed with "
          "the service's figures in the page\ncache (each view is drawn once untimed first). "
          "See README, Benchmark.")
    print("Aims: callback at most 2x the bare aggregate; 5M at most 3x the 50k time; "
          "at most 300 MB per worker.")
    if getattr(args, "benchmark_repeat", 0):
        from . import bench_benchmark

        print(f"\nPeer comparisons on the IMLS data: {args.benchmark_repeat} services per "
              "peer group ...", flush=True)
        bench_benchmark.report(bench_benchmark.run(workdir, args.benchmark_repeat))
    if getattr(args, "snapshot_repeat", 0):
        from . import bench_snapshot

        print(f"\nSnapshot downloads of an eight-panel view (the Activity page), median of "
              f"{args.snapshot_repeat} ...", flush=True)
        bench_snapshot.report(bench_snapshot.run(
            lambda: bench_snapshot.eight_panel_snapshot(small_url), args.snapshot_repeat))
    if args.import_rows:
        from . import bench_import

        print(f"\nImport benchmark: {args.import_rows:,} rows ...", flush=True)
        bench_import.report(in_fresh_process("bench_import", "run_in_worker", workdir,
                                             args.import_rows))
    return 0
