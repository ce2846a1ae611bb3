"""Time snapshot downloads against single-chart exports, with a warm chart renderer.

The target (issue 6): an eight-panel PDF takes at most 1.5 times as long as exporting its
eight charts one by one as PDFs. `run` measures, after one warm-up of each, the median of a
few repeats of: the charts exported one by one (`render_chart(panel, "pdf")`), the whole PDF,
the PowerPoint and the ZIP bundle. `report` prints the figures and the verdict.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from dashboard.snapshot import charts
from dashboard.snapshot.model import Snapshot
from dashboard.snapshot.render import render, render_chart

PDF_TARGET = 1.5  # the whole PDF against its charts exported one by one


def _median_time(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(snapshot: Snapshot | Callable[[], Snapshot], repeat: int = 3) -> dict[str, Any]:
    """Time single-chart PDF exports, the PDF, PPTX and ZIP of a snapshot; return seconds
    (medians of `repeat` runs, after a warm-up) and the PDF's ratio to the single exports."""
    snap = snapshot() if callable(snapshot) else snapshot
    panels = [p for p in snap.panels if p.has_chart]
    charts.warm()
    started = time.perf_counter()
    render_chart(panels[0], "pdf") if panels else None
    first_chart = time.perf_counter() - started

    def singles():
        for panel in panels:
            render_chart(panel, "pdf")

    results: dict[str, Any] = {"panels": len(snap.panels), "charts": len(panels),
                               "repeat": repeat, "first_chart_s": first_chart}
    for name, action in (("singles_pdf_s", singles),
                         ("pdf_s", lambda: render(snap, "pdf")),
                         ("pptx_s", lambda: render(snap, "pptx")),
                         ("zip_s", lambda: render(snap, "zip"))):
        action()  # warm-up: imports, fonts, first use of each path
        results[name] = _median_time(action, repeat)
    singles_s = results["singles_pdf_s"]
    results["pdf_ratio"] = results["pdf_s"] / singles_s if singles_s else float("nan")
    results["pdf_target"] = PDF_TARGET
    results["pdf_ok"] = bool(singles_s) and results["pdf_ratio"] <= PDF_TARGET
    return results


def report(results: dict[str, Any]) -> str:
    """Print (and return) the timings in words."""
    n = results["charts"]
    lines = [
        f"Snapshot downloads: {results['panels']} panels, {n} charts, "
        f"median of {results['repeat']} (warm Chromium)",
        f"  {n} charts exported one by one as PDF  {results['singles_pdf_s']:7.2f} s",
        f"  whole PDF                            {results['pdf_s']:7.2f} s  "
        f"({results['pdf_ratio']:.2f}× the single exports; target ≤ "
        f"{results['pdf_target']}×: {'met' if results['pdf_ok'] else 'NOT met'})",
        f"  PowerPoint                           {results['pptx_s']:7.2f} s",
        f"  ZIP bundle (every format)            {results['zip_s']:7.2f} s",
    ]
    text = "\n".join(lines)
    print(text)
    return text


def eight_panel_snapshot(url: str) -> Snapshot:
    """Build the snapshot `make bench` times: the NHS Activity page (eight panels) of the first
    service of a benchmark database, for its last complete financial year but one."""
    from dashboard.context import AppContext
    from dashboard.db import Database
    from dashboard.db.access import ANONYMOUS
    from dashboard.db.services import data_extent, first_service_code
    from dashboard.settings import load_config
    from dashboard.snapshot.build import build_snapshot

    config = load_config({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"})
    db = Database(url)
    try:
        code = first_service_code(db, ANONYMOUS)
        last = data_extent(db, ANONYMOUS, code)[1]
        year = last.year - 1 if last.month >= 4 else last.year - 2
        query = {"service": code, "from": f"{year}-04", "to": f"{year + 1}-03",
                 "granularity": "month"}
        snapshot = build_snapshot(AppContext(db, config, None), ANONYMOUS, "activity", query)
    finally:
        db.dispose()
    return snapshot
