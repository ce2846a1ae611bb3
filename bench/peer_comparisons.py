"""Time peer comparisons on the real IMLS FY2017 data (9,245 library systems).

Part of `python -m bench`. The shipped IMLS file is imported once into a SQLite file
in the work folder; then, in a fresh process (a worker's view: no cache, candidates loaded
once as the page's shared cache would hold them), it times for a sample of services:

- one measure's full comparison (peer values included) for one service, peer group built;
- the league table of every headline measure the service reports (statistics only);
- the whole Benchmark page's data (`build_benchmark`: group, league, focus, trend).

Each for three peer groups: the page's default (same return, same population fifth, about
1,850 peers), the same state (tens to hundreds) and every public library (about 9,200).
"""

from __future__ import annotations

import pickle
import random
import time
from pathlib import Path

from dashboard.db import Database
from dashboard.db.access import ANONYMOUS
from dashboard.db.services import get_service, reported_metrics

GROUPS = {
    "same return, same fifth": "sector:=;source:=;size:q5",
    "same state": "sector:=;source:=;state:=",
    "all public libraries": "sector:=;source:=",
}
AIMS_MS = {"one measure": 100.0, "league table": 500.0}
ROOT = Path(__file__).resolve().parent.parent
IMLS_FILE = ROOT / "data" / "imls_pls_fy2017" / "pls_fy2017_ae_pud17i.csv.gz"


def build(url: str) -> None:
    """Import the shipped IMLS file into an empty database (once: reused when present)."""
    from dashboard.db.imports import import_data
    from dashboard.db.services import first_service_code
    from dashboard.importing.load import read_path
    from dashboard.settings import load_config

    db = Database(url)
    try:
        db.upgrade()
        if first_service_code(db, ANONYMOUS) is not None:
            return
        config = load_config({"DATABASE_URL": url})
        import_data(db, ANONYMOUS, read_path(db, ANONYMOUS, config, IMLS_FILE),
                    created_by="bench")
    finally:
        db.dispose()


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50": ordered[len(ordered) // 2],
            "p95": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))],
            "max": ordered[-1], "n": len(ordered)}


def measure(url: str, repeat: int, seed: int = 17) -> dict:
    """Time the comparisons for `repeat` sampled services per group (run in a fresh process)."""
    from dashboard.benchmarking.compare import compare
    from dashboard.benchmarking.definition import from_query
    from dashboard.benchmarking.selection import build_group, load_candidates
    from dashboard.benchmarking.view import (BenchmarkState, build_benchmark, headline_metrics,
                                             sector_table)
    from dashboard.periods import financial_year_range
    from dashboard.settings import load_config

    db = Database(url)
    config = load_config({"DATABASE_URL": url})
    viewer = ANONYMOUS
    start = time.perf_counter()
    candidates = load_candidates(db, viewer)
    load_ms = _ms(start)
    codes = [c for c in candidates.codes.tolist()]
    rng = random.Random(seed)
    sample = rng.sample(codes, min(repeat, len(codes)))
    results: dict = {"_candidates_ms": load_ms, "_services": len(codes)}
    shared: dict = {}  # stands in for the shared cache: pickled, unpickled on every read

    def tables(sector: str, period):
        key = (sector, period)
        if key not in shared:
            start = time.perf_counter()
            shared[key] = pickle.dumps(sector_table(db, viewer, sector, period))
            results.setdefault("_table_ms", []).append(_ms(start))
            results.setdefault("_table_kb", []).append(len(shared[key]) / 1024)
        return pickle.loads(shared[key])

    period = financial_year_range(2016, 7)
    tables("public", period)  # the first view of a sector and year reads its table
    for label, text in GROUPS.items():
        definition, _ = from_query(text)
        one, league, page, sizes, cold = [], [], [], [], []
        for code in sample:
            service = get_service(db, viewer, code)
            metrics = headline_metrics(service.sector, reported_metrics(db, viewer, code))
            if not metrics:
                continue
            directory = candidates.directory
            start = time.perf_counter()
            group = build_group(db, viewer, config, code, definition,
                                candidates=candidates)
            compare(db, viewer, config, code, group.members, [metrics[0]], period,
                    group_key=text, table=tables(service.sector, period), directory=directory)
            one.append(_ms(start))
            start = time.perf_counter()
            group = build_group(db, viewer, config, code, definition,
                                candidates=candidates)
            compare(db, viewer, config, code, group.members, metrics, period,
                    group_key=text, with_peers=False, table=tables(service.sector, period),
                    directory=directory)
            league.append(_ms(start))
            sizes.append(len(group.members))
            start = time.perf_counter()  # no shared table: figures read for the group alone
            compare(db, viewer, config, code, group.members, metrics, period,
                    group_key=text, with_peers=False, directory=directory)
            cold.append(_ms(start))
            start = time.perf_counter()
            build_benchmark(db, viewer, config, BenchmarkState(service=code, peers=text),
                            candidates=candidates, tables=tables)
            page.append(_ms(start))
        results[label] = {"one measure": _summary(one), "league table": _summary(league),
                          "league, no shared table": _summary(cold),
                          "whole page": _summary(page),
                          "peers_median": sorted(sizes)[len(sizes) // 2] if sizes else 0}
    db.dispose()
    return results


def run(workdir: Path, repeat: int) -> dict:
    """Build the IMLS database if needed and measure in a fresh process."""
    url = f"sqlite:///{workdir / 'bench-imls-fy2017.db'}"
    build(url)
    from .pages import in_fresh_process

    return in_fresh_process("peer_comparisons", "measure", url, repeat)


def report(figures: dict) -> None:
    print(f"\nPeer comparisons on IMLS FY2017 ({figures['_services']:,} services). Shared "
          f"once per worker or cache: every service's attributes "
          f"{figures['_candidates_ms']:.0f} ms; the sector's figures for the year "
          f"{figures['_table_ms'][0]:.0f} ms ({figures['_table_kb'][0]:,.0f} KB pickled).")
    print(f"  {'peer group':<24} {'peers':>6} {'one measure':>12} {'p95':>7} "
          f"{'league':>8} {'p95':>7} {'whole page':>11} {'p95':>7} {'league, cold':>13}")
    for label in GROUPS:
        f = figures[label]
        print(f"  {label:<24} {f['peers_median']:>6,} "
              f"{f['one measure']['p50']:>9.0f} ms {f['one measure']['p95']:>4.0f} ms "
              f"{f['league table']['p50']:>5.0f} ms {f['league table']['p95']:>4.0f} ms "
              f"{f['whole page']['p50']:>8.0f} ms {f['whole page']['p95']:>4.0f} ms "
              f"{f['league, no shared table']['p50']:>10.0f} ms")
    print(f"  p50 and p95 over the sampled services; server time with the group built. Aims: "
          f"one measure at most {AIMS_MS['one measure']:.0f} ms, league table at most "
          f"{AIMS_MS['league table']:.0f} ms. 'cold' reads the group's figures without the "
          "shared table (the command line's path). 'peers' is the median group size.")
