"""Put a dashboard panel into words and a table: its caption, alt text and the data it draws.

The same functions serve the page (alt text and "show data" tables for screen-reader users)
and every snapshot format (captions, speaker notes, XLSX sheets), so the words and figures
never differ between screen and download. Captions claim only what the figures show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .catalogue import CATALOGUE
from .formatting import format_value, share_text, value_formatter

if TYPE_CHECKING:
    from .views import Point

TABLE_COLUMNS = ("Measure", "Measure code", "Period", "Value", "Unit", "Share of total",
                 "Share of period reported")
KIND_WORDS = {"breakdown": "Bar chart", "shares": "Bar chart", "trend": "Line chart",
              "stacked": "Stacked bar chart", "ratio": "Line chart"}


def panel_rows(data) -> list[Point]:
    """Return the figures a panel draws, in the panel's measure order, then by period: its
    points (views.Point: metric, period, value, coverage ...), which the page's path reads
    as they are (no DataFrame, no copy)."""
    order = {m: i for i, m in enumerate(data.panel.metrics)}
    periods = {p: i for i, p in enumerate(data.periods or [])}
    return sorted(data.points, key=lambda r: (order.get(r.metric, 99), periods.get(r.period, 0)))


def _is_breakdown(data) -> bool:
    return data.panel.kind in ("breakdown", "shares")


def panel_table(data) -> pd.DataFrame:
    """Return exactly the figures a panel draws, with readable column names."""
    rows = panel_rows(data)
    total = sum(r.value for r in rows) if _is_breakdown(data) and data.panel.parts_of_whole \
        else None
    records = []
    for r in rows:
        metric = CATALOGUE[r.metric]
        share = r.value / total if total else None
        records.append((metric.name, r.metric, r.period, r.value, _unit(metric), share,
                        r.coverage))
    table = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    if total is None:
        table = table.drop(columns="Share of total")
    return table


def unit_words(metric) -> str:
    """Name a measure's unit for a table column: "GBP", "%", "WTE", "count" ..."""
    return _unit(metric)


def _unit(metric) -> str:
    if getattr(metric, "display", "") == "one_in_n":
        return "WTE served per qualified WTE (1:N)"
    if metric.unit == "currency":
        return metric.currency or "GBP"
    return {"wte": "WTE", "headcount": "people", "count": "count", "percent": "%",
            "hours": "hours"}.get(metric.unit, metric.unit)


def _extremes(rows: list[Point]) -> tuple[Point, Point]:
    lowest = min(rows, key=lambda r: r.value)
    highest = max(rows, key=lambda r: r.value)
    return lowest, highest


def panel_alt_text(data, rows: list[Point] | None = None) -> str:
    """Describe a chart for someone who cannot see it: kind, title and the figures' shape.

    `rows` are the panel's panel_rows, where the caller has them already."""
    kind = KIND_WORDS.get(data.panel.kind, "Chart")
    rows = panel_rows(data) if rows is None else rows
    if not rows:
        return f"{kind}: {data.title}. {data.empty_message or 'No figures.'}"
    parts = [f"{kind}: {data.title}."]
    if _is_breakdown(data):
        total = sum(r.value for r in rows) if data.panel.parts_of_whole else None
        items = []
        for r in rows:
            metric = CATALOGUE[r.metric]
            text = f"{metric.label} {format_value(r.value, metric)}"
            if total:
                text += f" ({share_text(r.value, total)})"
            items.append(text)
        parts.append("; ".join(items) + ".")
    else:
        by_metric: dict[str, list[Point]] = {}
        for r in rows:
            by_metric.setdefault(r.metric, []).append(r)
        for code, series in by_metric.items():
            metric = CATALOGUE[code]
            if len(series) == 1:
                parts.append(f"{metric.label}: {format_value(series[0].value, metric)} in "
                             f"{series[0].period}.")
                continue
            low, high = _extremes(series)
            parts.append(
                f"{metric.label}: {format_value(series[0].value, metric)} in {series[0].period}"
                f", {format_value(series[-1].value, metric)} in {series[-1].period}; lowest "
                f"{format_value(low.value, metric)} ({low.period}), highest "
                f"{format_value(high.value, metric)} ({high.period}).")
        periods = data.periods or []
        missing = len(periods) - len({r.period for r in rows})
        if missing > 0:
            parts.append(f"{missing} of {len(periods)} periods have no figures.")
    return " ".join(parts)


def panel_caption(data) -> str:
    """Write one plain-English sentence about what a panel's figures show."""
    rows = panel_rows(data)
    when = data.title.rsplit(", ", 1)[-1] if ", " in data.title else ""
    if not rows:
        return data.empty_message or "No figures."
    if _is_breakdown(data):
        top = max(rows, key=lambda r: r.value)
        metric = CATALOGUE[top.metric]
        tied = sum(1 for r in rows if r.value == top.value) > 1
        if len(rows) == 1:
            return f"{metric.name}: {format_value(top.value, metric)} in {when}."
        if data.panel.kind == "shares":
            lead = "Among the most reported" if tied else "Most often reported"
            return (f"{lead}: {metric.label.lower()}, by "
                    f"{format_value(top.value, metric)} of respondents in {when}.")
        total = sum(r.value for r in rows)
        if data.panel.parts_of_whole and total > 0:
            lead = "Joint largest" if tied else "Largest"
            return (f"{lead}: {metric.label}, {format_value(top.value, metric)} of "
                    f"{format_value(total, metric)} ({top.value / total:.0%}) in {when}.")
        lead = "Joint highest" if tied else "Highest"
        return f"{lead}: {metric.label}, {format_value(top.value, metric)} in {when}."
    first = rows[0].metric
    series = [r for r in rows if r.metric == first]
    metric = CATALOGUE[first]
    if len(series) == 1:
        return f"{metric.label}: {format_value(series[0].value, metric)} in {series[0].period}."
    low, high = _extremes(series)
    if low.value == high.value:
        return (f"{metric.label}: {format_value(low.value, metric)} in every period shown "
                f"({len(series)} periods).")
    return (f"{metric.label}: highest in {high.period} ({format_value(high.value, metric)}), "
            f"lowest in {low.period} ({format_value(low.value, metric)}).")


def table_markdown(table: pd.DataFrame, metric_codes: list[str] | None = None) -> str:
    """Return a table as GitHub-flavoured Markdown, values formatted for reading."""
    if table.empty:
        return "No figures."
    shown = table.drop(columns=[c for c in ("Measure code",) if c in table.columns])
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in shown.columns) + "|"
    lines = [header, rule]
    codes = list(table["Measure code"]) if "Measure code" in table.columns else \
        (metric_codes or [None] * len(table))
    for code, (_, row) in zip(codes, shown.iterrows()):
        cells = []
        for column, value in row.items():
            cells.append(_cell(column, value, code))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


COUNT_COLUMNS = ("Rank", "Of", "Rank of", "Peers")  # whole numbers, not the measure's unit


def _cell(column: str, value, code) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if column.startswith("Share"):
            return f"{number:.0%}"
        if column.endswith("(%)") or "(% of" in column:
            return f"{number:+.1f}%" if column.startswith("Change") else f"{number:.0f}%"
        if column.startswith(COUNT_COLUMNS) or code not in CATALOGUE:
            return f"{number:,.0f}" if number.is_integer() else f"{number:,.3g}"
        return _escape(format_value(number, CATALOGUE[code]))
    text = str(value)
    return _escape(text).replace("\n", " ")


def rows_markdown(data, rows: list[Point] | None = None) -> str:
    """Return the figures a panel draws as a Markdown table (the page's "show data").

    `rows` are the panel's panel_rows, where the caller has them already."""
    rows = panel_rows(data) if rows is None else rows
    if not rows:
        return data.empty_message or "No figures."
    total = sum(r.value for r in rows) if _is_breakdown(data) and data.panel.parts_of_whole \
        else None
    header = ["Measure", "Period", "Value"] + (["Share"] if total else []) + \
        ["Share of period reported"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    named: dict[str, tuple] = {}  # metric code -> (escaped label, value formatter)
    for r in rows:
        found = named.get(r.metric)
        if found is None:
            metric = CATALOGUE[r.metric]
            found = named[r.metric] = (_escape(metric.label), value_formatter(metric))
        label, formatted = found
        share = f" | {share_text(r.value, total)}" if total else ""
        lines.append(f"| {label} | {_escape(r.period)} | {_escape(formatted(r.value))}{share} "
                     f"| {r.coverage:.0%} |")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Keep a Markdown table cell one cell: a | inside it is escaped."""
    return text.replace("|", "\\|") if "|" in text else text
