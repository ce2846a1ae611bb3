"""Compute derived metrics and headline KPIs from aggregated stored figures (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import CATALOGUE, Catalogue, DerivedDef


def derived_values(cells: dict[str, dict], codes,
                   catalogue: Catalogue = CATALOGUE) -> dict[str, dict]:
    """Return {code: {bucket: (value, coverage)}} for stored and derived metrics.

    `cells` holds stored metrics the same way (dashboard.db.aggregates' form); a stored
    metric is taken as it is, a derived one computed in every bucket where all its parts have
    values. Every code gets an entry, empty where there is no value.
    """
    result = {}
    for code in dict.fromkeys(codes):
        metric = catalogue[code]
        result[code] = _derive(metric, cells) if metric.derived else cells.get(code, {})
    return result


def _derive(metric: DerivedDef, cells: dict[str, dict]) -> dict:
    """Compute a derived metric in every bucket where all its components have values.

    The sums add the components in catalogue order, as sum() does; coverage is the lowest of
    the components'.
    """
    tops = [cells.get(code) for code in metric.numerator]
    bottoms = [cells.get(code) for code in metric.denominator]
    if any(part is None for part in tops) or any(part is None for part in bottoms):
        return {}
    first, others, scale = tops[0], tops[1:], metric.scale
    result = {}
    for bucket, (value, coverage) in first.items():
        top = 0 + value
        for part in others:
            cell = part.get(bucket)
            if cell is None:
                break
            top += cell[0]
            coverage = min(coverage, cell[1])
        else:
            if not bottoms:
                result[bucket] = (top * scale, coverage)
                continue
            bottom = 0
            for part in bottoms:
                cell = part.get(bucket)
                if cell is None:
                    break
                bottom += cell[0]
                coverage = min(coverage, cell[1])
            else:
                if bottom:
                    result[bucket] = (top / bottom * scale, coverage)
    return result


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its comparison against the same period a year earlier.

    The comparison (previous_incomplete, change, change_pct, direction, assessment) is worked
    out once, when the KPI is made: a tile reads it many times.
    """

    code: str
    label: str
    value: float | None
    previous: float | None
    coverage: float | None
    higher_is_better: bool | None
    previous_coverage: float | None = None
    is_total: bool = False  # a sum over time, which an incomplete period understates
    # Whether the earlier period is too incomplete to compare a total with.
    previous_incomplete: bool = field(init=False, repr=False, compare=False)
    change: float | None = field(init=False, repr=False, compare=False)
    change_pct: float | None = field(init=False, repr=False, compare=False)
    # 'up', 'down' or 'flat' (within 0.5%), or None with nothing to compare.
    direction: str | None = field(init=False, repr=False, compare=False)
    # 'good', 'bad' or 'neutral' from the direction and whether higher is better.
    assessment: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        incomplete = (self.is_total and self.previous is not None
                      and (self.previous_coverage or 0) < (self.coverage or 0) - 1e-9)
        change = pct = direction = None
        if self.value is not None and self.previous is not None and not incomplete:
            change = self.value - self.previous
            pct = change / abs(self.previous) * 100.0 if self.previous else None
            if pct is not None and abs(pct) < 0.5 or change == 0:
                direction = "flat"
            else:
                direction = "up" if change > 0 else "down"
        if direction in (None, "flat") or self.higher_is_better is None:
            assessment = "neutral"
        else:
            assessment = "good" if (direction == "up") == self.higher_is_better else "bad"
        for name, value in (("previous_incomplete", incomplete), ("change", change),
                            ("change_pct", pct), ("direction", direction),
                            ("assessment", assessment)):
            object.__setattr__(self, name, value)


def kpis_from_values(codes, current: dict[str, dict], previous: dict[str, dict],
                     catalogue: Catalogue = CATALOGUE) -> list[Kpi]:
    """Build KPIs from range totals in derived_values' form ({code: {None: (value,
    coverage)}}; a missing or empty entry means no figure)."""
    result = []
    for code in codes:
        metric = catalogue[code]
        value, coverage = _total(current, code)
        earlier, earlier_coverage = _total(previous, code)
        result.append(Kpi(
            code=code,
            label=metric.name,
            value=value,
            previous=earlier,
            coverage=coverage,
            higher_is_better=metric.higher_is_better,
            previous_coverage=earlier_coverage,
            is_total=_is_total(metric, catalogue),
        ))
    return result


def _total(values: dict[str, dict], code: str) -> tuple[float | None, float | None]:
    for value, coverage in (values.get(code) or {}).values():
        return _number(value), _number(coverage)
    return None, None


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)  # NaN is no figure


def _is_total(metric, catalogue: Catalogue) -> bool:
    """Return whether a metric sums over time (directly, or as a total of sums)."""
    if not metric.derived:
        return metric.aggregation == "sum"
    parts = [*metric.numerator, *metric.denominator]
    return any(catalogue[c].aggregation == "sum" for c in parts)
