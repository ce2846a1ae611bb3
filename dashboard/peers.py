"""Choose a service's peer group: by attributes, by size, by nearest neighbours and by hand.

A PeerDefinition says which services a manager compares theirs with. Its parts combine in one
fixed order, so the same definition always gives the same group:

1. **Narrow** by sector and attribute filters (`org_type`, `region`, or any key of the
   services' attributes such as `state`, `locale`, `legal_basis`). A filter keeps services whose
   value is one of the allowed values (compared as text, ignoring case); the value `=` (SAME)
   means "the same as the own service".
2. **Narrow** by size: explicit population bounds (lower inclusive, upper exclusive), or the own
   service's quantile band ("the same quintile"), whose edges are computed among the services
   that passed step 1 (the own service included when it passes). Services without a population
   are left out and counted in `excluded`.
3. **Take the nearest** k of what remains: either the stored ranked list of a source (the ACE
   nearest statistical neighbours) intersected with steps 1-2, in rank order; or the k most
   similar services computed on standardised attributes (population, numeric attributes, or
   figures passed in `values`), nearest first.
4. **Add** the services chosen by hand (a union: they join whatever steps 1-3 gave). A
   definition with no limit at all but services chosen by hand is just those services.

The own service is never its own peer. Definitions travel in the URL (`to_query`/`from_query`)
and are saved by name in the database (`to_json`/`from_json`, `save_group`...). Untrusted text
never raises: it yields problems and a safe default.

Sensitivity: a group holds service codes only. `reasons` (why each peer is in) can reveal the
attribute values that single a peer out, so `build_group` fills them only when asked with
`reveal=True`, and even then gives a generic reason for peers whose names the viewer may not
see. The benchmark layer anonymises what it shows.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import unquote

import numpy as np
import pandas as pd

from .db import Database
from .db.access import Viewer
from .db.models import SECTORS
from .db.peers import (delete_peer_group, latest_year_values, peer_candidates, peer_group_record,
                       peer_group_records, store_peer_group, stored_neighbours)
from .formatting import format_number
from .settings import Config
from .state import SERVICE_CODE

SAME = "="  # a filter (or sector) value meaning "the same as the own service"
ANY_SECTOR = "any"  # the text form may say `sector:any` for "no sector limit"
COMPUTED = "computed"  # neighbour_source: nearest on standardised attributes
ACE_NEIGHBOURS = "ace-nearest-neighbours"  # neighbour_source: the stored ACE lists
SCALES = ("log", "linear")

MAX_TEXT = 4000  # characters of the URL form (and of any definition's encoding)
MAX_JSON = 20000
MAX_FILTERS = 20
MAX_VALUES = 50  # allowed values per filter
MAX_VALUE_LENGTH = 100
MAX_MANUAL = 100
MAX_NEIGHBOURS = 500
MAX_NEIGHBOUR_ATTRIBUTES = 10
MAX_NAME = 80  # saved group names
QUANTILE_RANGE = (2, 10)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # attribute and metric names
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
_RESERVED = frozenset({"sector", "size", "nn", "nnsrc", "nnby", "nnscale", "manual", "all"})
_ESCAPED = {"%": "%25", ";": "%3B", ",": "%2C", ":": "%3A"}
_QUANTILE_NAMES = {2: "half", 3: "tercile", 4: "quartile", 5: "quintile", 6: "sextile",
                   7: "septile", 8: "octile", 9: "nonile", 10: "decile"}
_SECTOR_NAMES = {"nhs": "NHS", "academic": "academic", "public": "public", "other": "other"}
_LABELS = {"org_type": "type", "region": "region", "state": "state", "locale": "locale",
           "legal_basis": "legal basis", "admin_structure": "administrative structure",
           "nation": "nation", "population": "population", "source": "national return"}
_SOURCE_LABELS = {ACE_NEIGHBOURS: "ACE nearest statistical neighbours"}
_SOURCE_SHORT = {ACE_NEIGHBOURS: "ACE list"}
_NOBODY = np.zeros(0, dtype=int)  # no candidate positions


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeBand:
    """Limit peers by population: explicit bounds, or the own service's quantile band.

    Explicit: `low` <= population < `high` (lower inclusive, upper exclusive; either may be
    None for no limit). Quantile: `quantiles` = 5 keeps the services in the same population
    quintile as the own service (3 terciles, 4 quartiles ... 2 to 10).
    """

    low: float | None = None
    high: float | None = None
    quantiles: int | None = None

    def __post_init__(self) -> None:
        if self.quantiles is not None:
            if isinstance(self.quantiles, bool) or not isinstance(self.quantiles, int) \
                    or not QUANTILE_RANGE[0] <= self.quantiles <= QUANTILE_RANGE[1]:
                raise ValueError(f"a quantile band needs 2 to 10 bands, not {_shown(self.quantiles)}")
            if self.low is not None or self.high is not None:
                raise ValueError("a size band is either quantiles or bounds, not both")
            return
        for name in ("low", "high"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise ValueError(f"the {name} population bound must be a finite number")
            object.__setattr__(self, name, float(value))
        if self.low is None and self.high is None:
            raise ValueError("a size band needs a lower or an upper bound, or quantiles")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("the lower population bound must be below the upper one")

    @classmethod
    def between(cls, low: float | None, high: float | None) -> "SizeBand":
        """Return explicit bounds: low <= population < high."""
        return cls(low=low, high=high)

    @classmethod
    def quantile(cls, n: int) -> "SizeBand":
        """Return "the same 1/n population band as the own service" (5 = quintile)."""
        return cls(quantiles=n)


@dataclass(frozen=True)
class PeerDefinition:
    """Which services a service is compared with; see the module docstring for the rule.

    `sector` is one of SECTORS, SAME (the own service's sector) or None (any sector).
    `filters` pairs an attribute name with its allowed values; a `sector` filter with several
    values is allowed when `sector` is None (one value becomes `sector`). `neighbours` is k;
    `neighbour_source` COMPUTED (nearest on `neighbour_attributes`, standardised, on a log
    scale unless `neighbour_scale` is "linear") or a stored list's source such as
    ACE_NEIGHBOURS. `manual` lists service codes added by hand. Invalid values raise
    ValueError.
    """

    sector: str | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    size: SizeBand | None = None
    neighbours: int | None = None
    neighbour_source: str = COMPUTED
    neighbour_attributes: tuple[str, ...] = ("population",)
    neighbour_scale: str = "log"
    manual: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        filters = _check_filters(self.filters)
        sector = self.sector
        for name, values in filters:
            if name != "sector":
                continue
            if sector is not None:
                raise ValueError("give the sector either as `sector` or as a filter, not both")
            for value in values:
                _check_sector(value)
            if len(values) == 1:  # one sector: the canonical form is the sector field
                sector = values[0]
                filters = tuple(f for f in filters if f[0] != "sector")
        _check_sector(sector)
        object.__setattr__(self, "sector", sector)
        object.__setattr__(self, "filters", filters)
        if self.size is not None and not isinstance(self.size, SizeBand):
            raise ValueError("size must be a SizeBand or None")
        if self.neighbours is not None and (
                isinstance(self.neighbours, bool) or not isinstance(self.neighbours, int)
                or not 1 <= self.neighbours <= MAX_NEIGHBOURS):
            raise ValueError(f"the number of neighbours must be 1 to {MAX_NEIGHBOURS}")
        source = self.neighbour_source
        if not isinstance(source, str) or not _SOURCE.fullmatch(source):
            raise ValueError("the neighbour source must be a short lowercase name")
        attributes = _as_tuple(self.neighbour_attributes, "neighbour attributes")
        if not all(isinstance(a, str) and _NAME.fullmatch(a) for a in attributes) or not \
                1 <= len(attributes) <= MAX_NEIGHBOUR_ATTRIBUTES or \
                len(set(attributes)) != len(attributes):
            raise ValueError(f"neighbours are computed on 1 to {MAX_NEIGHBOUR_ATTRIBUTES} "
                             "distinct attribute names (lowercase letters, digits, _)")
        object.__setattr__(self, "neighbour_attributes", attributes)
        if not isinstance(self.neighbour_scale, str) or self.neighbour_scale not in SCALES:
            raise ValueError("the neighbour scale is 'log' or 'linear'")
        manual = _as_tuple(self.manual, "manual codes")
        if not all(isinstance(c, str) and SERVICE_CODE.fullmatch(c) for c in manual) or \
                len(manual) > MAX_MANUAL or len(set(manual)) != len(manual):
            raise ValueError(f"up to {MAX_MANUAL} distinct service codes may be chosen by hand")
        object.__setattr__(self, "manual", manual)
        if len(to_query(self)) > MAX_TEXT:
            raise ValueError(f"the definition is too long (over {MAX_TEXT} characters)")


def _as_tuple(value: Any, what: str) -> tuple:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise ValueError(f"{what} must be a tuple")
    return tuple(value)


def _check_sector(sector: Any) -> None:
    if sector is not None and (not isinstance(sector, str) or sector not in (*SECTORS, SAME)):
        raise ValueError(f"the sector must be one of {', '.join(SECTORS)} or '{SAME}'")


def _check_value(value: Any) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_VALUE_LENGTH \
            or not value.isprintable() or value != value.strip():
        raise ValueError(f"filter values are 1 to {MAX_VALUE_LENGTH} printable characters "
                         "without surrounding spaces")


def _check_filters(filters: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Validate filters and return them as nested tuples."""
    pairs = _as_tuple(filters, "filters")
    if len(pairs) > MAX_FILTERS:
        raise ValueError(f"at most {MAX_FILTERS} filters")
    checked, names = [], set()
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError("each filter is (attribute name, allowed values)")
        name, values = pair[0], _as_tuple(pair[1], "filter values")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or (
                name in _RESERVED and name != "sector"):
            raise ValueError(f"{_shown(name)} is not a usable attribute name")
        if name in names:
            raise ValueError(f"the filter on {name} is given twice")
        names.add(name)
        for value in values:
            _check_value(value)
        if not 1 <= len(values) <= MAX_VALUES or len(set(values)) != len(values):
            raise ValueError(f"a filter needs 1 to {MAX_VALUES} distinct values")
        checked.append((name, values))
    return tuple(checked)


def _shown(text: Any, limit: int = 40) -> str:
    """Quote untrusted text for a message, shortened."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


# ---------------------------------------------------------------------------------------------
# Text form for the URL, JSON form for saved groups
# ---------------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    return "".join(_ESCAPED.get(ch, ch) for ch in value)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def to_query(defn: PeerDefinition) -> str:
    """Encode a definition for the URL query string, e.g. `sector:nhs;org_type:acute;size:q5`.

    Parts are `key:value,value` joined by `;`: `sector` (a sector, `=` for the own service's,
    `any`), one part per filter (`=` = the own service's value), `size:q5` (the same quintile)
    or `size:1000..5000` (1,000 <= population < 5,000; either end may be left out), `nn:10`
    with `nnsrc:ace-nearest-neighbours`, `nnby:population,visits` and `nnscale:linear` when not
    the defaults, and `manual:CODE,CODE`. `%`, `;`, `,` and `:` inside values are written
    %25, %3B, %2C and %3A. The definition with no limits at all is `all`; the empty text is
    DEFAULT_DEFINITION. Spaces stay spaces: the URL layer encodes the whole text.
    """
    parts = []
    if defn.sector is not None:
        parts.append(f"sector:{defn.sector}")
    for name, values in defn.filters:
        parts.append(f"{name}:{','.join(_escape(v) for v in values)}")
    if defn.size is not None:
        band = defn.size
        if band.quantiles is not None:
            parts.append(f"size:q{band.quantiles}")
        else:
            low = "" if band.low is None else _number(band.low)
            high = "" if band.high is None else _number(band.high)
            parts.append(f"size:{low}..{high}")
    if defn.neighbours is not None:
        parts.append(f"nn:{defn.neighbours}")
    if defn.neighbour_source != COMPUTED:
        parts.append(f"nnsrc:{defn.neighbour_source}")
    if defn.neighbour_attributes != ("population",):
        parts.append(f"nnby:{','.join(defn.neighbour_attributes)}")
    if defn.neighbour_scale != "log":
        parts.append(f"nnscale:{defn.neighbour_scale}")
    if defn.manual:
        parts.append(f"manual:{','.join(_escape(c) for c in defn.manual)}")
    return ";".join(parts) if parts else "all"


DEFAULT_DEFINITION = PeerDefinition(sector=SAME)  # what bad input falls back to


def _unescape(text: str) -> str:
    if "%" in text and re.search(r"%(?![0-9A-Fa-f]{2})", text):
        raise ValueError("a % must start an escape such as %2C")
    return unquote(text, errors="strict")


def _values(body: str, what: str) -> tuple[str, ...]:
    values = []
    for raw in body.split(","):
        raw = raw.strip()
        if not raw:
            continue
        values.append(_unescape(raw))
    if not values:
        raise ValueError(f"{what} has no values")
    return tuple(dict.fromkeys(values))


def _parse_size(body: str) -> SizeBand:
    body = body.strip().lower()
    if re.fullmatch(r"q\d{1,2}", body, re.ASCII):
        return SizeBand(quantiles=int(body[1:]))
    low, sep, high = body.partition("..")
    if not sep:
        raise ValueError("size is q5 (quantiles) or LOW..HIGH (population bounds)")

    def bound(text: str) -> float | None:
        text = text.strip()
        if not text:
            return None
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text, re.ASCII):
            raise ValueError(f"{_shown(text)} is not a number")
        return float(text)

    return SizeBand(low=bound(low), high=bound(high))


def from_query(text: Any) -> tuple[PeerDefinition, list[str]]:
    """Decode `to_query` text from an untrusted URL: (definition, problems), never raising.

    Bad parts are skipped, each with a problem; text that is too long or whose parts do not
    make a valid definition gives DEFAULT_DEFINITION (the own service's sector).
    """
    if isinstance(text, (list, tuple)):
        text = text[0] if text else ""
    if text is None:
        return DEFAULT_DEFINITION, []
    if not isinstance(text, str):
        return DEFAULT_DEFINITION, ["The peer group in the link is not text; the default group "
                                    "is used."]
    text = text.strip()
    if not text:
        return DEFAULT_DEFINITION, []
    if len(text) > MAX_TEXT:
        return DEFAULT_DEFINITION, [f"The peer group in the link is longer than {MAX_TEXT:,} "
                                    "characters; the default group is used."]
    if text.lower() == "all":
        return PeerDefinition(), []
    problems: list[str] = []
    fields: dict[str, Any] = {}
    filters: dict[str, tuple[str, ...]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, body = part.partition(":")
        key = key.strip().lower()
        if not sep:
            problems.append(f"The peer group part {_shown(part)} has no ':' and was ignored.")
            continue
        try:
            _parse_part(key, body, fields, filters)
        except ValueError as exc:
            problems.append(f"The peer group part {_shown(part)} was ignored: {exc}.")
    try:
        return PeerDefinition(filters=tuple(filters.items()), **fields), problems
    except ValueError as exc:
        return DEFAULT_DEFINITION, problems + [f"The peer group in the link is not valid ({exc}); "
                                               "the default group is used."]


def _parse_part(key: str, body: str, fields: dict[str, Any],
                filters: dict[str, tuple[str, ...]]) -> None:
    """Read one `key:body` part of the text form into fields or filters."""
    once = {"sector": "sector", "size": "size", "nn": "neighbours", "nnsrc": "neighbour_source",
            "nnby": "neighbour_attributes", "nnscale": "neighbour_scale", "manual": "manual"}
    if key == "sector":
        values = _values(body, "sector")
        if len(values) > 1:
            if "sector" in filters:
                raise ValueError("the sector is given twice")
            filters["sector"] = values
            return
        if "sector" in fields:
            raise ValueError("the sector is given twice")
        value = values[0].lower()
        value = None if value == ANY_SECTOR else value
        _check_sector(value)
        fields["sector"] = value
        return
    if key in once:
        if once[key] in fields:
            raise ValueError(f"{key} is given twice")
        body = body.strip()
        if key == "size":
            fields["size"] = _parse_size(body)
        elif key == "nn":
            if not re.fullmatch(r"\d{1,4}", body, re.ASCII) or not 1 <= int(body) <= MAX_NEIGHBOURS:
                raise ValueError(f"nn is a number of neighbours, 1 to {MAX_NEIGHBOURS}")
            fields["neighbours"] = int(body)
        elif key == "nnsrc":
            if not _SOURCE.fullmatch(body.lower()):
                raise ValueError("not a neighbour source name")
            fields["neighbour_source"] = body.lower()
        elif key == "nnby":
            names = tuple(v.lower() for v in _values(body, "nnby"))
            if not all(_NAME.fullmatch(n) for n in names) or len(names) > MAX_NEIGHBOUR_ATTRIBUTES:
                raise ValueError("nnby lists attribute names")
            fields["neighbour_attributes"] = names
        elif key == "nnscale":
            if body.lower() not in SCALES:
                raise ValueError("nnscale is log or linear")
            fields["neighbour_scale"] = body.lower()
        else:
            codes = _values(body, "manual")
            bad = [c for c in codes if not SERVICE_CODE.fullmatch(c)]
            if bad:
                raise ValueError(f"{_shown(bad[0])} is not a service code")
            if len(codes) > MAX_MANUAL:
                raise ValueError(f"at most {MAX_MANUAL} services may be chosen by hand")
            fields["manual"] = codes
        return
    if not _NAME.fullmatch(key) or key in _RESERVED:
        raise ValueError(f"{_shown(key)} is not an attribute name")
    if key in filters:
        raise ValueError(f"the filter on {key} is given twice")
    values = _values(body, key)
    for value in values:
        _check_value(value)
    if len(values) > MAX_VALUES or len(filters) >= MAX_FILTERS:
        raise ValueError("too many filters or values")
    filters[key] = values


def from_command_line(text: str) -> PeerDefinition:
    """Read the command line's `--peers "key=value,..."` form, raising ValueError with the
    reason for anything it cannot use (a script should stop, not run on a default group).

    Keys are those of the link form (`sector`, an attribute such as `state` or `locale`,
    `size`, `nn`, `nnsrc`, `nnby`, `manual`); a value `same` means the own service's value;
    several values are joined by `|` (`state=CA|NV`, `manual=CA0001|CA0002`). The link form
    itself (`sector:=;state:=;size:q5`, as in the page's address) is accepted too.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("give the peers as key=value pairs, e.g. sector=same,size=q5")
    text = text.strip()
    if ":" not in text and "=" not in text:
        raise ValueError(f"{_shown(text)} is not key=value (e.g. state=same,size=q5)")
    if "=" not in text.replace(":=", "") or ";" in text:
        link = text  # already the link form
    else:
        parts = []
        for pair in text.split(","):
            if not pair.strip():
                continue
            key, sep, value = pair.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or not key or not value:
                raise ValueError(f"{_shown(pair)} is not key=value")
            values = [("=" if v.strip().lower() == "same" else _escape(v.strip()))
                      for v in value.split("|")]
            parts.append(f"{key}:{','.join(values)}")
        link = ";".join(parts)
    defn, problems = from_query(link)
    if problems:
        raise ValueError(" ".join(problems))
    return defn


def to_json(defn: PeerDefinition) -> str:
    """Encode a definition as JSON text, for saved groups."""
    size = None if defn.size is None else {
        "low": defn.size.low, "high": defn.size.high, "quantiles": defn.size.quantiles}
    return json.dumps({
        "version": 1,
        "sector": defn.sector,
        "filters": [[name, list(values)] for name, values in defn.filters],
        "size": size,
        "neighbours": defn.neighbours,
        "neighbour_source": defn.neighbour_source,
        "neighbour_attributes": list(defn.neighbour_attributes),
        "neighbour_scale": defn.neighbour_scale,
        "manual": list(defn.manual),
    }, sort_keys=True)


def from_json(text: Any) -> tuple[PeerDefinition, list[str]]:
    """Decode `to_json` text: (definition, problems), never raising; bad text gives the default."""
    try:
        if not isinstance(text, (str, bytes)) or len(text) > MAX_JSON:
            raise ValueError("not JSON text of a sensible length")
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ValueError("not a version 1 peer-group definition")
        unknown = set(data) - {"version", "sector", "filters", "size", "neighbours",
                               "neighbour_source", "neighbour_attributes", "neighbour_scale",
                               "manual"}
        if unknown:
            raise ValueError(f"unknown keys {', '.join(sorted(map(str, unknown)))[:80]}")
        size = data.get("size")
        if size is not None:
            if not isinstance(size, dict) or set(size) - {"low", "high", "quantiles"}:
                raise ValueError("size is an object with low, high and quantiles")
            size = SizeBand(**size)
        filters = data.get("filters", [])
        if not isinstance(filters, list) or not all(
                isinstance(f, list) and len(f) == 2 and isinstance(f[1], list) for f in filters):
            raise ValueError("filters is a list of [name, [values]]")
        defn = PeerDefinition(
            sector=data.get("sector"),
            filters=tuple((f[0], tuple(f[1])) for f in filters),
            size=size,
            neighbours=data.get("neighbours"),
            neighbour_source=data.get("neighbour_source", COMPUTED),
            neighbour_attributes=tuple(data.get("neighbour_attributes") or ("population",)),
            neighbour_scale=data.get("neighbour_scale", "log"),
            manual=tuple(data.get("manual") or ()),
        )
        return defn, []
    except (ValueError, TypeError, RecursionError) as exc:
        return DEFAULT_DEFINITION, [f"The saved peer group could not be read ({exc}); the "
                                    "default group is used."]


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
# Candidates: the services peers are picked from, loaded once and reused
# ---------------------------------------------------------------------------------------------


def _key(value: Any) -> str | None:
    """Return a stored value as text for matching (casefolded); None when missing."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.number)):
        if not math.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    return text.casefold() or None


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
                    keys.append(memo.setdefault((type(value), value), _key(value)))
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


def _label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))


def _either(values: list[str], word: str = "or") -> str:
    values = [str(v) for v in values]
    if len(values) > 6:
        values = values[:5] + [f"{len(values) - 5} more"]
        word = "and"
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} {word} {values[-1]}"


def _own_value(own: Mapping[str, Any] | None, name: str) -> Any:
    """Return the own service's value of an attribute for display, by its name if it has one."""
    if not own:
        return None
    for key in (f"{name}_name", name):  # IMLS codes come with names: locale 43, "Rural, remote"
        if _key(own.get(key)) is not None:
            return own.get(key)
    return None


def _filter_phrase(name: str, values: tuple[str, ...], own: Mapping[str, Any] | None) -> str:
    shown, same = [v for v in values if v != SAME], SAME in values
    if same:
        own_value = _own_value(own, name)
        mine = f" ({own_value})" if own_value is not None else ""
        text = f"the same {_label(name)} as yours{mine}"
        if shown:
            text += f" or {_either(shown)}"
        if name == "org_type":
            return f"of {text}"
        return f"in {text}" if name in ("region", "source", "state") else f"with {text}"
    if name == "org_type":
        return f"of type {_either(shown)}"
    if name in ("region", "state"):
        return f"in {_either(shown)}"
    if name == "source":
        return f"in the national return {_either(shown)}"
    return f"with {_label(name)} {_either(shown)}"


def _size_phrase(band: SizeBand, edges: tuple[float, float] | None, unit: str | None) -> str:
    unit = f" {unit.split(' (')[0]}" if unit else ""  # "people (legal service area)": "people"
    if band.quantiles is not None:
        name = _QUANTILE_NAMES[band.quantiles]
        if edges is None:
            return f"in the same population {name} as yours"
        return (f"in the same population {name} ({format_number(edges[0])}–"
                f"{format_number(edges[1])}{unit})")
    if band.low is not None and band.high is not None:
        return (f"with population from {format_number(band.low)} to under "
                f"{format_number(band.high)}{unit}")
    if band.low is not None:
        return f"with population of at least {format_number(band.low)}{unit}"
    return f"with population under {format_number(band.high)}{unit}"


def inline(description: str) -> str:
    """Return a description for use mid-sentence: "The 10 public..." becomes "the 10 public...",
    "NHS services..." stays as it is."""
    if description[1:2].islower():
        return description[:1].lower() + description[1:]
    return description


def _services(n: int) -> str:
    return f"{n:,} service" + ("" if n == 1 else "s")


def describe(defn: PeerDefinition, own: Mapping[str, Any] | None = None, *,
             band: tuple[float, float] | None = None, unit: str | None = None,
             count: int | None = None) -> str:
    """Say a definition in plain English, e.g. "NHS services of type acute or community, in
    the same population quintile (4,000–6,500 WTE staff), plus 2 chosen by hand: 14 services".

    `own` (the own service's columns: sector, org_type, region, attributes...) fills in "the
    same ... as yours"; `band` the quantile band's edges, `unit` the population unit, `count`
    the group's size. Peers are never named: services chosen by hand are counted.
    """
    sector = defn.sector
    if sector == SAME:
        sector = own.get("sector") if own else None
        sector_text = (f"{_SECTOR_NAMES.get(sector, sector)} services" if sector
                       else "services of your sector")
    elif sector is not None:
        sector_text = f"{_SECTOR_NAMES[sector]} services"
    else:
        sectors = dict(defn.filters).get("sector")
        sector_text = (f"{_either([_SECTOR_NAMES.get(s, s) for s in sectors])} services"
                       if sectors else "services")
    phrases = [_filter_phrase(n, v, own) for n, v in defn.filters if n != "sector"]
    if defn.size is not None:
        phrases.append(_size_phrase(defn.size, band, unit))
    base = f"{sector_text} {', '.join(phrases)}" if phrases else sector_text
    limited = bool(phrases) or base != "services"
    if defn.neighbours is not None:
        k = defn.neighbours
        if defn.neighbour_source == COMPUTED:
            how = "standardised, log scale" if defn.neighbour_scale == "log" else "standardised"
            on = _either([_label(a) for a in defn.neighbour_attributes], "and")
            text = f"the {k:,} {base}{',' if phrases else ''} nearest to yours on {on} ({how})"
        else:
            source = _SOURCE_LABELS.get(defn.neighbour_source, f"{defn.neighbour_source} "
                                        "neighbours")
            text = f"the first {k:,} of your {source}"
            if limited:
                text += f" that are {base}"
    elif not limited:
        text = "all services" if not defn.manual else ""
    else:
        text = base
    if defn.manual:
        chosen = f"{len(defn.manual):,} chosen by hand"
        text = f"{text}, plus {chosen}" if text else f"{_services(len(defn.manual))} chosen by hand"
    text = text[:1].upper() + text[1:]
    return f"{text}: {_services(count)}" if count is not None else text


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
    """Build the peer group of `own_code` from a definition (see the module docstring).

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
                group.problems.append(f"Only {_services(len(chosen))} qualify, fewer than the "
                                      f"{defn.neighbours:,} nearest asked for.")
    except _NoPeers as stop:
        group.problems.append(str(stop))
        chosen = _NOBODY
    return _finish(db, viewer, group, cands, chosen, own, reveal)


def by_hand_only(defn: PeerDefinition) -> bool:
    """Say whether a definition is only services chosen by hand (no other limit)."""
    return bool(defn.manual) and defn.sector is None and not defn.filters and \
        defn.size is None and defn.neighbours is None


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
        group.problems.append(f"The service {_shown(own_code)} is not known, so peers like it "
                              "cannot be chosen.")
    return own


def _filtered(group: PeerGroup, cands: Candidates, sector: str | None,
              own: Mapping[str, Any] | None) -> np.ndarray:
    """Return which candidates pass the sector and attribute filters (step 1)."""
    n = len(cands)
    mask = np.ones(n, dtype=bool)
    if sector is not None:
        mask &= cands.keys("sector") == _key(sector)
    for name, allowed in group.definition.filters:
        if not cands.has(name):
            raise _NoPeers(f"No service has the attribute {_shown(name)}, so no service "
                           "matches that filter.")
        keys = {value.casefold() for value in allowed if value != SAME}
        if SAME in allowed:
            own_key = _key(own.get(name)) if own else None
            if own_key is None:
                group.problems.append(f"Your service has no {_label(name)}, so 'the same "
                                      f"{_label(name)}' matches no service.")
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
            group.problems.append(f"There are no figures for {_shown(name)} to compare on; it "
                                  "was left out.")
            continue
        mine = column[own_at] if own_at is not None else _own_number(own, name, values, extra)
        if not math.isfinite(mine):
            group.problems.append(f"Your service has no {_label(name)}, so it was left out of "
                                  "the comparison.")
            continue
        lacking = mask & ~np.isfinite(column)
        if lacking.any():
            key = f"no {_label(name)}"
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
                       f"{_shown(defn.neighbour_source)}.")
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
            group.problems.append(f"{_services(len(missing))} chosen by hand "
                                  f"({', '.join(_shown(c) for c in missing[:5])}) "
                                  f"{'is' if len(missing) == 1 else 'are'} not known.")
            manual = [c for c in manual if c not in set(missing)]
    group.members = members + manual
    group.size = len(group.members)
    unit = own.get("population_unit") if own else None
    group.description = describe(defn, own, band=group.band, unit=unit, count=group.size)
    if reveal:
        group.reasons = _reasons(viewer, group, cands, members, manual)
    return group


def _reasons(viewer: Viewer, group: PeerGroup, cands: Candidates | None, members: list[str],
             manual: list[str]) -> dict[str, str]:
    """Say why each member is in the group (only called with reveal=True).

    Attribute values are given only for peers whose names the viewer may see; the others get
    "matches the definition" beside their neighbour rank or distance.
    """
    defn = group.definition
    reasons: dict[str, str] = {}
    if members and cands is not None:
        same = ["sector"] if defn.sector == SAME else []
        same += [n for n, v in defn.filters if v == (SAME,)]
        common = ["same " + _either([_label(n) for n in same], "and")] if same else []
        if defn.size is not None:
            common.append(f"same population {_QUANTILE_NAMES[defn.size.quantiles]}"
                          if defn.size.quantiles else "population within the bounds")
        shown = {n: cands.frame[n].tolist() for n, v in defn.filters if v != (SAME,)}
        sources, public = cands.frame["source"].tolist(), cands.frame["public"].tolist()
        sectors = cands.frame["sector"].tolist()
        may_see: dict[tuple[str, bool], bool] = {}
        by_hand = set(defn.manual)
        label = _SOURCE_SHORT.get(defn.neighbour_source, f"{defn.neighbour_source} list")
        on = ", ".join(_label(n) for n in group.compared_on)
        for code in members:
            i = cands.position[code]
            pair = (str(sources[i]), bool(public[i]))
            if pair not in may_see:
                may_see[pair] = viewer.may_see_names(*pair)
            parts: list[str] = []
            if code in group.ranks:
                parts.append(f"neighbour {group.ranks[code]} on the {label}")
            if code in group.distances:
                parts.append(f"distance {group.distances[code]:.2f} on {on}")
            if may_see[pair]:
                parts += common + [f"{_label(n)} {column[i]}" for n, column in shown.items()]
            elif common or shown:
                parts.append("matches the definition")
            if code in by_hand:
                parts.append("also chosen by hand")
            reasons[code] = "; ".join(parts) or \
                f"{_SECTOR_NAMES.get(str(sectors[i]), 'a')} service"
    for code in manual:
        reasons[code] = "chosen by hand"
    return reasons


# ---------------------------------------------------------------------------------------------
# Saved groups
# ---------------------------------------------------------------------------------------------


class PeerGroupError(ValueError):
    """A saved peer group cannot be stored, found or deleted; the message says why."""


@dataclass(frozen=True)
class SavedGroup:
    """A named peer group as stored."""

    name: str
    definition: PeerDefinition
    description: str
    created_at: Any
    created_by: str
    problems: tuple[str, ...] = ()


def check_name(name: Any) -> str:
    """Return a saved group's name without surrounding spaces; raise if it is not usable."""
    if not isinstance(name, str):
        raise PeerGroupError("A peer group's name must be text.")
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise PeerGroupError(f"A peer group's name must be 1 to {MAX_NAME} printable "
                             "characters.")
    return name


def _saved(row: Mapping[str, Any]) -> SavedGroup:
    defn, problems = from_json(row["definition"])
    return SavedGroup(row["name"], defn, row["description"], row["created_at"],
                      row["created_by"], tuple(problems))


def save_group(db: Database, viewer: Viewer, name: str, defn: PeerDefinition, created_by: str,
               *, replace: bool = False) -> SavedGroup:
    """Save a definition under a name; an existing name is kept unless `replace` is True."""
    name = check_name(name)
    if not isinstance(defn, PeerDefinition):
        raise PeerGroupError("Only a peer-group definition can be saved.")
    created_by = str(created_by or "")[:200]
    # Writes are made one at a time: a group saved at the same moment by someone else is
    # there by the time this one looks, and reported as existing.
    status = store_peer_group(db, viewer, name, to_json(defn), describe(defn), created_by,
                              replace=replace)
    if status == "exists":
        raise PeerGroupError(f"A peer group named {_shown(name, MAX_NAME)} already exists.")
    saved = load_group(db, viewer, name)
    assert saved is not None
    return saved


def list_groups(db: Database, viewer: Viewer) -> list[SavedGroup]:
    """List the saved peer groups by name."""
    return [_saved(row) for row in peer_group_records(db, viewer)]


def load_group(db: Database, viewer: Viewer, name: str) -> SavedGroup | None:
    """Return a saved peer group by name, or None (also for a name that is not usable)."""
    try:
        name = check_name(name)
    except PeerGroupError:
        return None
    row = peer_group_record(db, viewer, name)
    return _saved(row) if row else None


def delete_group(db: Database, viewer: Viewer, name: str) -> bool:
    """Delete a saved peer group by name; return whether it existed."""
    try:
        name = check_name(name)
    except PeerGroupError:
        return False
    return delete_peer_group(db, viewer, name)


__all__ = [
    "ACE_NEIGHBOURS", "COMPUTED", "DEFAULT_DEFINITION", "SAME", "Candidates", "PeerDefinition",
    "PeerGroup", "PeerGroupError", "SavedGroup", "SizeBand", "band_of", "build_group",
    "check_name", "delete_group", "describe", "from_json", "from_query", "list_groups",
    "load_candidates", "load_group", "save_group", "size_bands", "to_json", "to_query",
]
