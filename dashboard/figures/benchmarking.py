"""Draw peer comparisons (the Benchmark page): the peers' spread, every service ranked, the
service against the peer median by year, and every headline measure as spine charts."""

from __future__ import annotations

from ..formatting import format_number
from .theme import (BAND_COLOUR, GRID, OWN_COLOUR, PEER_COLOUR, QUARTILE_COLOURS,
                    figure_layout)


def quartile_band(value, q1, q3, higher_is_better) -> str:
    """Say whether a value sits in the best or worst quarter of its peers, or between."""
    if value is None or q1 is None or q3 is None or higher_is_better is None:
        return "none"
    if value > q3:
        return "best" if higher_is_better else "worst"
    if value < q1:
        return "worst" if higher_is_better else "best"
    return "middle"


def make_distribution_figure(comparison, own_label: str, title: str, axis_title: str,
                             height: int = 300) -> dict:
    """Draw the peers' spread as a box (our quartiles, not Plotly's) with every peer as a dot
    and the own service as a large marker."""
    c = comparison
    traces = []
    if not c.withheld and c.median is not None:
        traces.append({
            "type": "box", "orientation": "h", "y": ["Peers"], "name": "Peers",
            "q1": [c.q1], "median": [c.median], "q3": [c.q3], "lowerfence": [c.minimum],
            "upperfence": [c.maximum], "fillcolor": BAND_COLOUR,
            "line": {"color": PEER_COLOUR, "width": 1.5}, "hoverinfo": "skip",
            "showlegend": False,
        })
        values = [p.value for p in c.peers]
        traces.append({
            "type": "scatter", "mode": "markers", "x": values,
            "y": ["Peers"] * len(values), "name": "Peer",
            "text": [f"{p.label}: {format_number(p.value)}" for p in c.peers],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"color": "rgba(0,114,178,0.55)", "size": 7,
                       "line": {"color": "white", "width": 0.5}},
            "showlegend": False,
        })
    if c.own_value is not None:
        traces.append({
            "type": "scatter", "mode": "markers+text", "x": [c.own_value], "y": ["Peers"],
            "name": own_label, "text": [own_label], "textposition": "top center",
            "textfont": {"color": OWN_COLOUR, "size": 13},
            "hovertemplate": f"{own_label}: {format_number(c.own_value)}<extra></extra>",
            "marker": {"color": OWN_COLOUR, "size": 16, "symbol": "diamond",
                       "line": {"color": "white", "width": 1.5}},
            "showlegend": False,
        })
    layout = figure_layout(title, height, showlegend=False,
                           xaxis={"title": {"text": axis_title}, "showgrid": True,
                                  "gridcolor": GRID, "zeroline": False},
                           yaxis={"showticklabels": False, "showgrid": False, "zeroline": False},
                           margin={"l": 20, "r": 30, "t": 70, "b": 60})
    return {"data": traces, "layout": layout}


def make_ranked_figure(comparison, own_label: str, title: str, axis_title: str,
                       height: int = 420) -> dict:
    """Draw every reporting service ranked by value, the own service highlighted."""
    c = comparison
    entries = [(p.label, p.value, False) for p in c.peers]
    if c.own_value is not None:
        entries.append((own_label, c.own_value, True))
    ascending = c.higher_is_better is False  # the best first
    entries.sort(key=lambda e: (e[1] if ascending else -e[1], e[0]))
    many = len(entries) > 30
    colours = [OWN_COLOUR if own else "rgba(0,114,178,0.7)" for _, _, own in entries]
    if many:  # too many to name: bars by rank, the own bar marked
        ranks = list(range(1, len(entries) + 1))
        trace = {"type": "bar", "x": ranks, "y": [e[1] for e in entries],
                 "marker": {"color": colours, "line": {"width": 0}},
                 "text": [f"{e[0]}: {format_number(e[1])}" for e in entries],
                 "textposition": "none",
                 "hovertemplate": "Rank %{x}: %{text}<extra></extra>"}
        layout = figure_layout(title, height, showlegend=False, bargap=0.05,
                               xaxis={"title": {"text": "Rank (1 = best)"}, "showgrid": False},
                               yaxis={"title": {"text": axis_title}})
        own_rank = next((i + 1 for i, e in enumerate(entries) if e[2]), None)
        if own_rank:
            layout["annotations"] = [{
                "x": own_rank, "y": entries[own_rank - 1][1], "text": own_label,
                "showarrow": True, "arrowhead": 2, "ax": 0, "ay": -36,
                "font": {"color": OWN_COLOUR, "size": 13}, "bgcolor": "rgba(255,255,255,0.9)"}]
        return {"data": [trace], "layout": layout}
    entries = entries[::-1]  # plotly draws the first bar at the bottom
    trace = {"type": "bar", "orientation": "h", "x": [e[1] for e in entries],
             "y": [e[0] for e in entries], "marker": {"color": colours[::-1]},
             "text": [format_number(e[1]) for e in entries], "textposition": "outside",
             "cliponaxis": False, "customdata": [e[0] for e in entries],
             "hovertemplate": "%{customdata}: %{text}<extra></extra>"}
    top = max([e[1] for e in entries] or [1])
    layout = figure_layout(title, max(height, 80 + 24 * len(entries)), showlegend=False,
                           xaxis={"title": {"text": axis_title}, "showgrid": True,
                                  "gridcolor": GRID, "range": [0, top * 1.2 if top > 0 else 1]},
                           yaxis={"automargin": True, "ticksuffix": "  ", "showgrid": False,
                                  "tickmode": "array", "tickvals": [e[0] for e in entries],
                                  "ticktext": [e[0] for e in entries]},
                           margin={"l": 20, "r": 30, "t": 64, "b": 50})
    return {"data": [trace], "layout": layout}


def make_peer_trend_figure(points: list[dict], own_label: str, title: str, axis_title: str,
                           height: int = 340) -> dict:
    """Draw the own service's figure by year against the peer median and interquartile band.

    `points`: one dict per period with label, own, q1, median, q3 (None where withheld).
    """
    labels = [p["label"] for p in points]
    q1 = [p.get("q1") for p in points]
    q3 = [p.get("q3") for p in points]
    traces = [
        {"type": "scatter", "mode": "lines", "x": labels, "y": q1, "name": "Lower quartile",
         "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
         "connectgaps": False},
        {"type": "scatter", "mode": "lines", "x": labels, "y": q3,
         "name": "Peers' middle half (interquartile range)", "fill": "tonexty",
         "fillcolor": BAND_COLOUR, "line": {"width": 0}, "connectgaps": False,
         "text": [f"{format_number(a)} to {format_number(b)}" if a is not None else "withheld"
                  for a, b in zip(q1, q3)],
         "hovertemplate": "%{x}: middle half %{text}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": labels,
         "y": [p.get("median") for p in points], "name": "Peer median",
         "line": {"color": PEER_COLOUR, "dash": "dash", "width": 2}, "connectgaps": False,
         "hovertemplate": "%{x}: peer median %{y:,.4~g}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": labels,
         "y": [p.get("own") for p in points], "name": own_label,
         "line": {"color": OWN_COLOUR, "width": 3}, "marker": {"size": 8},
         "connectgaps": False,
         "hovertemplate": "%{x}: " + own_label + " %{y:,.4~g}<extra></extra>"},
    ]
    layout = figure_layout(title, height, showlegend=True,
                           xaxis={"type": "category", "title": {"text": "Financial year"}},
                           yaxis={"title": {"text": axis_title}})
    return {"data": traces, "layout": layout}



def make_league_figure(rows: list[dict], title: str, height: int | None = None) -> dict:
    """Draw the league table's spine charts: per measure, the peers' range (pale), middle half
    (darker) and median (line) scaled so the median sits in the middle, and the service as a
    diamond coloured by its quarter; better is always to the right (as the page's table).

    `rows`: dicts with label, min, q1, median, q3, max, own, band, reverse (lower is better).
    """
    rows = rows[::-1]
    labels = [r["label"] for r in rows]
    traces, shapes = [], []

    def scale(value, r):
        spread = max(r["max"] - r["median"], r["median"] - r["min"]) or 1.0
        position = 50 + 50 * (value - r["median"]) / spread
        return 100 - position if r["reverse"] else position

    own_x, own_text, own_colour = [], [], []
    for i, r in enumerate(rows):
        lo, hi = sorted((scale(r["min"], r), scale(r["max"], r)))
        q_lo, q_hi = sorted((scale(r["q1"], r), scale(r["q3"], r)))
        shapes += [
            {"type": "rect", "x0": lo, "x1": hi, "y0": i - 0.22, "y1": i + 0.22,
             "fillcolor": "rgba(0,114,178,0.15)", "line": {"width": 0}, "layer": "below"},
            {"type": "rect", "x0": q_lo, "x1": q_hi, "y0": i - 0.22, "y1": i + 0.22,
             "fillcolor": "rgba(0,114,178,0.38)", "line": {"width": 0}, "layer": "below"},
            {"type": "line", "x0": 50, "x1": 50, "y0": i - 0.3, "y1": i + 0.3,
             "line": {"color": PEER_COLOUR, "width": 2}},
        ]
        own_x.append(None if r["own"] is None else max(0, min(100, scale(r["own"], r))))
        own_text.append(r.get("text", ""))
        own_colour.append(QUARTILE_COLOURS[r["band"]])
    for shape in shapes:
        shape.update(xref="x", yref="y")
    traces.append({"type": "scatter", "mode": "markers", "x": own_x, "y": labels,
                   "marker": {"symbol": "diamond", "size": 14, "color": own_colour,
                              "line": {"color": "white", "width": 1.5}},
                   "text": own_text, "customdata": labels, "showlegend": False,
                   "hovertemplate": "%{customdata}: %{text}<extra></extra>"})
    layout = figure_layout(title, height or max(260, 120 + 40 * len(rows)), showlegend=False,
                           xaxis={"range": [-2, 102], "showticklabels": True,
                                  "tickvals": [2, 50, 98],
                                  "ticktext": ["worse", "peer median", "better"],
                                  "showgrid": False, "zeroline": False},
                           yaxis={"automargin": True, "ticksuffix": "  ", "showgrid": False,
                                  "rangemode": "normal", "type": "category",
                                  "categoryorder": "array", "categoryarray": labels,
                                  # every row keeps its label, however many measures there are
                                  "tickmode": "array", "tickvals": labels, "ticktext": labels,
                                  "tickfont": {"size": 12}},
                           margin={"l": 20, "r": 30, "t": 64, "b": 50})
    layout["shapes"] = shapes
    return {"data": traces, "layout": layout}


