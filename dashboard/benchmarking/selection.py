"""Choose a service's peer group: by attributes, size, nearest neighbours and by hand.

`build_group` applies a PeerDefinition's parts in the fixed order its module
(dashboard.benchmarking.definition) sets out. The candidates, every service peers may be
chosen from, are read once (`load_candidates`) and reused; all reading goes through
dashboard.db.peers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..db import Database
from ..db.access import Viewer
from ..db.peers import latest_year_values, peer_candidates, stored_neighbours
from ..settings import Config
from .definition import COMPUTED, SAME, PeerDefinition, by_hand_only, match_key, quoted
from .describe import attribute_label, describe, member_reasons, service_count

_NOBODY = np.zeros(0, dtype=int)  # no candidate positions


# ---------------------------------------------------------------------------------------------
# Candidates: the services peers are picked from, loaded once and reused
# ---------------------------------------------------------------------------------------------


def _numeric(value: Any) -> float:
    """Return a stored value as a number, NaN when missing or not numeric (booleans too)."""
    if value is None or isinstance(value, (bool, np.bool_, dict, list)):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


class Candidates:
    """The services peers are picked from, with matching keys computed once per column.

    Build it once (`load_candidates`) and pass it to every `build_group`: the costly part,
    reading and flattening every service, is then not repeated. It pickles, so a shared cache
    may hold it.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        self.codes = self.frame["code"].to_numpy(dtype=object)
        self.position = {code: i for i, code in enumerate(self.codes)}
        self._keys: dict[str, np.ndarray] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._directory: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def keys(self, column: str) -> np.ndarray:
        """Return the column's values as matching text (None when missing)."""
        if column not in self._keys:
            memo: dict[tuple[type, Any], str | None] = {}  # few distinct values per column
            keys = []
            for value in self.frame[column].tolist():
                try:
                    keys.append(memo[(type(value), value)])
                except KeyError:
                    keys.append(memo.setdefault((type(value), value), match_key(value)))
                except TypeError:  # unhashable (a list or dict attribute)
                    keys.append(None)
            self._keys[column] = np.array(keys, dtype=object)
        return self._keys[column]

    def numbers(self, column: str) -> np.ndarray:
        """Return the column's values as floats (NaN when missing or not numeric)."""
        if column not in self._numbers:
            self._numbers[column] = np.array([_numeric(v) for v in self.frame[column].tolist()],
                                             dtype=float)
        return self._numbers[column]

    @property
    def directory(self) -> pd.DataFrame:
        """The services as `dashboard.db.services.service_directory` gives them (for comparisons)."""
        if self._directory is None:
            self._directory = self.frame.set_index("code")[
                ["name", "population", "population_unit", "source", "public"]
            ].rename(columns={"source": "source_code"})
        return self._directory

    def row(self, code: str) -> dict[str, Any] | None:
        i = self.position.get(code)
        return None if i is None else self.frame.iloc[i].to_dict()


def load_candidates(db: Database, viewer: Viewer, sector: str | None = None) -> Candidates:
    """Read the services peers may be chosen from (one sector, or all) for reuse."""
    return Candidates(peer_candidates(db, viewer, sector=sector))


# ---------------------------------------------------------------------------------------------
# Size bands
# ---------------------------------------------------------------------------------------------


def size_bands(values: Iterable[float], n: int) -> list[tuple[float, float]]:
    """Return n quantile bands (low, high) of the values; missing values are ignored.

    Edges are numpy's default (linear) quantiles at 0, 1/n ... 1. A band holds low <= value <
    high, the last one also its high (the maximum). Ties can make a band empty.
    """
    if n < 1:
        raise ValueError("at least one band")
    data = np.asarray([v for v in values if v is not None], dtype=float)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return []
    edges = np.quantile(data, np.arange(n + 1) / n)
    return [(float(edges[i]), float(edges[i + 1])) for i in range(n)]


def band_of(value: float, bands: list[tuple[float, float]]) -> int | None:
    """Return the index of the band holding a value (see size_bands), or None if outside."""
    if value is None or not math.isfinite(value) or not bands:
        return None
    for i, (low, high) in enumerate(bands):
        if low <= value < high:
            return i
    return len(bands) - 1 if value == bands[-1][1] else None


def _in_band(population: np.ndarray, low: float | None, high: float | None,
             closed: bool = False) -> np.ndarray:
    keep = np.isfinite(population)
    if low is not None:
        keep &= population >= low
    if high is not None:
        keep &= (population <= high) if closed else (population < high)
    return keep


# ---------------------------------------------------------------------------------------------
# Building a group
# ---------------------------------------------------------------------------------------------


@dataclass
class PeerGroup:
    """A built peer group: member codes and how they were chosen (never names)."""

    own: str | None
    definition: PeerDefinition
    members: list[str] = field(default_factory=list)  # stable order (see build_group)
    description: str = ""
    size: int = 0
    distances: dict[str, float] = field(default_factory=dict)  # computed neighbours
    ranks: dict[str, int] = field(default_factory=dict)  # stored neighbour lists
    reasons: dict[str, str] = field(default_factory=dict)  # only with reveal=True
    excluded: dict[str, int] = field(default_factory=dict)  # left out for lack of data
    problems: list[str] = field(default_factory=list)
    band: tuple[float, float] | None = None  # population band applied, if any
    compared_on: list[str] = field(default_factory=list)  # attributes neighbours were found on


class _NoPeers(Exception):
    """Stop choosing automatic peers; the message says why (services chosen by hand remain)."""


def _neighbour_values(cands: Candidates, name: str,
                      values: Mapping[str, Mapping[str, float]] | pd.DataFrame | None,
                      extra: Mapping[str, Mapping[str, float]]) -> np.ndarray | None:
    """Return one neighbour attribute for every candidate (NaN when missing), or None."""
    given = _lookup(values, name) if _given(values, name) else extra.get(name)
    if given is not None:
        return np.array([_numeric(given.get(code)) for code in cands.codes], dtype=float)
    if name == "population" or cands.has(name):
        return cands.numbers(name)
    return None


def _given(values: Any, name: str) -> bool:
    if isinstance(values, pd.DataFrame):
        return name in values.columns
    return isinstance(values, Mapping) and name in values


def _lookup(values: Any, name: str) -> Mapping[str, Any]:
    given = values[name]
    return given if isinstance(given, (Mapping, pd.Series)) else {}


def _scaled(x: np.ndarray, scale: str) -> np.ndarray:
    """Put values on the comparison scale: log10(1 + x), signed, or as they are."""
    return np.sign(x) * np.log10(1.0 + np.abs(x)) if scale == "log" else x


def build_group(
    db: Database,
    viewer: Viewer,
    config: Config | None,
    own_code: str | None,
    defn: PeerDefinition,
    *,
    candidates: Candidates | pd.DataFrame | None = None,
    values: Mapping[str, Mapping[str, float]] | pd.DataFrame | None = None,
    reveal: bool = False,
) -> PeerGroup:
    """Build the peer group of `own_code` from a definition (the rule: see definition.py).

    `candidates` (from `load_candidates`, any sector: it is narrowed here) saves reading every
    service again; without it the definition's sector is read. `values` gives figures to
    compute neighbours on, by attribute name then service code (a mapping, or a DataFrame
    indexed by code); stored metrics named in `neighbour_attributes` and not given are read
    as each service's latest yearly figure. Members come in this order: nearest first for
    neighbour groups (ties by code), by code otherwise, then services chosen by hand in their
    given order. `reasons` is filled only when `reveal` is True, and then without attribute
    values for peers whose names the viewer may not see. `config` is the app's settings (not
    needed by the current rules). Problems are reported in `problems`, never raised.
    """
    del config
    group = PeerGroup(own=own_code, definition=defn)
    cands = Candidates(candidates) if isinstance(candidates, pd.DataFrame) else candidates
    own = _own_row(db, viewer, cands, own_code, group)
    chosen = _NOBODY
    try:
        sector = defn.sector
        if sector == SAME:
            sector = own.get("sector") if own else None
            if sector is None:
                raise _NoPeers("Without an own service there is no sector to match: only "
                               "services chosen by hand are listed.")
        if cands is None:
            cands = load_candidates(db, viewer, sector)
        if by_hand_only(defn):
            return _finish(db, viewer, group, cands, _NOBODY, own, reveal)
        mask = _filtered(group, cands, sector, own)
        mask = _sized(group, cands, mask, own)
        own_at = cands.position.get(own_code) if own_code else None
        if own_at is not None:
            mask[own_at] = False
        if defn.neighbours is None:
            chosen = np.flatnonzero(mask)
        elif own is None:
            raise _NoPeers("Nearest neighbours need an own service.")
        else:
            if defn.neighbour_source == COMPUTED:
                chosen = _computed_neighbours(db, viewer, group, cands, mask, own, values)
            else:
                chosen = _stored_neighbours(db, viewer, group, cands, mask, own["code"])
            if len(chosen) < defn.neighbours:
                group.problems.append(f"Only {service_count(len(chosen))} qualify, fewer than "
                                      f"the {defn.neighbours:,} nearest asked for.")
    except _NoPeers as stop:
        group.problems.append(str(stop))
        chosen = _NOBODY
    return _finish(db, viewer, group, cands, chosen, own, reveal)


def _own_row(db: Database, viewer: Viewer, cands: Candidates | None, own_code: str | None,
             group: PeerGroup) -> dict[str, Any] | None:
    """Return the own service's columns, read from the database if not among the candidates."""
    if not own_code:
        return None
    own = cands.row(own_code) if cands is not None else None
    if own is None:
        found = peer_candidates(db, viewer, codes=[own_code])
        own = found.iloc[0].to_dict() if len(found) else None
    if own is None:
        group.problems.append(f"The service {quoted(own_code)} is not known, so peers like it "
                              "cannot be chosen.")
    return own


def _filtered(group: PeerGroup, cands: Candidates, sector: str | None,
              own: Mapping[str, Any] | None) -> np.ndarray:
    """Return which candidates pass the sector and attribute filters (step 1)."""
    n = len(cands)
    mask = np.ones(n, dtype=bool)
    if sector is not None:
        mask &= cands.keys("sector") == match_key(sector)
    for name, allowed in group.definition.filters:
        if not cands.has(name):
            raise _NoPeers(f"No service has the attribute {quoted(name)}, so no service "
                           "matches that filter.")
        keys = {value.casefold() for value in allowed if value != SAME}
        if SAME in allowed:
            own_key = match_key(own.get(name)) if own else None
            if own_key is None:
                group.problems.append(f"Your service has no {attribute_label(name)}, so 'the "
                                      f"same {attribute_label(name)}' matches no service.")
            else:
                keys.add(own_key)
        if not keys:
            raise _NoPeers("No value is left to match on: no automatic peers.")
        column = cands.keys(name)
        mask &= np.fromiter((k in keys for k in column), dtype=bool, count=n)
    return mask


def _sized(group: PeerGroup, cands: Candidates, mask: np.ndarray,
           own: Mapping[str, Any] | None) -> np.ndarray:
    """Narrow to the size band (step 2), counting services without a population."""
    band = group.definition.size
    if band is None:
        return mask
    population = cands.numbers("population")
    has = np.isfinite(population)
    lacking = mask & ~has
    own_at = cands.position.get(own["code"]) if own else None
    if own_at is not None:
        lacking[own_at] = False
    if lacking.any():
        group.excluded["no population"] = int(lacking.sum())
    if band.quantiles is None:
        if band.low is not None and band.high is not None:
            group.band = (band.low, band.high)
        return mask & _in_band(population, band.low, band.high)
    mine = _numeric(own.get("population")) if own else math.nan
    if not math.isfinite(mine):
        raise _NoPeers("Your service has no population, so peers of the same size cannot be "
                       "chosen.")
    bands = size_bands(population[mask & has], band.quantiles)
    if not bands:
        raise _NoPeers("No service matching the filters has a population, so peers of the "
                       "same size cannot be chosen.")
    index = band_of(mine, bands)
    if index is None:
        raise _NoPeers("Your service's population is outside the range of the services "
                       "matching the filters.")
    group.band = bands[index]
    return mask & _in_band(population, *bands[index], closed=index == len(bands) - 1)


def _computed_neighbours(db: Database, viewer: Viewer, group: PeerGroup, cands: Candidates,
                         mask: np.ndarray, own: Mapping[str, Any], values: Any) -> np.ndarray:
    """Return the positions of the k nearest on standardised attributes; fill distances.

    Each attribute is put on the definition's scale, then standardised by the mean and
    standard deviation (population form) of the services compared, the own service
    included; the distance is Euclidean over the attributes. A constant attribute counts 0.
    """
    defn = group.definition
    own_at = cands.position.get(own["code"])
    wanted = [a for a in defn.neighbour_attributes
              if not (a == "population" or cands.has(a) or _given(values, a))]
    extra: dict[str, dict[str, float]] = {}
    if wanted:  # stored metrics, as each service's latest yearly figure
        figures = latest_year_values(db, viewer, wanted)
        for metric, part in figures.groupby("metric"):
            extra[str(metric)] = dict(zip(part["code"], part["value"]))
    columns = []
    for name in defn.neighbour_attributes:
        column = _neighbour_values(cands, name, values, extra)
        if column is None:
            group.problems.append(f"There are no figures for {quoted(name)} to compare on; it "
                                  "was left out.")
            continue
        mine = column[own_at] if own_at is not None else _own_number(own, name, values, extra)
        if not math.isfinite(mine):
            group.problems.append(f"Your service has no {attribute_label(name)}, so it was left "
                                  "out of the comparison.")
            continue
        lacking = mask & ~np.isfinite(column)
        if lacking.any():
            key = f"no {attribute_label(name)}"
            group.excluded[key] = group.excluded.get(key, 0) + int(lacking.sum())
        mask = mask & np.isfinite(column)
        scaled = _scaled(column, defn.neighbour_scale)
        columns.append((scaled, float(_scaled(np.array([mine]), defn.neighbour_scale)[0])))
        group.compared_on.append(name)
    if not columns:
        raise _NoPeers("No attribute is left to find the nearest services on.")
    pool = np.flatnonzero(mask)
    total = np.zeros(len(pool))
    for column, mine in columns:
        spread = np.append(column[pool], mine).std()  # the own service is compared too
        total += ((column[pool] - mine) / (spread if spread > 0 else 1.0)) ** 2
    distance = np.sqrt(total)
    # Candidates are in code order, so a stable sort breaks ties by code.
    nearest = np.argsort(distance, kind="stable")[:defn.neighbours]
    group.distances = {cands.codes[pool[i]]: float(distance[i]) for i in nearest}
    return pool[nearest]


def _own_number(own: Mapping[str, Any], name: str, values: Any,
                extra: Mapping[str, Mapping[str, float]]) -> float:
    """Return the own service's value of a neighbour attribute when it is not a candidate."""
    if _given(values, name):
        return _numeric(_lookup(values, name).get(own["code"]))
    if name in extra:
        return _numeric(extra[name].get(own["code"]))
    return _numeric(own.get(name))


def _stored_neighbours(db: Database, viewer: Viewer, group: PeerGroup, cands: Candidates,
                       mask: np.ndarray, own_code: str) -> np.ndarray:
    """Return the positions of the first k stored neighbours passing the filters; fill ranks."""
    defn = group.definition
    listed = stored_neighbours(db, viewer, own_code, defn.neighbour_source)
    if not listed:
        raise _NoPeers(f"Your service has no stored neighbour list from "
                       f"{quoted(defn.neighbour_source)}.")
    kept, skipped = [], 0
    for code, rank in listed:
        if len(kept) == defn.neighbours:
            break
        i = cands.position.get(code)
        if i is None or not mask[i]:
            skipped += 1  # ranked nearer than a kept neighbour, but outside the filters
            continue
        kept.append(i)
        group.ranks[code] = rank
    if skipped:
        group.excluded["nearer listed neighbours outside the filters"] = skipped
    return np.array(kept, dtype=int)


def _finish(db: Database, viewer: Viewer, group: PeerGroup, cands: Candidates | None,
            chosen: np.ndarray, own: Mapping[str, Any] | None, reveal: bool) -> PeerGroup:
    """Add the services chosen by hand, describe the group and give reasons if asked."""
    defn = group.definition
    members = [str(cands.codes[i]) for i in chosen] if cands is not None else []
    automatic = set(members)
    manual = [c for c in defn.manual if c not in automatic]
    if group.own in manual:
        manual.remove(group.own)
        group.problems.append("Your own service was chosen by hand; it is not its own peer.")
    unknown = [c for c in manual if cands is None or c not in cands.position]
    if unknown:
        found = set(peer_candidates(db, viewer, codes=unknown)["code"])
        missing = [c for c in unknown if c not in found]
        if missing:
            group.problems.append(f"{service_count(len(missing))} chosen by hand "
                                  f"({', '.join(quoted(c) for c in missing[:5])}) "
                                  f"{'is' if len(missing) == 1 else 'are'} not known.")
            manual = [c for c in manual if c not in set(missing)]
    group.members = members + manual
    group.size = len(group.members)
    unit = own.get("population_unit") if own else None
    group.description = describe(defn, own, band=group.band, unit=unit, count=group.size)
    if reveal:
        group.reasons = member_reasons(viewer, group, cands, members, manual)
    return group


__all__ = ["Candidates", "PeerGroup", "band_of", "build_group", "load_candidates", "size_bands"]
