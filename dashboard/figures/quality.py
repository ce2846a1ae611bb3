"""Draw the data-quality page's coverage chart: which months each measure has figures for."""

from __future__ import annotations

from ..catalogue import CATALOGUE
from ..quality import STATUSES
from .theme import GRID, figure_layout

COVERAGE_COLOURS = {  # status -> colour (Okabe-Ito blue and orange; grey; pale for no data)
    "reported": "#0072B2",
    "imputed": "#E69F00",
    "missing with a reason": "#7f8c96",
    "no data": "#f3f5f6",
}


def make_coverage_figure(months, status: dict[str, list[str]], title: str) -> dict:
    """Draw which months each measure has figures for: one row per measure, one cell a month."""
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
    layout = figure_layout(title, height, showlegend=True,
                           margin=dict(l=10, r=20, t=90, b=40))
    layout["xaxis"] = {"type": "date", "tickformat": "%b\n%Y", "showgrid": False,
                       "title": {"text": "Month"}}
    layout["yaxis"] = {"automargin": True, "showgrid": False, "zeroline": False,
                       "categoryorder": "array", "categoryarray": labels,
                       "rangemode": "normal"}
    layout["legend"] = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left",
                        "x": 0, "font": {"size": 12}}
    return {"data": [trace, *legend], "layout": layout}

