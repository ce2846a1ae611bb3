"""Draw Plotly figures from panel data, in one colour-blind-safe theme for screen and export.

Figures are built as plain Plotly JSON (dicts): dcc.Graph draws them as they are, kaleido and
`plotly.graph_objects.Figure(fig)` accept them for export, and skipping graph_objects
validation keeps a page's callback fast.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from .catalogue import CATALOGUE
from .formatting import format_value, tick_format, unit_label

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


def _copy(value):
    """Copy plain JSON (dicts, lists, scalars): what deepcopy does here, several times faster."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _layout(title: str, height: int, **extra) -> dict:
    layout = {"template": _copy(_TEMPLATE_JSON), "title": {"text": title},
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
        text = [
            "No figures" if v is None else format_value(v, metric)
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


def _share(value: float, total: float) -> str:
    share = value / total
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


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
            text += f" ({_share(value, total)})"
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
             "text": [format_value(v, metric) for v in values],
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
                     yaxis={"automargin": True, "ticksuffix": "  ", "showgrid": False},
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
