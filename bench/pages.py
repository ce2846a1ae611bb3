"""Time page callbacks against the bare SQL of the same numbers at 50k and 5M observations.

`make bench` (`python -m bench`) builds two synthetic databases of the demo's shape, then, in a
fresh worker-like process per database, times each page's callback (the same function Dash
calls, no cache) over repeated calls with varied filters, beside the bare SQL: the page's own
aggregate statement alone (dashboard.db.aggregates.aggregate_rows: every stored-measure number
the page shows, as the driver returns it, with none of the page's Python), and reports p50, p95
and peak RSS.
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

from dashboard.db import COMMAND_LINE, Database
from dashboard.db.models import ImportBatch, Observation
from dashboard.periods import PeriodRange, add_months, financial_year_range
from dashboard.templates import PAGE_ORDER, page_spec
from dashboard.views import page_reads, panel_granularity

SMALL_SERVICES = 11  # x 10 years x 12 months x 38 NHS metrics = about 50,000 observations


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def build(url: str, n_services: int, years: int) -> int:
    """Create a benchmark database at `url` unless it already holds one; return its row count."""
    from dashboard import demo

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
        demo.seed_scale(db, COMMAND_LINE, n_services=n_services, years=years)
        with db.session() as session:
            count = session.scalar(select(func.count()).select_from(Observation))
        print(f"  built {count:,} observations in {time.perf_counter() - started:.0f} s",
              flush=True)
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return count


def page_reads_of(page: str, period: PeriodRange, granularity: str, fy_start: int) -> list:
    """Return what a page reads (views.page_reads) for a service that reports every measure of
    its template, all categories shown, at a period and granularity."""
    spec = page_spec(page, "nhs")
    panels = [(p, panel_granularity(p, granularity, "month")) for p in spec.panels]
    return page_reads(spec.kpis, panels, period, granularity, fy_start)


def measure(url: str, repeat: int, seed: int = 7) -> dict:
    """Time every page's callback and its bare SQL in this process; return the figures.

    The callback is update_page, the function Dash calls, with the cache off; "with JSON" adds
    the serialisation of its return value that Dash does for the response; "request" is the
    whole request to Dash's callback endpoint (dispatch, the callback, JSON, compression),
    through Flask's test client, timed twice in alternation: with layouts.fast's component
    builders, as the pages run, and with Dash's own constructors. Each sampled view is drawn
    once untimed first, so that every timing has the service's figures in the page cache.
    """
    os.environ["DATABASE_URL"] = url
    from plotly.io.json import to_json_plotly

    import dash_bootstrap_components as dbc
    from dash import dcc, html

    from app import create_app
    from callbacks.filters import query_from_inputs, update_page
    from dashboard.db.access import ANONYMOUS
    from dashboard.db.aggregates import aggregate_rows
    from dashboard.db.services import data_extent, list_services, service_summary
    from dashboard.state import parse_state
    from dashboard.views import build_view
    from layouts import fast, ids

    app = create_app({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"})
    client = app.server.test_client()
    builders = {True: (fast.html, fast.dcc, fast.dbc), False: (html, dcc, dbc)}
    key = next(k for k in app.callback_map if f"{ids.CONTENT}.children" in k)
    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
               for part in key.strip(".").split("...")]
    names = (ids.SERVICE, ids.PERIOD_FROM, ids.PERIOD_TO, ids.GRANULARITY, ids.CATEGORIES)
    shelfmark = app.server.extensions["shelfmark"]
    db, config = shelfmark.db, shelfmark.config
    fy_start = config.fy_start_month("nhs")
    rng = random.Random(seed)
    services = [s.code for s in list_services(db, ANONYMOUS)]
    first, last = data_extent(db, ANONYMOUS, services[0])  # the same years for every service
    years = list(range(first.year + 1, last.year))  # leave a year before for comparisons
    results = {}
    for page in PAGE_ORDER:
        callback_times, json_times, sql_times, data_times = [], [], [], []
        request_times: dict[bool, list[float]] = {True: [], False: []}
        for i in range(repeat):
            code = rng.choice(services)
            fy = rng.choice(years)
            period = financial_year_range(fy, fy_start)
            if i % 3 == 1:  # vary the range too: a single quarter
                period = PeriodRange(period.start, add_months(period.start, 2))
            granularity = ("month", "quarter", "year")[i % 3]
            summary = service_summary(db, ANONYMOUS, code)
            reads = page_reads_of(page, period, granularity, fy_start)
            inputs = (code, f"{period.start:%Y-%m}", f"{period.end:%Y-%m}", granularity,
                      ["staffing", "finance", "activity", "impact"])
            with app.server.test_request_context("/_dash-update-component", method="POST"):
                # Untimed first call: the service's figures come into the page cache, so
                # that neither timing below pays for disk reads the other then saves.
                update_page(*inputs, page)
                started = time.perf_counter()
                aggregate_rows(db, ANONYMOUS, summary, reads, fy_start)
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
            body = json.dumps({
                "output": key, "outputs": outputs, "changedPropIds": [],
                "inputs": [{"id": name, "property": "value", "value": value}
                           for name, value in zip(names, inputs)],
                "state": [{"id": ids.PAGE_KEY, "property": "data", "value": page}]})
            for with_fast in ((True, False) if i % 2 else (False, True)):
                fast.html, fast.dcc, fast.dbc = builders[with_fast]
                started = time.perf_counter()
                response = client.post("/_dash-update-component", data=body,
                                       content_type="application/json",
                                       headers={"Accept-Encoding": "gzip"})
                request_times[with_fast].append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            fast.html, fast.dcc, fast.dbc = builders[True]
        results[page] = {
            "callback_p50_ms": _percentile(callback_times, 0.5) * 1000,
            "callback_p95_ms": _percentile(callback_times, 0.95) * 1000,
            "json_p50_ms": _percentile(json_times, 0.5) * 1000,
            "json_p95_ms": _percentile(json_times, 0.95) * 1000,
            "data_p50_ms": _percentile(data_times, 0.5) * 1000,
            "sql_p50_ms": _percentile(sql_times, 0.5) * 1000,
            "sql_p95_ms": _percentile(sql_times, 0.95) * 1000,
            "request_p50_ms": _percentile(request_times[True], 0.5) * 1000,
            "request_dash_p50_ms": _percentile(request_times[False], 0.5) * 1000,
        }
    results["_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def in_fresh_process(module: str, function: str, *args) -> dict:
    """Call bench.<module>.<function>(*args) in a fresh process and return its JSON result,
    so that timings and peak RSS are those of one worker, not of this builder."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c",
         f"import json, sys; from bench.{module} import {function}; "
         f"print(json.dumps({function}(sys.argv[1], int(sys.argv[2]))))", *map(str, args)],
        cwd=root, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(label: str, rows: int, figures: dict) -> None:
    """Print one database's page timings, a row per page."""
    print(f"\n{label}: {rows:,} observations; peak RSS of the measuring worker "
          f"{figures['_peak_rss_mb']:.0f} MB")
    print(f"  {'page':<10} {'callback p50':>13} {'p95':>9} {'with JSON p50':>14} {'p95':>9} "
          f"{'of which data':>14} {'bare SQL p50':>13} {'p95':>9} {'ratio p50':>10} "
          f"{'with JSON':>10} {'request p50':>12} {'Dash-built':>11}")
    for page in PAGE_ORDER:
        f = figures[page]
        bare = f["sql_p50_ms"] or float("nan")
        print(f"  {page:<10} {f['callback_p50_ms']:>10.1f} ms {f['callback_p95_ms']:>6.1f} ms "
              f"{f['json_p50_ms']:>11.1f} ms {f['json_p95_ms']:>6.1f} ms "
              f"{f['data_p50_ms']:>11.1f} ms "
              f"{f['sql_p50_ms']:>10.1f} ms {f['sql_p95_ms']:>6.1f} ms "
              f"{f['callback_p50_ms'] / bare:>9.1f}x {f['json_p50_ms'] / bare:>9.1f}x "
              f"{f['request_p50_ms']:>9.1f} ms {f['request_dash_p50_ms']:>8.1f} ms")


def explain() -> None:
    """Print what the page timings mean and their aims."""
    print("\n'callback' is update_page, the function Dash calls; 'with JSON' adds the "
          "serialisation of its output that\nDash does for the response; 'of which data' is "
          "build_view alone (the page's SQL and derived metrics,\nno component or figure); "
          "'bare SQL' is the page's own aggregate statement alone (aggregate_rows: every\n"
          "stored-measure number the page shows, rows as the driver returns them). Both are "
          "timed with the\nservice's figures in the page cache (each view is drawn once untimed "
          "first).\n'request' is the whole request to Dash's callback endpoint (dispatch, "
          "callback, JSON, gzip) through\nFlask's test client; 'Dash-built' the same request "
          "with Dash's own component constructors instead\nof layouts.fast's builders (timed "
          "in alternation). See docs/performance.md.")
    print("Aims: callback at most 2x the bare SQL; 5M at most 3x the 50k time; "
          "at most 300 MB per worker.")
