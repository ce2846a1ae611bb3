"""Compute derived metrics and headline KPIs from aggregated stored figures (pure functions)."""

from __future__ import annotations

import math
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
    if stored.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = stored.copy()
    frame["coverage"] = (frame["periods"] / frame["expected"]).clip(upper=1.0)
    frame["bucket_key"] = frame["bucket"].astype(object).where(frame["bucket"].notna(), "all")
    by_metric = {code: part.set_index("bucket_key") for code, part in frame.groupby("metric")}
    pieces = []
    for code in dict.fromkeys(codes):
        metric = catalogue[code]
        if not metric.derived:
            if code in by_metric:
                part = by_metric[code]
                pieces.append(pd.DataFrame({
                    "metric": code, "bucket": part["bucket"].values,
                    "value": part["value"].values, "coverage": part["coverage"].values,
                }))
            continue
        derived = _derive(metric, by_metric)
        if derived is not None:
            pieces.append(derived)
    if not pieces:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(pieces, ignore_index=True)[VALUE_COLUMNS]


def _derive(metric: DerivedDef, by_metric: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    parts = [*metric.numerator, *metric.denominator]
    if any(code not in by_metric for code in parts):
        return None
    keys = set.intersection(*(set(by_metric[code].index) for code in parts))
    if not keys:
        return None
    keys = sorted(keys, key=lambda k: (k == "all", str(k)))
    num = sum(by_metric[c].loc[keys, "value"].to_numpy() for c in metric.numerator)
    coverage = pd.concat([by_metric[c].loc[keys, "coverage"] for c in parts], axis=1).min(axis=1)
    if metric.denominator:
        den = sum(by_metric[c].loc[keys, "value"].to_numpy() for c in metric.denominator)
        values = [n / d * metric.scale if d else math.nan for n, d in zip(num, den)]
    else:
        values = list(num * metric.scale)
    bucket = by_metric[parts[0]].loc[keys, "bucket"].to_numpy()
    out = pd.DataFrame({"metric": metric.code, "bucket": bucket, "value": values,
                        "coverage": coverage.to_numpy()})
    return out.dropna(subset=["value"])


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its comparison against the same period a year earlier."""

    code: str
    label: str
    value: float | None
    previous: float | None
    coverage: float | None
    higher_is_better: bool | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
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
            label=metric.label,
            value=value,
            previous=_lookup(then, code, "value"),
            coverage=_lookup(now, code, "coverage"),
            higher_is_better=metric.higher_is_better,
        ))
    return result


def _lookup(frame: pd.DataFrame | None, code: str, column: str) -> float | None:
    if frame is None or code not in frame.index:
        return None
    value = frame.loc[code, column]
    if isinstance(value, pd.Series):
        value = value.iloc[0]
    return None if pd.isna(value) else float(value)
