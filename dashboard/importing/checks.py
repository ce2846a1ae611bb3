"""Warn about figures worth a second look before they are stored: periods after this month,
values far outside a service's own history, and stored values an import replaces.

Pure functions of the figures (the data seam, dashboard.db.imports, reads the stored history
and calls them inside the import's transaction). The outlier rule's constants are here, and the
data-quality page (dashboard.quality) judges stored figures by the same ones.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..formatting import plural
from . import Problem

OUTLIER_MADS = 3.0
MAD_SCALE = 1.4826  # makes the median absolute deviation estimate a normal standard deviation
MIN_RELATIVE_SPREAD = 0.1  # a steady series does not make a 10% swing an outlier
MIN_HISTORY = 6  # stored values needed before a new one is called far from them


def replaced_warning(replaced: int, dry_run: bool) -> Problem:
    """Point out that stored values change, and that undoing the import brings them back."""
    values, them = plural(replaced, "stored value"), "it" if replaced == 1 else "them"
    if dry_run:
        return Problem(f"{values} would be replaced (old → new listed below); undoing the import "
                       f"would restore {them}.", severity="warning")
    return Problem(f"{values} {'was' if replaced == 1 else 'were'} replaced (old → new listed "
                   f"below); undoing this import restores {them}.", severity="warning")


def future_periods(obs: pd.DataFrame, today: dt.date | None = None) -> list[Problem]:
    """Warn about figures for periods that start after the current month (a mistyped year?)."""
    if obs.empty:
        return []
    today = today or dt.date.today()
    this_month = dt.date(today.year, today.month, 1)
    later = {start for start in set(obs["period_start"]) if start > this_month}
    if not later:
        return []
    future = obs[obs["period_start"].isin(later)]
    first = future.iloc[0]
    return [Problem(
        f"{plural(len(future), 'figure is for a period', 'figures are for periods')} after "
        f"this month (first: service {first['service']}, metric {first['metric']}, "
        f"{first['period_start']:%Y-%m}); check the dates", row=int(first["source_row"]),
        severity="warning")]


def outlier_stats(history: pd.DataFrame) -> pd.DataFrame:
    """Return the median and spread of each stored series long enough to judge a value by.

    `history` holds stored values (service_id, metric_id, period_type, value, none missing).
    A series is a service's values of one measure and period type; it needs MIN_HISTORY values
    and must not be constant. Its spread is the scaled median absolute deviation, or
    MIN_RELATIVE_SPREAD of the median when that is larger. Indexed by the series; vectorised
    (no Python call per series: a national return has hundreds of thousands of them).
    """
    keys = ["service_id", "metric_id", "period_type"]
    counts = history.groupby(keys, sort=False)["value"].transform("count")
    history = history.loc[counts >= MIN_HISTORY, [*keys, "value"]]
    medians = history.groupby(keys, sort=False)["value"].transform("median")
    history = history.assign(deviation=(history["value"] - medians).abs())
    stats = history.groupby(keys).agg(median=("value", "median"), mad=("deviation", "median"))
    stats["mad"] *= MAD_SCALE
    stats = stats[stats["mad"] > 0]  # a constant series: nothing to measure a deviation against
    floor = MIN_RELATIVE_SPREAD * stats["median"].abs()
    stats["spread"] = stats["mad"].where(stats["mad"] > floor, floor)
    return stats[stats["spread"] > 0]


def outliers(obs: pd.DataFrame, history: pd.DataFrame, service_ids: dict[str, int],
             metric_ids: dict[str, int]) -> list[Problem]:
    """Warn about new or changed values far from the service's own history of the measure.

    Far means beyond OUTLIER_MADS times the scaled median absolute deviation of the stored
    values of the same service, measure and period type (at least MIN_HISTORY of them), or of
    MIN_RELATIVE_SPREAD of their median when that is larger (a steady series does not make a
    10% swing an outlier). Values already stored as they are raise no warning. `history`
    holds the stored figures of the services and measures imported (service_id, metric_id,
    period_type, period_start, team, value; none missing).
    """
    if history.empty or obs.empty:
        return []
    stats = outlier_stats(history)
    if stats.empty:
        return []
    frame = obs[obs["value"].notna()].assign(
        service_id=obs["service"].map(service_ids), metric_id=obs["metric"].map(metric_ids))
    frame = frame.join(stats, on=["service_id", "metric_id", "period_type"], how="inner")
    far = frame[(frame["value"] - frame["median"]).abs() > OUTLIER_MADS * frame["spread"]]
    if far.empty:
        return []
    stored = {(r.service_id, r.metric_id, r.period_type, str(r.period_start)[:10], r.team or ""):
              r.value for r in history.itertuples(index=False)}
    keys = zip(far["service_id"], far["metric_id"], far["period_type"],
               far["period_start"].astype(str).str[:10], far["team"].fillna(""))
    far = far[[stored.get(key) != value for key, value in zip(keys, far["value"])]]
    problems = []
    for row in far.head(200).itertuples():
        problems.append(Problem(
            f"{row.value:,.6g} is far outside this service's own history for {row.metric} "
            f"(median {row.median:,.6g}); check it", row=int(row.source_row),
            column=str(row.source_column), value=f"{row.value:,.6g}", severity="warning"))
    if len(far) > 200:
        problems.append(Problem(f"and {plural(len(far) - 200, 'more value')} far outside their "
                                "history", severity="warning"))
    return problems
