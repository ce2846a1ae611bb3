"""Describe the Benchmark page's and the executive view's charts: each panel's figure, the
table of what it draws, and words about it (caption, alt text, notes).

The pages draw these panels and every snapshot format writes them, so screen and download
never differ. No Dash here: a panel is plain data (`SnapshotPanel`).
"""

from __future__ import annotations

import pandas as pd

from .benchmarking.export import BENCHMARK_COLUMNS, benchmark_report, benchmark_rows
from .benchmarking.view import axis_title, comparison_text
from .catalogue import CATALOGUE
from .executive import ExecutiveView
from .figures.benchmarking import (make_distribution_figure, make_league_figure,
                                   make_peer_trend_figure, make_ranked_figure, quartile_band)
from .figures.executive import make_change_figure, make_standing_figure
from .formatting import change_text, plural
from .snapshot.model import SnapshotPanel

THIS_SERVICE = "This service"


# --- the Benchmark page -------------------------------------------------------------------------

def _peer_table(c, own_label: str = THIS_SERVICE) -> pd.DataFrame:
    rows = [(own_label, c.own_value, True)] if c.own_value is not None else []
    rows += [(p.label, p.value, False) for p in c.peers]
    ascending = c.higher_is_better is False
    rows.sort(key=lambda r: (r[1] if ascending else -r[1], r[0]))
    return pd.DataFrame({"Rank (1 = best)": range(1, len(rows) + 1),
                         "Service": [r[0] for r in rows],
                         "Value": [r[1] for r in rows],
                         "This service": ["yes" if r[2] else "" for r in rows]})


def benchmark_panels(view) -> list[SnapshotPanel]:
    """Return the Benchmark page's charts: the focus measure among its peers (distribution,
    ranked), over the years, and every headline measure as spine charts."""
    c = view.focus
    metric = CATALOGUE[c.metric]
    per = f" {c.denominator}" if c.denominator else ""
    axis = axis_title(c)
    panels = []
    if c.withheld:
        panels.append(SnapshotPanel(
            "benchmark-focus", f"{metric.label}{per}, {view.period_label}",
            caption=f"Peer figures withheld: {c.withheld_reason.removeprefix('withheld: ')}.",
            description="Where this service stands among its peers.", figure=None,
            table=pd.DataFrame({"Service": [THIS_SERVICE], "Value": [c.own_value]}),
            metrics=(c.metric,), alt_text="Peer figures withheld.",
            empty_message=f"Peer figures withheld: "
                          f"{c.withheld_reason.removeprefix('withheld: ')}."))
    else:
        table = _peer_table(c)
        band = quartile_band(c.own_value, c.q1, c.q3, c.higher_is_better)
        words = {"best": "in the best quarter of its peers", "worst": "in the bottom quarter "
                 "of its peers", "middle": "in the middle half of its peers", "none": ""}[band]
        summary = (f"This service: {comparison_text(c.own_value, c)}; peer median "
                   f"{comparison_text(c.median, c)}; {c.rank_text}"
                   + (f"; {words}" if words else "") + ".")
        title = f"{metric.label}{per}: this service among {c.n_reporting:,} peers, " \
                f"{view.period_label}"
        panels.append(SnapshotPanel(
            "benchmark-distribution", title, caption=summary,
            description="The peers' spread: the box is the middle half, the line the median; "
                        "each dot is a peer; the diamond is this service.",
            figure=make_distribution_figure(c, THIS_SERVICE, title, axis), table=table,
            metrics=(c.metric,),
            alt_text=f"Box and points chart: {title}. {summary} Peer range "
                     f"{comparison_text(c.minimum, c)} to {comparison_text(c.maximum, c)}.",
            notes=_left_out(c)))
        title = f"{metric.label}{per}, ranked (best first), {view.period_label}"
        panels.append(SnapshotPanel(
            "benchmark-ranked", title, caption=summary,
            description="Every reporting service ranked, this service highlighted.",
            figure=make_ranked_figure(c, THIS_SERVICE, title, axis), table=table,
            metrics=(c.metric,), alt_text=f"Bar chart: {title}. {summary}"))
    if len(view.trend) > 1:
        title = f"{metric.label}{per}: this service against the peer median by financial year"
        trend = pd.DataFrame({
            "Financial year": [p["label"] for p in view.trend],
            "This service": [p["own"] for p in view.trend],
            "Lower quartile": [p["q1"] for p in view.trend],
            "Peer median": [p["median"] for p in view.trend],
            "Upper quartile": [p["q3"] for p in view.trend],
            "Withheld": ["yes" if p["withheld"] else "" for p in view.trend]})
        panels.append(SnapshotPanel(
            "benchmark-trend", title, caption=_trend_caption(view.trend, c),
            description="The band is the peers' middle half (lower to upper quartile). Years "
                        "where fewer peers had data than the minimum are left blank.",
            figure=make_peer_trend_figure(view.trend, THIS_SERVICE, title, axis), table=trend,
            metrics=(c.metric,), alt_text=f"Line chart: {title}. "
                                          f"{_trend_caption(view.trend, c)}"))
    league = [comp for comp in view.league if not comp.withheld and comp.median is not None]
    if view.league:
        title = f"Every headline measure against the peers, {view.period_label}"
        rows = [{"label": CATALOGUE[comp.metric].label, "min": comp.minimum, "q1": comp.q1,
                 "median": comp.median, "q3": comp.q3, "max": comp.maximum,
                 "own": comp.own_value,
                 "band": quartile_band(comp.own_value, comp.q1, comp.q3,
                                       comp.higher_is_better),
                 "reverse": comp.higher_is_better is False,
                 "text": f"{comparison_text(comp.own_value, comp)} (median "
                         f"{comparison_text(comp.median, comp)}; {comp.rank_text})"}
                for comp in league]
        report = benchmark_report(view)
        table = pd.DataFrame(benchmark_rows(report), columns=[h for _, h in BENCHMARK_COLUMNS])
        withheld = len(view.league) - len(league)
        best = sum(1 for r in rows if r["band"] == "best")
        worst = sum(1 for r in rows if r["band"] == "worst")
        caption = (f"In the best quarter of its peers on {best} of {len(rows)} measures and "
                   f"in the bottom quarter on {worst}.") if rows else \
            "Peer figures are withheld for every measure."
        panels.append(SnapshotPanel(
            "benchmark-league", title, caption=caption,
            description="Each bar runs from the lowest to the highest peer; the darker band is "
                        "the middle half, the line the median; the diamond is this service, "
                        "green in the best quarter, red in the worst, amber between (better "
                        "is to the right).",
            figure=make_league_figure(rows, title) if rows else None, table=table,
            metrics=tuple(comp.metric for comp in view.league),
            alt_text=f"Spine chart: {title}. {caption}",
            notes=(f"{withheld} measures withheld: too few peers have data.",) if withheld
            else (), empty_message=None if rows else caption))
    return panels


def _left_out(c) -> tuple[str, ...]:
    notes = []
    if c.n_no_denominator:
        notes.append(f"{c.n_no_denominator} peers left out: no denominator.")
    if c.n_incomplete:
        notes.append(f"{c.n_incomplete} peers left out: figures for part of the year only.")
    return tuple(notes)


def _trend_caption(points: list[dict], c) -> str:
    shown = [p for p in points if p["own"] is not None and p["median"] is not None]
    if not shown:
        return "No year has both this service's figure and a peer median."
    above = sum(1 for p in shown if p["own"] > p["median"])
    below = sum(1 for p in shown if p["own"] < p["median"])
    return (f"Above the peer median in {above} of {len(shown)} years and below it in "
            f"{below}.")


# --- the executive view -------------------------------------------------------------------------

def executive_panels(view: ExecutiveView) -> list[SnapshotPanel]:
    """Return the executive view's two charts: change on last year, standing among peers."""
    panels = []
    changes = [item for item in view.items if item.kpi.change_pct is not None
               and item.metric.unit != "percent"]
    title = f"Change on {view.comparison_label}, {view.period_label}"
    rows = [{"label": item.metric.label, "pct": item.kpi.change_pct,
             "assessment": item.kpi.assessment,
             "text": change_text(item.kpi, item.metric)} for item in changes]
    table = pd.DataFrame({
        "Measure": [item.metric.name for item in changes],
        "Measure code": [item.code for item in changes],
        view.period_label or "Value": [item.kpi.value for item in changes],
        view.comparison_label or "Earlier": [item.kpi.previous for item in changes],
        "Change (%)": [item.kpi.change_pct for item in changes],
        "Better or worse": [{"good": "better", "bad": "worse"}.get(item.kpi.assessment, "")
                            for item in changes]})
    better = sum(1 for r in rows if r["assessment"] == "good")
    worse = sum(1 for r in rows if r["assessment"] == "bad")
    caption = (f"Of the {plural(len(rows), 'measure')} charted, {better} moved in the better "
               f"direction and {worse} in the worse (percentages are compared in points on "
               f"the tiles)." if rows else "No measure has a comparable earlier figure.")
    panels.append(SnapshotPanel(
        "exec-change", title, caption, "Each measure's change on the same period a year "
        "earlier; green is better, vermillion worse, grey has no better direction. "
        "Percentages are compared in percentage points on the tiles.",
        make_change_figure(rows, title) if rows else None, table,
        tuple(item.code for item in changes),
        alt_text=f"Bar chart: {title}. " + "; ".join(
            f"{r['label']} {r['text']}" for r in rows) + ".",
        empty_message=None if rows else caption))
    ranked = [item for item in view.items if item.comparison is not None
              and not item.comparison.withheld and item.comparison.percentile is not None
              and item.facts.rank is not None and item.metric.higher_is_better is not None]
    title = f"Where this service stands among {plural(view.group_size, 'similar service')}, " \
            f"{view.period_label}"
    srows = []
    for item in ranked:
        c = item.comparison
        pct = c.percentile if c.higher_is_better else 100 - c.percentile
        # The colour follows the position: the best quarter is doing better than at least
        # three quarters of the similar services, the worst than at most a quarter.
        band = "best" if pct >= 75 else ("worst" if pct <= 25 else "middle")
        srows.append({"label": item.metric.label, "better_than": pct, "band": band,
                      "text": f"{c.rank_text.split(',')[0]}"})
    table = pd.DataFrame({
        "Measure": [item.metric.name for item in ranked],
        "Measure code": [item.code for item in ranked],
        "This service": [item.kpi.value for item in ranked],
        "Peer median": [item.comparison.median for item in ranked],
        "Lower quartile": [item.comparison.q1 for item in ranked],
        "Upper quartile": [item.comparison.q3 for item in ranked],
        "Rank (1 = best)": [item.comparison.rank for item in ranked],
        "Of": [item.comparison.rank_of for item in ranked],
        "Better than (% of peers)": [r["better_than"] for r in srows]})
    withheld = [item for item in view.items if item.comparison is not None
                and item.comparison.withheld]
    undirected = [item for item in view.items if item.metric.higher_is_better is None
                  and item not in withheld]
    notes = []
    if withheld:
        notes.append(f"Left out, peer figures withheld: "
                     f"{', '.join(item.metric.label for item in withheld)}.")
    if undirected:
        notes.append(f"Left out, neither higher nor lower is better: "
                     f"{', '.join(item.metric.label for item in undirected)}.")
    notes = tuple(notes)
    best = sum(1 for r in srows if r["band"] == "best")
    worst = sum(1 for r in srows if r["band"] == "worst")
    caption = (f"Better than at least three quarters of similar services on {best} of "
               f"{plural(len(srows), 'measure')}, and than at most a quarter on {worst}."
               if srows else "Peer figures are withheld for every measure.")
    panels.append(SnapshotPanel(
        "exec-standing", title, caption,
        "The share of similar services this one does better than, per measure: 50% is the "
        "middle of them, the shaded band the middle half; green at 75% or more, red at 25% "
        "or less, amber between. Better is always to the right.",
        make_standing_figure(srows, title) if srows else None, table,
        tuple(item.code for item in ranked),
        alt_text=f"Dot chart: {title}. " + "; ".join(
            f"{r['label']}: better than {r['better_than']:.0f}% of peers" for r in srows)
        + ".", notes=notes, empty_message=None if srows else caption))
    return panels


