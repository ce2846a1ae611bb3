"""Draw the executive view's charts: each measure's change on last year, and where the service
stands among similar services."""

from __future__ import annotations

from .theme import BAND_COLOUR, GRID, MUTED, PEER_COLOUR, QUARTILE_COLOURS, TEXT, figure_layout

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
    layout = figure_layout(title, height or max(260, 110 + 44 * len(rows)), showlegend=False,
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
    layout = figure_layout(title, height or max(260, 120 + 48 * len(rows)), showlegend=False,
                           barmode="overlay",
                           xaxis={"title": {"text": "Share of similar services this one does "
                                                    "better than (%)"},
                                  "range": [-6, 106], "tickvals": [0, 25, 50, 75, 100],
                                  "ticktext": ["0%", "25%", "50%", "75%", "100%"],
                                  "showgrid": True, "gridcolor": GRID, "zeroline": False},
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


