"""Compute derived metrics and headline KPIs from aggregated stored figures (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .catalogue import CATALOGUE, Catalogue, DerivedDef

VALUE_COLUMNS = ["metric", "bucket", "value", "coverage"]


def metric_values(stored: pd.DataFrame, codes, catalogue: Catalogue = CATALOGUE) -> pd.DataFrame:
    """Return values of the requested stored and derived metrics for every bucket.

    `stored` is the output of queries.aggregate. A derived metric needs every one of its
    components in a bucket; otherwise it is missing there (never a partial total). Coverage is
    the share of expected periods reported (the lowest of the components for derived ones).
    """
    cells: dict[str, dict] = {}
    for metric, bucket, value, periods, expected in zip(
            stored["metric"], stored["bucket"], stored["value"], stored["periods"],
            stored["expected"]):
        cells.setdefault(metric, {})[bucket] = (float(value), min(1.0, periods / expected))
    records = []
    for code in dict.fromkeys(codes):
        metric = catalogue[code]
        series = _derive(metric, cells) if metric.derived else cells.get(code, {})
        records.extend((code, bucket, value, coverage)
                       for bucket, (value, coverage) in series.items())
    return pd.DataFrame(records, columns=VALUE_COLUMNS)


def _derive(metric: DerivedDef, cells: dict[str, dict]) -> dict:
    """Compute a derived metric in every bucket where all its components have values."""
    parts = [*metric.numerator, *metric.denominator]
    if any(code not in cells for code in parts):
        return {}
    buckets = [b for b in cells[parts[0]] if all(b in cells[code] for code in parts[1:])]
    result = {}
    for bucket in buckets:
        top = sum(cells[code][bucket][0] for code in metric.numerator)
        coverage = min(cells[code][bucket][1] for code in parts)
        if metric.denominator:
            bottom = sum(cells[code][bucket][0] for code in metric.denominator)
            if not bottom:
                continue
            result[bucket] = (top / bottom * metric.scale, coverage)
        else:
            result[bucket] = (top * metric.scale, coverage)
    return result


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its comparison against the same period a year earlier."""

    code: str
    label: str
    value: float | None
    previous: float | None
    coverage: float | None
    higher_is_better: bool | None
    previous_coverage: float | None = None
    is_total: bool = False  # a sum over time, which an incomplete period understates

    @property
    def previous_incomplete(self) -> bool:
        """Return whether the earlier period is too incomplete to compare a total with."""
        if not self.is_total or self.previous is None:
            return False
        return (self.previous_coverage or 0) < (self.coverage or 0) - 1e-9

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None or self.previous_incomplete:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return self.change / abs(self.previous) * 100.0

    @property
    def direction(self) -> str | None:
        """Return 'up', 'down' or 'flat' (within 0.5%), or None with nothing to compare."""
        if self.change is None:
            return None
        pct = self.change_pct
        if pct is not None and abs(pct) < 0.5 or self.change == 0:
            return "flat"
        return "up" if self.change > 0 else "down"

    @property
    def assessment(self) -> str:
        """Return 'good', 'bad' or 'neutral' from the direction and whether higher is better."""
        if self.direction in (None, "flat") or self.higher_is_better is None:
            return "neutral"
        improved = (self.direction == "up") == self.higher_is_better
        return "good" if improved else "bad"


def kpis(codes, current: pd.DataFrame, previous: pd.DataFrame,
         catalogue: Catalogue = CATALOGUE) -> list[Kpi]:
    """Build KPIs from range totals (metric_values output with one bucket per metric)."""
    now = current.set_index("metric") if not current.empty else None
    then = previous.set_index("metric") if not previous.empty else None
    result = []
    for code in codes:
        metric = catalogue[code]
        value = _lookup(now, code, "value")
        result.append(Kpi(
            code=code,
            label=metric.name,
            value=value,
            previous=_lookup(then, code, "value"),
            coverage=_lookup(now, code, "coverage"),
            higher_is_better=metric.higher_is_better,
            previous_coverage=_lookup(then, code, "coverage"),
            is_total=_is_total(metric, catalogue),
        ))
    return result


def _is_total(metric, catalogue: Catalogue) -> bool:
    """Return whether a metric sums over time (directly, or as a total of sums)."""
    if not metric.derived:
        return metric.aggregation == "sum"
    parts = [*metric.numerator, *metric.denominator]
    return any(catalogue[c].aggregation == "sum" for c in parts)


def _lookup(frame: pd.DataFrame | None, code: str, column: str) -> float | None:
    if frame is None or code not in frame.index:
        return None
    value = frame.loc[code, column]
    if isinstance(value, pd.Series):
        value = value.iloc[0]
    return None if pd.isna(value) else float(value)
