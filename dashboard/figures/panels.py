"""Draw the dashboard pages' panels (trends and breakdowns) and the KPI tiles' sparklines."""

from __future__ import annotations

from ..catalogue import CATALOGUE
from ..formatting import (format_value, format_values, share_text, tick_format, unit_label,
                          value_formatter)
from .theme import GRID, MUTED, NHS_BLUE, PALETTE, figure_layout


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
    layout = figure_layout(data.title, height, showlegend=len(panel.metrics) > 1, yaxis=yaxis,
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
    layout = figure_layout(data.title, height, showlegend=False, xaxis=xaxis,
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

