"""Draw Plotly figures from panel data, in one colour-blind-safe theme for screen and export."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from .catalogue import CATALOGUE
from .formatting import format_value, hover_format, unit_label

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
NHS_BLUE = "#005EB8"
TEXT = "#212b32"
GRID = "#d8dde0"
FONT = "Arial, 'Helvetica Neue', Helvetica, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color=TEXT),
        title=dict(font=dict(size=15, color=TEXT), x=0, xanchor="left", y=0.97),
        colorway=PALETTE,
        separators=".,",
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=60, b=50),
        xaxis=dict(showgrid=False, linecolor=GRID, ticks="outside", tickcolor=GRID,
                   automargin=True),
        yaxis=dict(gridcolor=GRID, zeroline=True, zerolinecolor=GRID, automargin=True,
                   rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0,
                    font=dict(size=12)),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["shelfmark"] = TEMPLATE

CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def _base(title: str, height: int = 360) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template="shelfmark", title=dict(text=title), height=height)
    return fig


def _axis_title(metrics) -> str:
    labels = {unit_label(CATALOGUE[m]) for m in metrics}
    return labels.pop() if len(labels) == 1 else "value"


def make_trend_figure(data, height: int = 360) -> go.Figure:
    """Draw one line (or stacked bar) per metric over the period's buckets."""
    panel = data.panel
    fig = _base(data.title, height)
    frame = data.frame
    stacked = panel.kind == "stacked"
    for i, code in enumerate(panel.metrics):
        part = frame[frame["metric"] == code]
        if part.empty:
            continue
        metric = CATALOGUE[code]
        color = PALETTE[i % len(PALETTE)]
        text = [format_value(v, metric) for v in part["value"]]
        common = dict(x=part["period"], y=part["value"], name=metric.label, text=text,
                      hovertemplate="%{x}<br>" + metric.label + ": %{text}<extra></extra>")
        if stacked:
            fig.add_trace(go.Bar(marker_color=color, textposition="none", **common))
        else:
            fig.add_trace(go.Scatter(mode="lines+markers", line=dict(color=color, width=2.5),
                                     marker=dict(size=5), **common))
    first = CATALOGUE[panel.metrics[0]]
    if panel.kind == "ratio" and getattr(first, "benchmark", None):
        fig.add_hline(y=first.benchmark, line=dict(color="#4c6272", dash="dash", width=1.5),
                      annotation_text=first.benchmark_label, annotation_position="top left",
                      annotation_font=dict(size=12, color="#4c6272"))
    fig.update_layout(barmode="stack" if stacked else None, showlegend=len(panel.metrics) > 1)
    fig.update_yaxes(title_text=_axis_title(panel.metrics), tickformat=hover_format(first))
    fig.update_xaxes(type="category", title_text=None)
    if first.unit == "percent":
        fig.update_yaxes(range=[0, 100])
    return fig


def make_breakdown_figure(data, height: int = 360) -> go.Figure:
    """Draw a horizontal bar per metric with its value and share of the total."""
    panel = data.panel
    frame = data.frame.iloc[::-1]  # plotly draws the first bar at the bottom
    fig = _base(data.title, height)
    metrics = [CATALOGUE[m] for m in frame["metric"]]
    total = frame["value"].sum()
    shares = panel.kind != "shares" and all(m.unit == metrics[0].unit for m in metrics) and \
        metrics and metrics[0].unit != "percent" and not metrics[0].derived and total > 0
    labels = []
    for metric, value in zip(metrics, frame["value"]):
        text = format_value(value, metric)
        if shares:
            text += f"  ({value / total:.0%})"
        labels.append(text)
    fig.add_trace(go.Bar(
        x=frame["value"], y=frame["label"], orientation="h", text=labels,
        textposition="outside", cliponaxis=False,
        marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(frame))][::-1],
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    first = metrics[0] if metrics else None
    fig.update_layout(showlegend=False, margin=dict(l=20, r=90, t=60, b=50))
    fig.update_xaxes(title_text=_axis_title(panel.metrics), showgrid=True, gridcolor=GRID,
                     tickformat=hover_format(first) if first else None, rangemode="tozero")
    fig.update_yaxes(title_text=None, gridcolor="rgba(0,0,0,0)", automargin=True)
    if first is not None and first.unit == "percent":
        fig.update_xaxes(range=[0, 105])
    return fig


def make_panel_figure(data, height: int = 360) -> go.Figure:
    """Draw a panel with the figure function its kind calls for."""
    if data.panel.kind in ("breakdown", "shares"):
        return make_breakdown_figure(data, height)
    return make_trend_figure(data, height)


def make_sparkline(frame, metric, height: int = 48) -> go.Figure:
    """Draw a small unlabelled line of a KPI's history."""
    fig = go.Figure(go.Scatter(
        x=list(frame["period"]), y=list(frame["value"]), mode="lines",
        line=dict(color=NHS_BLUE, width=1.5), fill="tozeroy", fillcolor="rgba(0,94,184,0.08)",
        text=[format_value(v, metric) for v in frame["value"]],
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    fig.update_layout(
        template="shelfmark", height=height, margin=dict(l=0, r=0, t=2, b=2),
        xaxis=dict(visible=False, type="category"), yaxis=dict(visible=False),
        showlegend=False,
    )
    return fig
