"""Draw Plotly figures from panel data, in one colour-blind-safe theme for screen and export.

Figures are built as plain Plotly JSON (dicts): dcc.Graph draws them as they are, kaleido and
`plotly.graph_objects.Figure(fig)` accept them for export, and skipping graph_objects
validation keeps a page's callback fast.
"""

from __future__ import annotations

import copy
import plotly.graph_objects as go
import plotly.io as pio

from .catalogue import CATALOGUE
from .formatting import (format_value, format_values, share_text, tick_format, unit_label,
                         value_formatter)

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
NHS_BLUE = "#005EB8"
TEXT = "#212b32"
MUTED = "#4c6272"
GRID = "#d8dde0"
FONT = "Arial, 'Helvetica Neue', Helvetica, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color=TEXT),
        title=dict(font=dict(size=15, color=TEXT), x=0.015, xanchor="left", xref="container",
                   y=0.98, yanchor="top", yref="container"),
        colorway=PALETTE,
        separators=".,",
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=64, b=50),
        xaxis=dict(showgrid=False, linecolor=GRID, ticks="outside", tickcolor=GRID,
                   automargin=True),
        yaxis=dict(gridcolor=GRID, zeroline=True, zerolinecolor=GRID, automargin=True,
                   rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    font=dict(size=12)),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["shelfmark"] = TEMPLATE
_TEMPLATE_JSON = TEMPLATE.to_plotly_json()

CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def _layout(title: str, height: int, **extra) -> dict:
    # Every figure shares the one template: nothing changes a figure's template in place
    # (exports deep-copy a figure before re-theming it), and copying it cost each chart more
    # than its data did.
    layout = {"template": _TEMPLATE_JSON, "title": {"text": title},
              "height": height}
    layout.update(extra)
    return layout


def _axis_title(metrics) -> str:
    labels = {unit_label(CATALOGUE[m]) for m in metrics}
    return labels.pop() if len(labels) == 1 else "value"


def make_trend_figure(data, height: int = 360) -> dict:
    """Draw one line (or stacked bar) per metric over every bucket of the period.

    Every bucket appears on the axis, so a month with no figures shows as a gap, never as a
    join between its neighbours; incomplete buckets get hollow markers or pale bars and say so
    on hover. With only one or two buckets, bars replace lines.
    """
    panel = data.panel
    points = data.points
    periods = data.periods or list(dict.fromkeys(p.period for p in points))
    bars = panel.kind == "stacked" or len(periods) <= 2
    by_metric: dict[str, dict] = {}
    for point in points:
        by_metric.setdefault(point.metric, {})[point.period] = (point.value, point.coverage)
    traces = []
    for i, code in enumerate(panel.metrics):
        found = by_metric.get(code)
        if not found:
            continue
        metric = CATALOGUE[code]
        color = PALETTE[i % len(PALETTE)]
        values = [found[p][0] if p in found else None for p in periods]
        partial = [p in found and found[p][1] < 1 for p in periods]
        formatted = value_formatter(metric)
        text = [
            "No figures" if v is None else formatted(v)
            + (f" (incomplete: {found[p][1]:.0%} of the period)" if cut else "")
            for p, v, cut in zip(periods, values, partial)
        ]
        trace = {"x": periods, "y": values, "name": metric.label, "text": text,
                 "hovertemplate": "%{x}<br>" + metric.label + ": %{text}<extra></extra>"}
        if bars:
            trace.update(type="bar", textposition="none", marker={
                "color": color, "opacity": [0.45 if cut else 1.0 for cut in partial]})
        else:
            trace.update(type="scatter", mode="lines+markers", connectgaps=False,
                         line={"color": color, "width": 2.5},
                         marker={"size": [9 if cut else 6 for cut in partial],
                                 "symbol": ["circle-open" if cut else "circle"
                                            for cut in partial],
                                 "color": color, "line": {"width": 2, "color": color}})
        traces.append(trace)
    first = CATALOGUE[panel.metrics[0]]
    yaxis = {"title": {"text": _axis_title(panel.metrics)}, "tickformat": tick_format(first)}
    if first.unit == "percent":
        yaxis["range"] = [0, 100]
    xaxis = {"type": "category", "categoryorder": "array", "categoryarray": periods,
             "tickangle": -45 if len(periods) > 6 else 0, "nticks": 13}
    layout = _layout(data.title, height, showlegend=len(panel.metrics) > 1, yaxis=yaxis,
                     xaxis=xaxis)
    if bars:
        layout["barmode"] = "stack" if panel.kind == "stacked" else "group"
        layout["legend"] = {"traceorder": "normal"}
    benchmark = getattr(first, "benchmark", None)
    if panel.kind == "ratio" and benchmark:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                             "y0": benchmark, "y1": benchmark,
                             "line": {"color": MUTED, "dash": "dash", "width": 1.5}}]
        layout["annotations"] = [{"xref": "paper", "x": 1, "yref": "y", "y": benchmark,
                                  "text": first.benchmark_label, "showarrow": False,
                                  "xanchor": "right", "yanchor": "top",
                                  "bgcolor": "rgba(255,255,255,0.85)",
                                  "font": {"size": 12, "color": MUTED}}]
    return {"data": traces, "layout": layout}


def make_breakdown_figure(data, height: int = 360) -> dict:
    """Draw a horizontal bar per metric with its value and, for parts of a whole, its share."""
    panel = data.panel
    points = data.points[::-1]  # plotly draws the first bar at the bottom
    metrics = [CATALOGUE[p.metric] for p in points]
    values = [p.value for p in points]
    total = sum(values)
    labels = []
    for metric, value in zip(metrics, values):
        text = format_value(value, metric)
        if panel.parts_of_whole and total > 0:
            text += f" ({share_text(value, total)})"
        labels.append(text)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(values))][::-1]
    first = metrics[0] if metrics else None
    xaxis = {"title": {"text": _axis_title(panel.metrics)}, "showgrid": True,
             "gridcolor": GRID, "rangemode": "tozero",
             "tickformat": tick_format(first) if first else None}
    if first is not None and first.unit == "percent":
        xaxis["range"] = [0, 109]
    elif values:
        xaxis["range"] = [0, max(max(values), 1e-9) * 1.3]  # room for the value labels
    names = [p.label for p in points]
    trace = {"type": "bar", "orientation": "h", "x": values, "y": names,
             "text": labels, "textposition": "outside", "cliponaxis": False,
             "marker": {"color": colors}, "customdata": list(names),
             "hovertemplate": "%{customdata}: %{text}<extra></extra>"}
    layout = _layout(data.title, height, showlegend=False, xaxis=xaxis,
                     yaxis={"automargin": True, "gridcolor": "rgba(0,0,0,0)",
                            "ticksuffix": "  "},
                     margin={"l": 20, "r": 30, "t": 64, "b": 50})
    return {"data": [trace], "layout": layout}


def make_panel_figure(data, height: int = 360) -> dict:
    """Draw a panel with the figure function its kind calls for."""
    if data.panel.kind in ("breakdown", "shares"):
        return make_breakdown_figure(data, height)
    return make_trend_figure(data, height)


def make_sparkline(series, metric, height: int = 48) -> dict:
    """Draw a small unlabelled line of a KPI's history: its points (KpiView.points), or a
    frame with period and value columns (KpiView.spark)."""
    if hasattr(series, "columns"):
        periods, values = list(series["period"]), [float(v) for v in series["value"]]
    else:
        periods, values = [p.period for p in series], [p.value for p in series]
    trace = {"type": "scatter", "mode": "lines", "x": periods, "y": values,
             "line": {"color": NHS_BLUE, "width": 1.5}, "fill": "tozeroy",
             "fillcolor": "rgba(0,94,184,0.08)",
             "text": format_values(values, metric),
             "hovertemplate": "%{x}: %{text}<extra></extra>"}
    layout = {"height": height, "margin": {"l": 0, "r": 0, "t": 2, "b": 2},
              "xaxis": {"visible": False, "type": "category", "fixedrange": True},
              "yaxis": {"visible": False, "fixedrange": True},
              "showlegend": False, "paper_bgcolor": "rgba(0,0,0,0)",
              "plot_bgcolor": "rgba(0,0,0,0)", "separators": ".,"}
    return {"data": [trace], "layout": layout}


COVERAGE_COLOURS = {  # status -> colour (Okabe-Ito blue and orange; grey; pale for no data)
    "reported": "#0072B2",
    "imputed": "#E69F00",
    "missing with a reason": "#7f8c96",
    "no data": "#f3f5f6",
}


def make_coverage_figure(months, status: dict[str, list[str]], title: str) -> dict:
    """Draw which months each measure has figures for: one row per measure, one cell a month."""
    from .quality import STATUSES

    names = CATALOGUE.names()
    metrics = list(status)
    codes = {s: i for i, s in enumerate(STATUSES)}
    z = [[codes[cell] for cell in status[m]] for m in reversed(metrics)]
    labels = [names.get(m, m) for m in reversed(metrics)]
    text = [[cell for cell in status[m]] for m in reversed(metrics)]
    n = len(STATUSES)
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / n, COVERAGE_COLOURS[s]], [(i + 1) / n, COVERAGE_COLOURS[s]]]
    x = [m.isoformat() for m in months]
    trace = {
        "type": "heatmap", "x": x, "y": labels, "z": z, "text": text,
        "zmin": -0.5, "zmax": n - 0.5, "colorscale": scale, "showscale": False,
        "xgap": 1, "ygap": 1,
        "hovertemplate": "%{y}<br>%{x|%b %Y}: %{text}<extra></extra>",
    }
    # A legend of the statuses: invisible points that carry each colour's name.
    legend = [{"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": s,
               "marker": {"color": COVERAGE_COLOURS[s], "size": 12, "symbol": "square",
                          "line": {"color": GRID, "width": 1}}, "hoverinfo": "skip",
               "showlegend": True} for s in STATUSES]
    height = max(260, 120 + 22 * len(metrics))
    layout = _layout(title, height, showlegend=True,
                     margin=dict(l=10, r=20, t=90, b=40))
    layout["xaxis"] = {"type": "date", "tickformat": "%b\n%Y", "showgrid": False,
                       "title": {"text": "Month"}}
    layout["yaxis"] = {"automargin": True, "showgrid": False, "zeroline": False,
                       "categoryorder": "array", "categoryarray": labels,
                       "rangemode": "normal"}
    layout["legend"] = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left",
                        "x": 0, "font": {"size": 12}}
    return {"data": [trace, *legend], "layout": layout}


# --- peer comparison ------------------------------------------------------------------------

OWN_COLOUR = "#D55E00"   # Okabe-Ito vermillion: the own service, everywhere
PEER_COLOUR = "#0072B2"
BAND_COLOUR = "rgba(0,114,178,0.16)"
QUARTILE_COLOURS = {"best": "#009E73", "middle": "#E69F00", "worst": "#CC3311",
                    "none": "#0072B2"}


def quartile_band(value, q1, q3, higher_is_better) -> str:
    """Say whether a value sits in the best or worst quarter of its peers, or between."""
    if value is None or q1 is None or q3 is None or higher_is_better is None:
        return "none"
    if value > q3:
        return "best" if higher_is_better else "worst"
    if value < q1:
        return "worst" if higher_is_better else "best"
    return "middle"


def _number(value) -> str:
    from .formatting import format_number

    return format_number(value)


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
            "text": [f"{p.label}: {_number(p.value)}" for p in c.peers],
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
            "hovertemplate": f"{own_label}: {_number(c.own_value)}<extra></extra>",
            "marker": {"color": OWN_COLOUR, "size": 16, "symbol": "diamond",
                       "line": {"color": "white", "width": 1.5}},
            "showlegend": False,
        })
    layout = _layout(title, height, showlegend=False,
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
                 "text": [f"{e[0]}: {_number(e[1])}" for e in entries], "textposition": "none",
                 "hovertemplate": "Rank %{x}: %{text}<extra></extra>"}
        layout = _layout(title, height, showlegend=False, bargap=0.05,
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
             "text": [_number(e[1]) for e in entries], "textposition": "outside",
             "cliponaxis": False, "customdata": [e[0] for e in entries],
             "hovertemplate": "%{customdata}: %{text}<extra></extra>"}
    top = max([e[1] for e in entries] or [1])
    layout = _layout(title, max(height, 80 + 24 * len(entries)), showlegend=False,
                     xaxis={"title": {"text": axis_title}, "showgrid": True, "gridcolor": GRID,
                            "range": [0, top * 1.2 if top > 0 else 1]},
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
         "text": [f"{_number(a)} to {_number(b)}" if a is not None else "withheld"
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
    layout = _layout(title, height, showlegend=True,
                     xaxis={"type": "category", "title": {"text": "Financial year"}},
                     yaxis={"title": {"text": axis_title}})
    return {"data": traces, "layout": layout}


# --- executive view ---------------------------------------------------------------------------

GOOD_COLOUR = "#009E73"   # Okabe-Ito bluish green
BAD_COLOUR = "#D55E00"    # Okabe-Ito vermillion
NEUTRAL_COLOUR = "#7f8c96"
ASSESSMENT_WORDS = {"good": "better", "bad": "worse", "neutral": "no better direction"}


def make_change_figure(rows: list[dict], title: str, height: int | None = None) -> dict:
    """Draw each measure's change on the earlier period as a bar left or right of zero.

    `rows`: dicts with label, pct (the % change), assessment (good/bad/neutral) and text (the
    change as the tiles say it). Colour says better or worse, and so do the words beside each
    bar, so colour is never the only cue.
    """
    rows = rows[::-1]  # plotly draws the first bar at the bottom
    colours = {"good": GOOD_COLOUR, "bad": BAD_COLOUR, "neutral": NEUTRAL_COLOUR}
    values = [r["pct"] for r in rows]
    reach = max([abs(v) for v in values] or [1]) * 1.45 or 1
    trace = {"type": "bar", "orientation": "h", "x": values, "y": [r["label"] for r in rows],
             "marker": {"color": [colours[r["assessment"]] for r in rows]},
             "text": [f"{r['text']} ({ASSESSMENT_WORDS[r['assessment']]})" for r in rows],
             "textposition": "outside", "cliponaxis": False,
             "customdata": [r["label"] for r in rows],
             "hovertemplate": "%{customdata}: %{text}<extra></extra>"}
    layout = _layout(title, height or max(260, 110 + 44 * len(rows)), showlegend=False,
                     xaxis={"title": {"text": "Change (%)"}, "ticksuffix": "%",
                            "range": [-reach, reach], "zeroline": True,
                            "zerolinecolor": MUTED, "zerolinewidth": 1.5, "showgrid": True,
                            "gridcolor": GRID},
                     yaxis={"automargin": True, "ticksuffix": "  ", "showgrid": False,
                            "rangemode": "normal"},
                     margin={"l": 20, "r": 30, "t": 64, "b": 50})
    return {"data": [trace], "layout": layout}


def make_standing_figure(rows: list[dict], title: str, height: int | None = None) -> dict:
    """Draw where the service stands among similar services on each measure: a 0–100 scale
    of the share of peers it does better than, the middle half shaded, better to the right.

    `rows`: dicts with label, better_than (0–100), band (best/middle/worst/none) and text.
    """
    rows = rows[::-1]
    labels = [r["label"] for r in rows]
    traces = [{
        "type": "bar", "orientation": "h", "x": [100] * len(rows), "y": labels,
        "marker": {"color": "rgba(0,114,178,0.07)", "line": {"width": 0}},
        "hoverinfo": "skip", "showlegend": False, "width": 0.5,
    }, {
        "type": "scatter", "mode": "markers+text", "x": [r["better_than"] for r in rows],
        "y": labels, "text": [r["text"] for r in rows], "textposition": "top center",
        "cliponaxis": False,
        "textfont": {"size": 12, "color": TEXT},
        "marker": {"symbol": "diamond", "size": 15,
                   "color": [QUARTILE_COLOURS[r["band"]] for r in rows],
                   "line": {"color": "white", "width": 1.5}},
        "customdata": labels, "showlegend": False,
        "hovertemplate": "%{customdata}: %{text}<extra></extra>",
    }]
    layout = _layout(title, height or max(260, 120 + 48 * len(rows)), showlegend=False,
                     barmode="overlay",
                     xaxis={"title": {"text": "Share of similar services this one does better "
                                              "than (%)"},
                            "range": [-6, 106], "tickvals": [0, 25, 50, 75, 100],
                            "ticktext": ["0%", "25%", "50%", "75%", "100%"], "showgrid": True, "gridcolor": GRID,
                            "zeroline": False},
                     yaxis={"automargin": True, "ticksuffix": "  ", "showgrid": False,
                            "rangemode": "normal"},
                     margin={"l": 20, "r": 30, "t": 64, "b": 56})
    layout["shapes"] = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": 25, "x1": 75, "y0": 0, "y1": 1,
         "fillcolor": BAND_COLOUR, "line": {"width": 0}, "layer": "below"},
        {"type": "line", "xref": "x", "yref": "paper", "x0": 50, "x1": 50, "y0": 0, "y1": 1,
         "line": {"color": PEER_COLOUR, "dash": "dash", "width": 1.5}},
    ]
    layout["annotations"] = [{"x": 50, "y": 1, "xref": "x", "yref": "paper",
                              "text": "middle of the peers", "showarrow": False,
                              "yanchor": "bottom", "font": {"size": 11, "color": PEER_COLOUR}}]
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
    layout = _layout(title, height or max(260, 120 + 40 * len(rows)), showlegend=False,
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


# --- presentation mode ------------------------------------------------------------------------

PRESENT_TEXT = "#0b0c0c"   # near black: 19:1 on white
PRESENT_LINE = "#425563"   # axis lines and zero lines: 7.7:1 on white
PRESENT_GRID = "#768692"   # gridlines a projector still shows (3.7:1 on white)
PRESENT_FONT = 20          # chart text at 1280×720; the page scales it for larger screens
PRESENT_TITLE_FONT = 28
MIN_TEXT_CONTRAST = 7.0    # WCAG AAA for text


def _luminance(colour: str) -> float | None:
    """Return the relative luminance of a #rrggbb colour (None for any other form)."""
    text = colour.strip().lstrip("#") if isinstance(colour, str) else ""
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        channels = [int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)] if len(text) == 6 else []
    except ValueError:
        return None
    if not channels:
        return None
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float | None:
    """Return the WCAG contrast ratio of two #rrggbb colours (None if either is not one)."""
    a, b = _luminance(foreground), _luminance(background)
    if a is None or b is None:
        return None
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _strong_text(font: dict | None, size: float, scale: float = 1.0) -> dict:
    """Return a font at least `size` (or scaled), in a colour with AAA contrast on white."""
    font = dict(font or {})
    current = font.get("size")
    if isinstance(current, (int, float)):
        font["size"] = max(size, round(current * scale))
    else:
        font["size"] = size
    ratio = contrast_ratio(font["color"]) if isinstance(font.get("color"), str) else None
    if ratio is None or ratio < MIN_TEXT_CONTRAST:
        font["color"] = PRESENT_TEXT
    return font


def _scaled(value, factor: float, least: float = 0):
    """Scale a size or a list of sizes, never below `least`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(least, value * factor) if value > 0 else value
    if isinstance(value, list):
        return [_scaled(v, factor, least) for v in value]
    return value


def presentation_figure(fig: dict, height: int = 520, show_title: bool = True) -> dict:
    """Return a copy of a figure re-themed for a projector: larger text (titles, ticks,
    legend, hover, labels) in AAA-contrast colours, thicker lines and markers, darker
    gridlines, and `height`. The data and the colour-blind-safe palette are unchanged.

    With `show_title=False` the chart's own title is left out (the slide shows it as a
    heading) and the top margin shrinks to fit the legend.
    """
    import re

    out = copy.deepcopy(fig)
    layout = out.setdefault("layout", {})
    layout["height"] = height
    layout["font"] = {**(layout.get("font") or {}), "family": FONT, "size": PRESENT_FONT,
                      "color": PRESENT_TEXT}
    title = layout.get("title")
    title = dict(title) if isinstance(title, dict) else {"text": title or ""}
    if show_title:
        title["font"] = _strong_text(title.get("font"), PRESENT_TITLE_FONT)
    else:
        title["text"] = ""
    layout["title"] = title
    axes = {k for k in layout if re.fullmatch(r"[xy]axis\d*", k)} | {"xaxis", "yaxis"}
    for key in sorted(axes):
        axis = layout.setdefault(key, {})
        if not isinstance(axis, dict):
            continue
        axis["tickfont"] = _strong_text(axis.get("tickfont"), PRESENT_FONT)
        axis_title = axis.get("title")
        if isinstance(axis_title, str):
            axis_title = {"text": axis_title}
        if isinstance(axis_title, dict):
            axis["title"] = {**axis_title, "font": _strong_text(axis_title.get("font"),
                                                                PRESENT_FONT + 2)}
        axis.update(gridcolor=PRESENT_GRID, gridwidth=1.5, linecolor=PRESENT_LINE,
                    linewidth=2, tickcolor=PRESENT_LINE, tickwidth=2,
                    zerolinecolor=PRESENT_LINE, zerolinewidth=2)
    legend = layout.get("legend") if isinstance(layout.get("legend"), dict) else {}
    layout["legend"] = {**legend, "font": _strong_text(legend.get("font"), PRESENT_FONT)}
    hover = layout.get("hoverlabel") if isinstance(layout.get("hoverlabel"), dict) else {}
    layout["hoverlabel"] = {**hover, "font": {**(hover.get("font") or {}), "family": FONT,
                                              "size": PRESENT_FONT}}
    for note in layout.get("annotations") or []:
        note["font"] = _strong_text(note.get("font"), PRESENT_FONT - 2, scale=1.6)
        if note.get("ay"):
            note["ay"] = _scaled(note["ay"], 1.4)
    for shape in layout.get("shapes") or []:
        line = shape.get("line")
        if isinstance(line, dict) and isinstance(line.get("width"), (int, float)):
            line["width"] = _scaled(line["width"], 1.6, 2.5)
    margin = dict(layout.get("margin") or {})
    margin["l"] = max(margin.get("l", 60), 24)
    margin["r"] = max(margin.get("r", 20), 40)
    margin["b"] = max(margin.get("b", 50), 60)
    if show_title:
        margin["t"] = max(margin.get("t", 64), 96)
    else:
        above = any(isinstance(n, dict) and n.get("yref") == "paper" and (n.get("y") or 0) >= 1
                    for n in layout.get("annotations") or [])
        margin["t"] = 64 if layout.get("showlegend") else (44 if above else 24)
    layout["margin"] = margin
    for trace in out.get("data") or []:
        _thicken(trace)
        _labels_beside(trace, layout)
    _fit_rows(out, height)
    return out


def _fit_rows(fig: dict, height: int) -> None:
    """Label every row of a chart with many named rows (a league table of 25 measures): if
    the rows are too close for the large type, make their labels (and markers) just small
    enough to fit, rather than letting Plotly leave every other row unnamed."""
    layout = fig["layout"]
    rows: list[str] = []
    for trace in fig.get("data") or []:
        for y in trace.get("y") or []:
            if isinstance(y, str) and y not in rows:
                rows.append(y)
    if len(rows) < 2:
        return
    margin = layout.get("margin") or {}
    plot = height - margin.get("t", 0) - margin.get("b", 0) - 40  # less the x axis's labels
    row = plot / len(rows)
    yaxis = layout["yaxis"]
    if row >= yaxis["tickfont"]["size"] * 1.3:
        return
    yaxis["tickfont"]["size"] = max(12, int(row / 1.2))
    yaxis.update(tickmode="linear", tick0=0, dtick=1)
    for trace in fig.get("data") or []:
        marker = trace.get("marker")
        if trace.get("type", "scatter") == "scatter" and isinstance(marker, dict) and \
                isinstance(marker.get("size"), (int, float)):
            marker["size"] = min(marker["size"], max(8, round(row * 0.9)))


def _labels_beside(trace: dict, layout: dict) -> None:
    """Move the labels of a row-per-category dot chart beside their markers, towards the
    middle: in large type, labels above the markers would run into the row above."""
    if trace.get("type", "scatter") != "scatter" or "text" not in str(trace.get("mode", "")):
        return
    xs = trace.get("x") or []
    if trace.get("textposition") != "top center" or len(xs) <= 3:
        return
    numbers = [x for x in xs if isinstance(x, (int, float)) and not isinstance(x, bool)]
    if not numbers:
        return
    span = (layout.get("xaxis") or {}).get("range") or [min(numbers), max(numbers)]
    middle = (span[0] + span[-1]) / 2
    trace["textposition"] = ["middle left" if isinstance(x, (int, float)) and x > middle
                             else "middle right" for x in xs]


def _thicken(trace: dict) -> None:
    """Make a trace's lines, markers and text easier to see from the back of a room."""
    kind = trace.get("type", "scatter")
    if trace.get("text") is not None and trace.get("textposition") != "none":
        trace["textfont"] = _strong_text(trace.get("textfont"), PRESENT_FONT, scale=1.5)
    line = trace.get("line")
    if isinstance(line, dict) and isinstance(line.get("width"), (int, float)):
        line["width"] = _scaled(line["width"], 1.6, 4 if kind == "scatter" else 3)
    elif kind == "scatter" and "lines" in str(trace.get("mode", "lines")):
        trace["line"] = {**(line or {}), "width": 4}
    marker = trace.get("marker")
    if isinstance(marker, dict):
        if "size" in marker:
            marker["size"] = _scaled(marker["size"], 1.5)
        elif kind == "scatter":
            marker["size"] = 10
        outline = marker.get("line")
        if isinstance(outline, dict) and isinstance(outline.get("width"), (int, float)):
            outline["width"] = _scaled(outline["width"], 1.5)
