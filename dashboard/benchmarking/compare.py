"""Compare one service with its peers, sensitively: the statistics and the disclosure rules.

For each measure: the own value, the peers' median, quartiles, minimum and maximum, the own
service's percentile rank and rank, and how many peers reported. The rules that protect peers
live here, in the data layer, so every client (pages, exports, the command line, Dash's callback
endpoint) gets the same protection:

- a peer is named only when its data source is public (published national returns) or the
  viewer is entitled to its source; otherwise it is "Peer A", "Peer B", ... with letters drawn
  afresh for every measure, group and period, so labels cannot be joined across views;
- no attribute of an anonymised peer is returned;
- when fewer than BENCHMARK_MIN_PEERS peers have data, every peer statistic, the rank and the
  peer values are withheld, with the reason.

Quartiles use linear interpolation between closest ranks (numpy's "linear" method, as Excel's
QUARTILE.INC and PERCENTILE.INC). The percentile rank is the share of reporting peers below the
own value, counting ties as half. Rank 1 is the best: the highest value when higher is better,
the lowest when lower is better; tied values share a rank.

Normalisation divides each service's figure by a denominator of the same service: its
population served (per 1,000), its total staff (per FTE/WTE), or its total expenditure (per
1,000 of currency). Services without the denominator are left out and counted. Measures that
are already rates or shares are compared as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..catalogue import CATALOGUE, Catalogue
from ..db import Database
from ..db.access import Viewer
from ..db.peers import aggregate_services
from ..db.services import get_service, service_directory
from ..formatting import currency_symbol
from ..periods import PeriodRange

QUARTILE_METHOD = ("linear interpolation between closest ranks (as Excel's QUARTILE.INC; "
                   "numpy's 'linear' method)")
NORMALISATIONS = ("raw", "population", "staff", "spend")
NORMALISATION_LABELS = {
    "raw": "As reported",
    "population": "Per 1,000 served",
    "staff": "Per FTE staff",
    "spend": "Per 1,000 spent",
}
# The stored or derived measure giving each sector's denominator (population is the service's).
STAFF_DENOMINATOR = {"nhs": "staff_total_wte", "academic": "staff_total_wte",
                     "other": "staff_total_wte", "public": "pls_total_staff_fte"}
SPEND_DENOMINATOR = {"nhs": "exp_total", "academic": "exp_total", "other": "exp_total",
                     "public": "pls_exp_total_operating"}
NORMALISABLE_UNITS = ("count", "currency", "hours", "wte", "headcount")


@dataclass
class PeerValue:
    """One peer's figure as the viewer may see it."""

    label: str            # the peer's name, or "Peer C"
    value: float
    named: bool
    code: str | None      # only when named


@dataclass
class Comparison:
    """Where a service stands among its peers on one measure."""

    metric: str
    name: str
    unit: str
    denominator: str                 # "" for raw; e.g. "per 1,000 people served"
    higher_is_better: bool | None
    own_value: float | None
    own_complete: bool
    n_group: int                     # peers in the group (the own service not counted)
    n_reporting: int                 # peers with a complete figure (and the denominator)
    n_no_denominator: int = 0
    n_incomplete: int = 0
    withheld: bool = False
    withheld_reason: str = ""
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    percentile: float | None = None  # 0-100
    rank: int | None = None          # 1 = best
    rank_of: int | None = None       # own service plus reporting peers
    peers: list[PeerValue] = field(default_factory=list)

    @property
    def rank_text(self) -> str:
        """Say the rank in words, e.g. '3rd of 14, higher is better'."""
        if self.rank is None or self.rank_of is None:
            return ""
        better = {True: "higher is better", False: "lower is better"}.get(
            self.higher_is_better, "no better direction")
        return f"{ordinal(self.rank)} of {self.rank_of:,}, {better}"

    @property
    def reporting_text(self) -> str:
        return f"{self.n_reporting:,} of {self.n_group:,} peers have data"

    def as_row(self) -> dict[str, Any]:
        """Return the figures as one flat row (for tables, CSV and JSON)."""
        return {
            "metric": self.metric, "measure": self.name, "unit": self.unit,
            "denominator": self.denominator or "as reported",
            "own_value": self.own_value, "median": self.median, "q1": self.q1,
            "q3": self.q3, "min": self.minimum, "max": self.maximum,
            "percentile": self.percentile, "rank": self.rank, "rank_of": self.rank_of,
            "rank_text": self.rank_text, "n_reporting": self.n_reporting,
            "n_group": self.n_group, "withheld": self.withheld_reason,
        }


def normalisable(metric) -> bool:
    """Say whether a measure may be divided by a denominator: counts, money, hours and staff
    may; percentages and measures that are already ratios (per capita, per 1,000) may not."""
    if metric.unit not in NORMALISABLE_UNITS:
        return False
    return not (metric.derived and metric.denominator)


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 21st, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def quartiles(values) -> tuple[float, float, float]:
    """Return (Q1, median, Q3) by linear interpolation (Excel QUARTILE.INC)."""
    q1, q2, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75], method="linear")
    return float(q1), float(q2), float(q3)


def percentile_rank(own: float, peers) -> float:
    """Return the percentage of peers below `own`, ties counting half."""
    peers = np.asarray(peers, dtype=float)
    below = float((peers < own).sum())
    ties = float((peers == own).sum())
    return 100.0 * (below + 0.5 * ties) / len(peers)


def competition_rank(own: float, peers, higher_is_better: bool | None) -> int:
    """Return the own value's rank among itself and the peers (1 = best, ties share)."""
    peers = np.asarray(peers, dtype=float)
    better = (peers < own) if higher_is_better is False else (peers > own)
    return int(better.sum()) + 1


def peer_letters(n: int) -> list[str]:
    """Return n labels: Peer A ... Peer Z, Peer AA, Peer AB, ..."""
    labels = []
    for i in range(n):
        text, k = "", i
        while True:
            text = chr(ord("A") + k % 26) + text
            k = k // 26 - 1
            if k < 0:
                break
        labels.append(f"Peer {text}")
    return labels


def _label_order(secret: str, context: str, codes: list[str]) -> dict[str, int]:
    """Return a keyed shuffle of codes: the same context gives the same order, another a new one."""
    keyed = sorted(codes, key=lambda c: hmac.new(secret.encode(), f"{context}|{c}".encode(),
                                                 hashlib.sha256).digest())
    return {code: i for i, code in enumerate(keyed)}


def names_shown(viewer: Viewer, source_codes: list, public: list) -> list[bool]:
    """Say, service by service, whether the viewer may see its name (asked once per source)."""
    allowed = {(code, flag): viewer.may_see_names(str(code), bool(flag))
               for code, flag in set(zip(source_codes, public))}
    return [allowed[key] for key in zip(source_codes, public)]


def _peer_values(viewer: Viewer, secret: str, directory: pd.DataFrame,
                 values: pd.Series, context: str) -> list[PeerValue]:
    """Return the peers' values, named where the viewer may see names, lettered otherwise."""
    sources = directory.loc[values.index, ["name", "source_code", "public"]]
    codes, names = values.index.tolist(), sources["name"].tolist()
    named = names_shown(viewer, sources["source_code"].tolist(), sources["public"].tolist())
    hidden = [code for code, is_named in zip(codes, named) if not is_named]
    order = _label_order(secret, context, hidden) if hidden else {}
    letters = peer_letters(len(order))
    peers = [PeerValue(label=name if is_named else letters[order[code]], value=value,
                       named=is_named, code=code if is_named else None)
             for code, value, name, is_named in zip(codes, values.astype(float).tolist(),
                                                    names, named)]
    peers.sort(key=lambda p: (-p.value, p.label))
    return peers


def denominator_measures(sector: str) -> dict[str, str]:
    """Return the measures a sector's figures are divided by, per staff and per spend."""
    return {"staff": STAFF_DENOMINATOR.get(sector, "staff_total_wte"),
            "spend": SPEND_DENOMINATOR.get(sector, "exp_total")}


def denominator_text(normalisation: str, sector: str, population_unit: str | None,
                     catalogue: Catalogue = CATALOGUE) -> str:
    """Name the denominator as titles and headers show it."""
    if normalisation == "population":
        unit = (population_unit or "people").split("(")[0].strip()
        return f"per 1,000 {unit} served"
    if normalisation == "staff":
        return "per FTE staff" if sector == "public" else "per WTE staff"
    if normalisation == "spend":
        metric = catalogue[denominator_measures(sector)["spend"]]
        return f"per {currency_symbol(metric)}1,000 spent"
    return ""


@dataclass
class ValueTable:
    """Every service's figure for each of some stored measures over one period.

    `wide` holds complete figures (service code x stored metric code); `incomplete` lists the
    (service, metric) pairs reported for part of the period only, which comparisons leave out
    and count. One table per sector and year serves every service and every peer group, so a
    shared cache may hold it (it pickles) and a comparison is then a matter of indexing.
    """

    period: PeriodRange
    metrics: frozenset[str]
    wide: pd.DataFrame
    incomplete: pd.DataFrame


def value_table(db: Database, viewer: Viewer, stored_codes, period: PeriodRange,
                service_codes=None) -> ValueTable:
    """Read the figures of stored measures over a period (every visible service, or some)."""
    codes = list(dict.fromkeys(stored_codes))
    frame = aggregate_services(db, viewer, codes, period, service_codes)
    done = frame["coverage"] >= 1.0 - 1e-9
    complete = frame[done]
    wide = complete.pivot(index="service", columns="metric", values="value") \
        if len(complete) else pd.DataFrame(dtype=float)
    return ValueTable(period, frozenset(codes), wide.astype(float),
                      frame.loc[~done, ["service", "metric"]].reset_index(drop=True))


def _wide_values(wide: pd.DataFrame, codes: list[str], catalogue: Catalogue) -> pd.DataFrame:
    """Compute the measures from stored figures (service x stored metric), column-wise."""
    out = pd.DataFrame(index=wide.index)
    for code in codes:
        metric = catalogue[code]
        if not metric.derived:
            out[code] = wide[code] if code in wide.columns else np.nan
            continue
        parts = [*metric.numerator, *metric.denominator]
        if any(p not in wide.columns for p in parts):
            out[code] = np.nan
            continue
        top = wide[list(metric.numerator)].sum(axis=1, skipna=False)
        if metric.denominator:
            bottom = wide[list(metric.denominator)].sum(axis=1, skipna=False)
            out[code] = (top / bottom.where(bottom != 0)) * metric.scale
        else:
            out[code] = top * metric.scale
    return out


def compare(
    db: Database,
    viewer: Viewer,
    config,
    own_code: str,
    peer_codes: list[str],
    metric_codes: list[str],
    period: PeriodRange,
    *,
    normalisation: str = "raw",
    group_key: str = "",
    with_peers: bool = True,
    catalogue: Catalogue = CATALOGUE,
    table: ValueTable | None = None,
    directory: pd.DataFrame | None = None,
) -> list[Comparison]:
    """Compare a service with a group of peers on each measure over a period.

    `peer_codes` is the peer group (the own service is dropped from it); `group_key` names the
    group (its definition) so that anonymised labels differ between groups. `with_peers`
    False leaves out the peer-by-peer values (a league table needs only the statistics).
    `table` (from `value_table`, for the same period and covering the measures) and
    `directory` (`Candidates.directory`) save reading figures and services again; without
    them, or when the table does not cover what is asked, they are read here.
    """
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalisation!r}")
    own = get_service(db, viewer, own_code)
    if own is None:
        raise LookupError(f"no service {own_code!r}")
    peers = [c for c in dict.fromkeys(peer_codes) if c != own_code]
    if directory is None:
        directory = service_directory(db, viewer, peers)
    known = set(directory.index)
    peers = [c for c in peers if c in known]
    metric_codes = [c for c in dict.fromkeys(metric_codes) if c in catalogue]
    denominators = denominator_measures(own.sector)
    needed = list(metric_codes)
    if normalisation in denominators:
        needed.append(denominators[normalisation])
    stored = catalogue.stored_codes_for(needed)
    everyone = [own_code, *peers]
    if table is None or table.period != period or not set(stored) <= table.metrics:
        table = value_table(db, viewer, stored, period, everyone)
    incomplete = table.incomplete
    if len(incomplete):
        incomplete = incomplete[incomplete["service"].isin(set(peers))]
    wide = _wide_values(table.wide.reindex(index=everyone, columns=stored), needed, catalogue)
    if normalisation == "population":
        population = directory["population"].reindex(everyone)
        population.loc[own_code] = own.population if own.population else np.nan
        denominator = population.where(population > 0) / 1000.0
    elif normalisation in denominators:
        denominator = wide[denominators[normalisation]]
        denominator = denominator.where(denominator > 0)
        if normalisation == "spend":
            denominator = denominator / 1000.0
    else:
        denominator = None
    minimum = int(config["BENCHMARK_MIN_PEERS"])
    secret = str(config["SECRET_KEY"])
    min_text = f"at least {minimum} are needed before peer figures are shown"
    results = []
    for code in metric_codes:
        metric = catalogue[code]
        values = wide[code]
        text = ""
        if denominator is not None and normalisable(metric) and \
                code != denominators.get(normalisation):
            text = denominator_text(normalisation, own.sector, own.population_unit, catalogue)
            lacking = values.notna() & denominator.isna()
            values = values / denominator
        else:
            lacking = pd.Series(False, index=values.index)
        own_value = values.get(own_code)
        own_value = None if own_value is None or pd.isna(own_value) else float(own_value)
        # Rows are the own service then the peers, in order: positions, not label lookups.
        peer_values = values.iloc[1:].dropna() if peers else pd.Series(dtype=float)
        n_incomplete = int(incomplete.loc[incomplete["metric"].isin(
            catalogue.stored_codes_for([code])), "service"].nunique()) if len(incomplete) else 0
        result = Comparison(
            metric=code, name=metric.name, unit=metric.unit, denominator=text,
            higher_is_better=metric.higher_is_better, own_value=own_value,
            own_complete=own_value is not None, n_group=len(peers),
            n_reporting=len(peer_values),
            n_no_denominator=int(lacking.iloc[1:].sum()) if peers else 0,
            n_incomplete=n_incomplete,
        )
        if len(peer_values) < minimum:
            result.withheld = True
            result.withheld_reason = (f"withheld: only {len(peer_values)} of {len(peers)} peers "
                                      f"have data; {min_text}")
            results.append(result)
            continue
        array = peer_values.to_numpy(dtype=float)
        result.q1, result.median, result.q3 = quartiles(array)
        result.minimum, result.maximum = float(array.min()), float(array.max())
        if own_value is not None and math.isfinite(own_value):
            result.percentile = percentile_rank(own_value, array)
            result.rank = competition_rank(own_value, array, metric.higher_is_better)
            result.rank_of = len(array) + 1
        if with_peers:
            result.peers = _peer_values(viewer, secret, directory, peer_values,
                                        f"{code}|{group_key}|{period.start}|{period.end}|"
                                        f"{normalisation}")
        results.append(result)
    return results
