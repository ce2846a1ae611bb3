"""Say a peer group in words: its description, its member list and why each member is in it.

Sensitivity: a group holds service codes only. Reasons (why each peer is in) can reveal the
attribute values that single a peer out, so `build_group` asks for them only with
`reveal=True`, and even then `member_reasons` gives a generic reason for peers whose names the
viewer may not see; `group_members` lists only the members the viewer may see by name and
counts the others. The comparisons (dashboard.benchmarking.compare) anonymise what they show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..db import Database
from ..db.access import Viewer
from ..db.services import service_directory
from ..formatting import format_number
from .compare import names_shown
from .definition import ACE_NEIGHBOURS, COMPUTED, SAME, PeerDefinition, SizeBand, match_key

if TYPE_CHECKING:
    from .selection import Candidates, PeerGroup

_QUANTILE_NAMES = {2: "half", 3: "tercile", 4: "quartile", 5: "quintile", 6: "sextile",
                   7: "septile", 8: "octile", 9: "nonile", 10: "decile"}
_SECTOR_NAMES = {"nhs": "NHS", "academic": "academic", "public": "public", "other": "other"}
_LABELS = {"org_type": "type", "region": "region", "state": "state", "locale": "locale",
           "legal_basis": "legal basis", "admin_structure": "administrative structure",
           "nation": "nation", "population": "population", "source": "national return"}
_SOURCE_LABELS = {ACE_NEIGHBOURS: "ACE nearest statistical neighbours"}
_SOURCE_SHORT = {ACE_NEIGHBOURS: "ACE list"}


def attribute_label(name: str) -> str:
    """Name an attribute as a sentence says it: `org_type` is "type"."""
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
        if match_key(own.get(key)) is not None:
            return own.get(key)
    return None


def _filter_phrase(name: str, values: tuple[str, ...], own: Mapping[str, Any] | None) -> str:
    shown, same = [v for v in values if v != SAME], SAME in values
    if same:
        own_value = _own_value(own, name)
        mine = f" ({own_value})" if own_value is not None else ""
        text = f"the same {attribute_label(name)} as yours{mine}"
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
    return f"with {attribute_label(name)} {_either(shown)}"


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


def service_count(n: int) -> str:
    """Return "1 service", "14 services"."""
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
            on = _either([attribute_label(a) for a in defn.neighbour_attributes], "and")
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
        text = f"{text}, plus {chosen}" if text else \
            f"{service_count(len(defn.manual))} chosen by hand"
    text = text[:1].upper() + text[1:]
    return f"{text}: {service_count(count)}" if count is not None else text


def member_reasons(viewer: Viewer, group: PeerGroup, cands: Candidates | None,
                   members: list[str], manual: list[str]) -> dict[str, str]:
    """Say why each member is in the group (only called with reveal=True).

    Attribute values are given only for peers whose names the viewer may see; the others get
    "matches the definition" beside their neighbour rank or distance.
    """
    defn = group.definition
    reasons: dict[str, str] = {}
    if members and cands is not None:
        same = ["sector"] if defn.sector == SAME else []
        same += [n for n, v in defn.filters if v == (SAME,)]
        common = ["same " + _either([attribute_label(n) for n in same], "and")] if same else []
        if defn.size is not None:
            common.append(f"same population {_QUANTILE_NAMES[defn.size.quantiles]}"
                          if defn.size.quantiles else "population within the bounds")
        shown = {n: cands.frame[n].tolist() for n, v in defn.filters if v != (SAME,)}
        sources, public = cands.frame["source"].tolist(), cands.frame["public"].tolist()
        sectors = cands.frame["sector"].tolist()
        at = [cands.position[code] for code in members]
        named = names_shown(viewer, [sources[i] for i in at], [public[i] for i in at])
        by_hand = set(defn.manual)
        label = _SOURCE_SHORT.get(defn.neighbour_source, f"{defn.neighbour_source} list")
        on = ", ".join(attribute_label(n) for n in group.compared_on)
        for code, i, may_see in zip(members, at, named):
            parts: list[str] = []
            if code in group.ranks:
                parts.append(f"neighbour {group.ranks[code]} on the {label}")
            if code in group.distances:
                parts.append(f"distance {group.distances[code]:.2f} on {on}")
            if may_see:
                parts += common + [f"{attribute_label(n)} {column[i]}"
                                   for n, column in shown.items()]
            elif common or shown:
                parts.append("matches the definition")
            if code in by_hand:
                parts.append("also chosen by hand")
            reasons[code] = "; ".join(parts) or \
                f"{_SECTOR_NAMES.get(str(sectors[i]), 'a')} service"
    for code in manual:
        reasons[code] = "chosen by hand"
    return reasons


def group_members(db: Database, viewer: Viewer, group: PeerGroup,
                  limit: int = 500, directory=None) -> tuple[list[dict], int]:
    """Return the members the viewer may see by name (code, name, why each is in; at most
    `limit`, in the group's order: nearest first) and the number of the others, who are only
    counted: listing them would tie anonymised figures to names."""
    if directory is None:
        directory = service_directory(db, viewer, group.members)
    rows = directory.reindex(group.members)
    rows = rows[rows["name"].notna()]  # services this viewer cannot see at all are left out
    shown = names_shown(viewer, rows["source_code"].tolist(), rows["public"].tolist())
    named, hidden = [], 0
    for code, name, may_see in zip(rows.index.tolist(), rows["name"].tolist(), shown):
        if not may_see:
            hidden += 1
        elif len(named) < limit:
            named.append({"code": code, "name": name, "reason": group.reasons.get(code, "")})
    return named, hidden


__all__ = ["attribute_label", "describe", "group_members", "inline", "member_reasons",
           "service_count"]
