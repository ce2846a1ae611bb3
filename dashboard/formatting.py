"""Format figures for people: thousands separators, currency, percentages, 1:N ratios."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}
UNIT_LABELS = {
    "wte": "WTE",
    "headcount": "people",
    "count": "",
    "percent": "%",
    "hours": "hours",
}


def currency_symbol(metric) -> str:
    return CURRENCY_SYMBOLS.get(getattr(metric, "currency", None) or "GBP", "")


def unit_label(metric) -> str:
    """Return the unit for an axis title: '£', 'WTE', '%', 'hours' or 'count'."""
    if getattr(metric, "display", "") == "one_in_n":
        return "WTE served per qualified WTE"
    if metric.unit == "currency":
        return f"{currency_symbol(metric)} ({metric.currency or 'GBP'})"
    return UNIT_LABELS.get(metric.unit) or "Number"


def format_number(value: float | None, decimals: int | None = None) -> str:
    """Format with thousands separators; decimals chosen by size when not given."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        magnitude = abs(value)
        if magnitude >= 100 or float(value).is_integer():
            decimals = 0
        elif magnitude >= 10:
            decimals = 1
        else:
            decimals = 2 if magnitude < 1 else 1
    if -999.0 < value < 999.0:  # no thousands to separate: the cheaper format
        return f"{value:.{decimals}f}"
    return f"{value:,.{decimals}f}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Say a count with its noun agreeing: '1 figure', '2 figures', '1,200 services'.

    `plural_form` is for nouns (or noun and verb) that do not just take an s:
    plural(n, "value was", "values were").
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def format_value(value: float | None, metric) -> str:
    """Format a metric's value with its unit, e.g. '£12,345', '1:1,730', '45.2%', '5.4 WTE'."""
    return value_formatter(metric)(value)


def value_formatter(metric) -> Callable[[float | None], str]:
    """Return format_value for one metric as a function of the value alone: the unit's branch
    is chosen once, for the long runs of values a chart's hover text formats."""
    return _formatter(getattr(metric, "display", ""), getattr(metric, "unit", None),
                      getattr(metric, "currency", None))


def format_values(values, metric) -> list[str]:
    """Return format_value of each value: a chart's hover text, for long runs of values."""
    fixed = _FIXED.get(_fixed_key(getattr(metric, "display", ""), getattr(metric, "unit", None)))
    if fixed is not None:  # one format for every size: str.format, no call of ours per value
        return [fixed(v) if v is not None and v == v else "No data" for v in values]
    return list(map(value_formatter(metric), values))


def _grouped(pattern: str) -> Callable[[float], str]:
    """Return pattern.format for one number with a thousands separator (pattern's ","),
    skipping the separator below a thousand, where it writes nothing and costs the most."""
    small, large = pattern.replace(",", "", 1).format, pattern.format

    def formatted(value: float) -> str:
        return small(value) if -999.0 < value < 999.0 else large(value)
    return formatted


# The units whose values are formatted the same way whatever their size.
_FIXED = {"one_in_n": _grouped("1:{:,.0f}"), "percent": _grouped("{:,.1f}%"),
          "wte": _grouped("{:,.1f} WTE")}


def _fixed_key(display: str, unit: str | None) -> str | None:
    return "one_in_n" if display == "one_in_n" else unit


@functools.lru_cache(maxsize=64)
def _formatter(display: str, unit: str | None,
               currency: str | None) -> Callable[[float | None], str]:
    def missing(value) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value))

    fixed = _FIXED.get(_fixed_key(display, unit))
    if fixed is not None:
        return lambda v: "No data" if missing(v) else fixed(v)
    if unit == "currency":
        symbol = CURRENCY_SYMBOLS.get(currency or "GBP", "")

        def money(v):
            if missing(v):
                return "No data"
            size = abs(v)
            if size < 100:
                return f"{'-' if v < 0 else ''}{symbol}{size:.2f}"
            if size < 999:
                return f"{'-' if v < 0 else ''}{symbol}{size:.0f}"
            return f"{'-' if v < 0 else ''}{symbol}{size:,.0f}"
        return money
    if unit == "hours":
        return lambda v: "No data" if missing(v) else f"{format_number(v)} hours"
    return lambda v: "No data" if missing(v) else format_number(v)


def format_change(pct: float | None) -> str:
    """Format a percentage change with an explicit sign: '+12.0%', '-3.4%', 'no change'."""
    if pct is None:
        return ""
    if abs(pct) < 0.05:
        return "no change"
    return f"{pct:+,.1f}%"


def change_text(kpi, metric) -> str:
    """Describe a KPI's change: '+12.0%', '+1.1 pts' for percentages, or 'no change'."""
    if kpi.change is None:
        return ""
    if kpi.direction == "flat" and abs(kpi.change) < 1e-9 or kpi.change == 0:
        return "no change"
    if metric.unit == "percent":
        return f"{kpi.change:+,.1f} pts"
    if kpi.change_pct is not None:
        return format_change(kpi.change_pct)
    sign = "+" if kpi.change > 0 else "-"
    return sign + format_value(abs(kpi.change), metric)


def tick_format(metric) -> str:
    """Return a d3 format for axis ticks: thousands separators, no needless decimals."""
    if getattr(metric, "display", "") == "one_in_n":
        return ",.0f"
    if metric.unit in ("percent", "wte"):
        return ",.1~f"
    return ",.0f"


def share_text(value: float, total: float) -> str:
    """Say a part's share of a total as charts label it: "83%", or "<1%" for a sliver."""
    share = value / total
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"
