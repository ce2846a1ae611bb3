"""Define a peer group: which services a service is compared with, checked, and its text forms.

A PeerDefinition's parts combine in one fixed order, so the same definition always gives the
same group (dashboard.benchmarking.selection applies it):

1. **Narrow** by sector and attribute filters (`org_type`, `region`, or any key of the
   services' attributes such as `state`, `locale`, `legal_basis`). A filter keeps services whose
   value is one of the allowed values (compared as text, ignoring case: `match_key`); the value
   `=` (SAME) means "the same as the own service".
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

The own service is never its own peer. Definitions travel in the URL (`to_query`/`from_query`),
on the command line (`from_command_line`) and are saved by name as JSON (`to_json`/`from_json`).
Untrusted text never raises: it yields problems and a safe default.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import numpy as np

from ..db.models import SECTORS
from ..state import SERVICE_CODE

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
QUANTILE_RANGE = (2, 10)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # attribute and metric names
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")
_RESERVED = frozenset({"sector", "size", "nn", "nnsrc", "nnby", "nnscale", "manual", "all"})
_ESCAPED = {"%": "%25", ";": "%3B", ",": "%2C", ":": "%3A"}


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
                raise ValueError(f"a quantile band needs 2 to 10 bands, not {quoted(self.quantiles)}")
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
            raise ValueError(f"{quoted(name)} is not a usable attribute name")
        if name in names:
            raise ValueError(f"the filter on {name} is given twice")
        names.add(name)
        for value in values:
            _check_value(value)
        if not 1 <= len(values) <= MAX_VALUES or len(set(values)) != len(values):
            raise ValueError(f"a filter needs 1 to {MAX_VALUES} distinct values")
        checked.append((name, values))
    return tuple(checked)


def by_hand_only(defn: PeerDefinition) -> bool:
    """Say whether a definition is only services chosen by hand (no other limit)."""
    return bool(defn.manual) and defn.sector is None and not defn.filters and \
        defn.size is None and defn.neighbours is None


def match_key(value: Any) -> str | None:
    """Return a stored value as the text a filter compares (casefolded); None when missing."""
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


def quoted(text: Any, limit: int = 40) -> str:
    """Quote untrusted text for a message, shortened."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


# ---------------------------------------------------------------------------------------------
# Text forms: the link (URL), the command line, JSON for saved groups
# ---------------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    return "".join(_ESCAPED.get(ch, ch) for ch in value)


def number_text(value: float) -> str:
    """Write a number exactly: whole numbers without '.0', others as Python's shortest repr."""
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
            low = "" if band.low is None else number_text(band.low)
            high = "" if band.high is None else number_text(band.high)
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
            raise ValueError(f"{quoted(text)} is not a number")
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
            problems.append(f"The peer group part {quoted(part)} has no ':' and was ignored.")
            continue
        try:
            _parse_part(key, body, fields, filters)
        except ValueError as exc:
            problems.append(f"The peer group part {quoted(part)} was ignored: {exc}.")
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
                raise ValueError(f"{quoted(bad[0])} is not a service code")
            if len(codes) > MAX_MANUAL:
                raise ValueError(f"at most {MAX_MANUAL} services may be chosen by hand")
            fields["manual"] = codes
        return
    if not _NAME.fullmatch(key) or key in _RESERVED:
        raise ValueError(f"{quoted(key)} is not an attribute name")
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
        raise ValueError(f"{quoted(text)} is not key=value (e.g. state=same,size=q5)")
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
                raise ValueError(f"{quoted(pair)} is not key=value")
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


__all__ = [
    "ACE_NEIGHBOURS", "ANY_SECTOR", "COMPUTED", "DEFAULT_DEFINITION", "QUANTILE_RANGE", "SAME",
    "SCALES", "PeerDefinition", "SizeBand", "by_hand_only", "from_command_line", "from_json",
    "from_query", "match_key", "number_text", "quoted", "to_json", "to_query",
]
