"""Re-theme a figure for presentation mode: larger type in AAA-contrast colours, thicker lines
and markers, darker gridlines."""

from __future__ import annotations

import copy
import re

from .theme import FONT, contrast_ratio

PRESENT_TEXT = "#0b0c0c"   # near black: 19:1 on white
PRESENT_LINE = "#425563"   # axis lines and zero lines: 7.7:1 on white
PRESENT_GRID = "#768692"   # gridlines a projector still shows (3.7:1 on white)
PRESENT_FONT = 20          # chart text at 1280×720; the page scales it for larger screens
PRESENT_TITLE_FONT = 28
MIN_TEXT_CONTRAST = 7.0    # WCAG AAA for text


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
