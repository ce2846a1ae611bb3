"""Read the Shelfmark import template (long or wide layout) into ImportData, checking every cell.

Long layout: one row per figure, columns service, metric, period, value (team and note
optional). Wide layout: one row per service, period (and team), then one column per stored
metric. Column names match whatever their case, spaces, underscores or hyphens; metrics are
named by code or catalogue name. Every problem found is reported with its spreadsheet row,
column and cell, all at once (up to `MAX_PROBLEMS`); any error stops the import.

The work is vectorised for large files: each distinct service, metric, period and team text is
checked once and mapped back to its rows, and numbers go through a fast path (plain figures
converted in bulk) before `values.parse_number` reads the rest.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from ..catalogue import Catalogue, DerivedDef, MetricDef
from ..formatting import plural
from ..settings import Config
from . import (OBSERVATION_COLUMNS, ImportData, ImportFailed, Problem, close_codes,
               quoted_choices)
from .detect import column_key
from .reader import Table
from .template import LONG_COLUMNS, WIDE_LEADING, WIDE_TRAILING, unneutralise
from .values import ambiguous_period, check_value, parse_number, parse_period

FORMAT = "shelfmark"
MAX_PROBLEMS = 1000
MAX_WARNINGS = 200
SHOWN_CHARS = 80
SERVICE_CODE_MAX = 64   # Service.code
TEAM_MAX = 100          # Observation.team
NEW_SERVICE_SECTOR = "other"

LONG_REQUIRED = ("service", "metric", "period", "value")
WIDE_REQUIRED = WIDE_LEADING
OPTIONAL = WIDE_TRAILING
_LONG_NEEDS = "the long layout needs the columns service, metric, period and value (team and " \
    "note are optional)"
_WIDE_NEEDS = "the wide layout needs the columns service and period, then one column per " \
    "metric code (team and note are optional)"
_CREATE_HINT = ("check the code, or import with --create-services (on the Import page: "
                "'Create services whose codes are not known yet') to add it")

# Plain figures ("123", "-4.5", "1e6"): a subset of what parse_number reads, and read the same.
_PLAIN_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                 "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")


def _short(text: object) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _more_rows(count: int) -> str:
    """Say how many other rows share a problem reported at the first of them."""
    if count <= 1:
        return ""
    return f" (and {plural(count - 1, 'more row')} with the same text)"


# ---------------------------------------------------------------------------------------------
# Numbers, vectorised
# ---------------------------------------------------------------------------------------------


def parse_numbers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read many cells as `values.parse_number` would: return (values, blank, reasons).

    `values` is NaN where a cell is blank or not a number; `reasons` holds, for the cells that
    are not numbers, parse_number's reason (None elsewhere). Each distinct text is read once:
    plain figures in bulk, the rest by parse_number.
    """
    codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
    texts = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    values = np.full(len(texts) + 1, np.nan)  # the extra slot answers code -1 (none expected)
    blank = np.zeros(len(texts) + 1, dtype=bool)
    reasons = np.full(len(texts) + 1, None, dtype=object)
    plain = texts.str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
    if plain.any():
        with np.errstate(over="ignore"):
            values[: len(texts)][plain] = texts[plain].astype(np.float64).to_numpy()
    for k in np.flatnonzero(~(plain & np.isfinite(values[: len(texts)]))):
        text = str(texts.iloc[k])
        if not text.strip():
            blank[k] = True
            continue
        try:
            values[k] = parse_number(text)
        except ValueError as exc:
            values[k] = np.nan
            reasons[k] = _number_reason(text, str(exc))
    return values[codes], blank[codes], reasons[codes]


def _number_reason(text: str, reason: str) -> str:
    shown = text.strip().upper()
    if shown in _EXCEL_ERRORS or (shown.startswith("#") and shown.endswith(("!", "?", "A"))):
        return (f"the cell shows the spreadsheet error {text.strip()}, not a figure: fix the "
                "formula, or leave the cell blank if the figure is missing")
    return reason


# ---------------------------------------------------------------------------------------------
# Problems, collected column by column
# ---------------------------------------------------------------------------------------------


@dataclass
class _Problems:
    """Collect problems in bulk (arrays of rows) and list them in row order, capped."""

    chunks: list[tuple[np.ndarray, object, object, object]] = field(default_factory=list)

    def add(self, rows, reason, column=None, values=None) -> None:
        """Add problems at `rows`; reason, column and values are each one or one per row."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if len(rows):
            self.chunks.append((rows, reason, column, values))

    def add_one(self, reason: str, row: int | None = None, column: str | None = None,
                value: str | None = None) -> None:
        self.add([-1 if row is None else row], reason, column, value)

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def listed(self, column_order: Mapping[str, int]) -> list[Problem]:
        """Return the problems by row and column, at most MAX_PROBLEMS, then how many more."""
        if not self.chunks:
            return []
        rows = np.concatenate([c[0] for c in self.chunks])
        chunk = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(self.chunks)])
        offset = np.concatenate([np.arange(len(c[0])) for c in self.chunks])
        last = len(column_order)
        where = np.concatenate([
            np.full(len(c[0]), column_order.get(c[2], last)) if c[2] is None or
            isinstance(c[2], str) else np.array([column_order.get(x, last) for x in c[2]])
            for c in self.chunks])
        order = np.lexsort((where, rows))[:MAX_PROBLEMS]

        def pick(item, j):
            return item if item is None or isinstance(item, str) else item[j]

        problems = []
        for i in order:
            _, reason, column, value = self.chunks[chunk[i]]
            j, row = offset[i], int(rows[i])
            value = pick(value, j)
            column = pick(column, j)
            problems.append(Problem(str(pick(reason, j)), row=None if row < 0 else row,
                                    column=None if column is None else str(column),
                                    value=None if value is None else _short(value)))
        if len(rows) > MAX_PROBLEMS:
            problems.append(Problem(f"and {plural(len(rows) - MAX_PROBLEMS, 'more problem')} "
                                    "not listed: fix those above and check the file again"))
        return problems


# ---------------------------------------------------------------------------------------------
# Metrics by code or name
# ---------------------------------------------------------------------------------------------


@dataclass
class _Metrics:
    """Find catalogue metrics by code or name, whatever the case, spaces or underscores."""

    catalogue: Catalogue
    by_key: dict[str, list[str]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)  # folded stored code/name -> as written

    @classmethod
    def build(cls, catalogue: Catalogue) -> "_Metrics":
        index = cls(catalogue)
        for metric in catalogue.all():
            index.by_key.setdefault(column_key(metric.code), []).append(metric.code)
        codes = set(index.by_key)
        for metric in catalogue.all():
            key = column_key(metric.name)
            if key not in codes and metric.code not in index.by_key.setdefault(key, []):
                index.by_key[key].append(metric.code)
        for metric in catalogue.stored:
            index.shown.setdefault(column_key(metric.code), metric.code)
            index.shown.setdefault(column_key(metric.name), metric.name)
        return index

    def find(self, text: str) -> tuple[str | None, str | None]:
        """Return (stored metric code, None), or (None, why the text names no stored metric)."""
        key = column_key(text)
        codes = self.by_key.get(key, [])
        if len(codes) > 1:
            return None, (f"{text!r} is the name of more than one metric "
                          f"({', '.join(codes)}): write the code instead")
        if not codes:
            if not key:
                return None, "the metric is blank: write a metric code from the Metrics sheet"
            hint = self.suggest(text)
            return None, (f"{text!r} is not a metric in the catalogue"
                          + (f": did you mean {quoted_choices(hint)}?" if hint else
                             ": use a metric code from the Metrics sheet (python -m dashboard "
                             "catalogue lists them)"))
        metric = self.catalogue[codes[0]]
        if isinstance(metric, DerivedDef):
            parts = ", ".join(dict.fromkeys((*metric.numerator, *metric.denominator)))
            return None, (f"{text!r} is the derived metric {metric.code} ({metric.name}), "
                          f"computed by Shelfmark from {parts}: it cannot be imported; import "
                          "its parts instead")
        return metric.code, None

    def suggest(self, text: str, extra: tuple[str, ...] = ()) -> list[str]:
        """Return up to three stored codes or names (or `extra` columns) close to `text`."""
        shown = dict(self.shown)
        shown.update({column_key(e): e for e in extra})
        keys = difflib.get_close_matches(column_key(text), list(shown), n=3, cutoff=0.7)
        return list(dict.fromkeys(shown[k] for k in keys))


# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------


@dataclass
class _Columns:
    layout: str                                   # "long" | "wide"
    roles: dict[str, str]                         # service/metric/period/value/team/note -> header
    metrics: list[tuple[str, str]] = field(default_factory=list)  # wide: (header, code)


def _columns(headers: list[str], metrics: _Metrics, header_row: int = 1) -> _Columns:
    """Work out the layout and what each column holds, or raise saying what is wrong."""
    roles_all = (*LONG_REQUIRED, *OPTIONAL)
    keys = {h: column_key(h) for h in headers}
    present = set(keys.values())
    layout = "long" if {"metric", "value"} & present else "wide"
    problems: list[Problem] = []
    roles: dict[str, str] = {}
    metric_columns: list[tuple[str, str]] = []
    metric_header: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        key = keys[header]
        if key in roles_all:
            if key in roles:
                problems.append(Problem(
                    f"columns {roles[key]!r} and {header!r} are both the {key!r} column: keep "
                    "one", row=header_row, column=header))
            else:
                roles[key] = header
            continue
        code, reason = metrics.find(header)
        if layout == "wide" and key in metrics.by_key:
            if code is None:
                problems.append(Problem(reason, row=header_row, column=header))
            elif code in metric_header:
                problems.append(Problem(
                    f"columns {metric_header[code]!r} and {header!r} are both the metric "
                    f"{code}: keep one", row=header_row, column=header))
            else:
                metric_header[code] = header
                metric_columns.append((header, code))
            continue
        if layout == "long" and key in metrics.by_key:
            problems.append(Problem(
                f"column {header!r} is a metric column, which belongs to the wide layout; this "
                f"file has metric/value columns, so it is read as the long layout: "
                f"{_LONG_NEEDS}", row=header_row, column=header))
            continue
        unknown.append(header)
    expected = list(LONG_COLUMNS) if layout == "long" else [*WIDE_LEADING, *WIDE_TRAILING]
    for header in unknown:
        if layout == "long":
            keys_close = difflib.get_close_matches(keys[header], list(LONG_COLUMNS), n=2,
                                                   cutoff=0.6)
            hint = keys_close
        else:
            hint = metrics.suggest(header, extra=tuple(expected))
        problems.append(Problem(
            f"column {header!r} is not a template column"
            + (f": did you mean {quoted_choices(hint)}?" if hint else
               f": expected {', '.join(expected)}" + (" and metric codes" if layout == "wide"
                                                      else "")),
            row=header_row, column=header))
    needed = LONG_REQUIRED if layout == "long" else WIDE_REQUIRED
    for role in needed:
        if role not in roles:
            problems.append(Problem(
                f"the file has no {role!r} column: "
                + (_LONG_NEEDS if layout == "long" else _WIDE_NEEDS), row=header_row))
    if layout == "wide" and not metric_columns:
        problems.append(Problem("the file has no metric columns: " + _LONG_NEEDS + "; or "
                                + _WIDE_NEEDS, row=header_row))
    if problems:
        raise ImportFailed(problems)
    return _Columns(layout, roles, metric_columns)


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _factorize(frame: pd.DataFrame, header: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, distinct texts) of a text column, undoing an export's quote guard.

    A missing column reads as blank throughout.
    """
    if header is None:
        return np.zeros(len(frame), dtype=np.int64), np.array([""], dtype=object)
    codes, uniques = pd.factorize(frame[header].to_numpy(dtype=object))
    texts = [unneutralise(u) if u.startswith("'") else u for u in map(str, uniques)]
    if len(set(texts)) < len(texts):  # "'=x" and "=x" are the same text
        again, distinct = pd.factorize(np.array(texts, dtype=object))
        return again[codes], np.asarray(distinct, dtype=object)
    return codes.astype(np.int64), np.array(texts, dtype=object)


def _firsts(codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return, for each code 0..count-1, its first position and how often it occurs."""
    first = np.full(count, -1, dtype=np.int64)
    positions = np.arange(len(codes), dtype=np.int64)[::-1]
    first[codes[::-1]] = positions
    return first, np.bincount(codes, minlength=count)


# ---------------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------------


def parse_shelfmark(
    table: Table,
    *,
    catalogue: Catalogue,
    services: Mapping[str, str | None],
    config: Config,
    create_services: bool,
    filename: str = "",
    checksum: str = "",
    fy_months: Mapping[str, int] | None = None,
) -> ImportData:
    """Read a Shelfmark template table into ImportData, or raise ImportFailed listing problems.

    `fy_months` gives the first month of the financial year of services whose year is not
    their sector's (see Config.fy_start_for); the rest follow their sector.

    `services` maps each known service code to its sector, whose financial year reads periods;
    unknown codes are refused unless `create_services` (their figures then use the "other"
    sector's financial year, the sector such services are created with).
    """
    frame = table.frame
    rows = np.asarray(table.rows, dtype=np.int64)
    metrics = _Metrics.build(catalogue)
    columns = _columns([str(c) for c in frame.columns], metrics,
                       int(getattr(table, "header_row", 1)))
    roles = columns.roles
    problems = _Problems()
    warnings: list[Problem] = []

    # Services: each distinct code checked once.
    service_codes, service_uniques = _factorize(frame, roles["service"])
    first, counts = _firsts(service_codes, len(service_uniques))
    sectors = np.empty(len(service_uniques), dtype=object)
    service_ok = np.ones(len(service_uniques), dtype=bool)
    folded = {}
    for code in services:
        folded.setdefault(str(code).lower(), []).append(code)
    for k, code in enumerate(service_uniques):
        code = str(code)
        row, column = int(rows[first[k]]), roles["service"]
        if code in services:
            sectors[k] = services[code]
            continue
        sectors[k] = NEW_SERVICE_SECTOR
        if not code:
            service_ok[k] = False
            problems.add(rows[service_codes == k], "the service code is blank", column)
            continue
        same = folded.get(code.lower(), [])
        if create_services and not same and len(code) <= SERVICE_CODE_MAX:
            continue
        service_ok[k] = False
        if len(code) > SERVICE_CODE_MAX:
            reason = (f"service code {_short(code)!r} is longer than {SERVICE_CODE_MAX} "
                      "characters")
        elif same:
            reason = (f"service {code!r} is not in Shelfmark, but {quoted_choices(same)} is: "
                      "service codes must match exactly, capitals included")
        else:
            hint = close_codes(code, services)
            reason = (f"service {code!r} is not in Shelfmark"
                      + (f": did you mean {quoted_choices(hint)}? If not, " if hint else ": ")
                      + _CREATE_HINT)
        problems.add_one(reason + _more_rows(int(counts[k])), row, column, code)
    own_years = fy_months or {}
    fy_months = np.array([own_years.get(str(code)) or config.fy_start_month(s)
                          for code, s in zip(service_uniques, sectors)] or [1], dtype=np.int64)
    row_fy = fy_months[service_codes] if len(service_uniques) else np.ones(0, dtype=np.int64)

    # Periods: each distinct (text, financial year start) read once.
    period_codes, period_uniques = _factorize(frame, roles["period"])
    combined = period_codes.astype(np.int64) * 16 + row_fy
    pairs, period_of_row = np.unique(combined, return_inverse=True)
    period_of_row = period_of_row.reshape(-1)
    first, counts = _firsts(period_of_row, len(pairs))
    period_types = np.empty(len(pairs), dtype=object)
    period_starts = np.empty(len(pairs), dtype=object)
    period_ok = np.ones(len(pairs), dtype=bool)
    period_key = np.zeros(len(pairs), dtype=np.int64)  # same type and start: same key
    keys: dict[tuple, int] = {}
    warned: set[str] = set()
    for k, pair in enumerate(pairs):
        text, fy_month = str(period_uniques[pair // 16]), int(pair % 16)
        row = int(rows[first[k]])
        try:
            period_types[k], period_starts[k] = parse_period(text, fy_month)
        except ValueError as exc:
            period_ok[k] = False
            problems.add_one(str(exc) + _more_rows(int(counts[k])), row, roles["period"], text)
            continue
        period_key[k] = keys.setdefault((period_types[k], period_starts[k]), len(keys))
        note = ambiguous_period(text)
        if note and text not in warned and len(warned) < MAX_WARNINGS:
            warned.add(text)
            warnings.append(Problem(note, row=row, column=roles["period"], value=text,
                                    severity="warning"))

    # Teams and notes.
    team_codes, team_uniques = _factorize(frame, roles.get("team"))
    long_team = np.array([len(str(t)) > TEAM_MAX for t in team_uniques], dtype=bool)
    if long_team.any():
        bad = long_team[team_codes]
        problems.add(rows[bad], f"the team name is longer than {TEAM_MAX} characters",
                     roles["team"], team_uniques[team_codes[bad]])
    note_codes, note_uniques = _factorize(frame, roles.get("note"))
    row_ok = service_ok[service_codes] & period_ok[period_of_row] & ~long_team[team_codes]

    # Figures: (row position, metric code, value, column) for every non-blank value cell.
    metric_list: list[str] = []
    if columns.layout == "long":
        metric_codes, metric_uniques = _factorize(frame, roles["metric"])
        first, counts = _firsts(metric_codes, len(metric_uniques))
        metric_id = np.full(len(metric_uniques), -1, dtype=np.int64)
        ids: dict[str, int] = {}
        for k, text in enumerate(metric_uniques):
            code, reason = metrics.find(str(text))
            if code is None:
                problems.add_one(reason + _more_rows(int(counts[k])), int(rows[first[k]]),
                                 roles["metric"], str(text))
                continue
            if code not in ids:
                ids[code] = len(metric_list)
                metric_list.append(code)
            metric_id[k] = ids[code]
        row_metric = metric_id[metric_codes]
        row_ok &= row_metric >= 0
        cells = frame[roles["value"]].to_numpy(dtype=object)
        values, blank, reasons = parse_numbers(cells)
        bad = ~blank & np.isnan(values)
        problems.add(rows[bad], reasons[bad], roles["value"], cells[bad])
        if blank.any():
            warnings.append(Problem(
                f"{plural(int(blank.sum()), 'row has', 'rows have')} no value "
                "(blank is missing, never zero): not imported",
                row=int(rows[np.argmax(blank)]), column=roles["value"], severity="warning"))
        take = ~blank & ~bad
        obs_pos = np.flatnonzero(take)
        obs_metric = row_metric[take]
        obs_value = values[take]
        obs_column = np.full(len(obs_pos), roles["value"], dtype=object)
        obs_text = cells[take]
    else:
        parts_pos, parts_metric, parts_value, parts_column, parts_text = [], [], [], [], []
        for header, code in columns.metrics:
            cells = frame[header].to_numpy(dtype=object)
            values, blank, reasons = parse_numbers(cells)
            bad = ~blank & np.isnan(values)
            problems.add(rows[bad], reasons[bad], header, cells[bad])
            where = np.flatnonzero(~blank & ~bad)
            parts_pos.append(where)
            parts_metric.append(np.full(len(where), len(metric_list), dtype=np.int64))
            parts_value.append(values[where])
            parts_column.append(np.full(len(where), header, dtype=object))
            parts_text.append(cells[where])
            metric_list.append(code)
        obs_pos = np.concatenate(parts_pos)
        obs_metric = np.concatenate(parts_metric)
        obs_value = np.concatenate(parts_value)
        obs_column = np.concatenate(parts_column)
        obs_text = np.concatenate(parts_text)
    metric_units = [catalogue[c].unit for c in metric_list]

    # Values against their metric's unit (negative counts, percentages over 100).
    keep = row_ok[obs_pos] & (obs_metric >= 0)
    units = np.array(metric_units + [""], dtype=object)[obs_metric]
    negative = obs_value < 0
    suspect = (negative | ((units == "percent") & (obs_value > 100))) & (obs_metric >= 0)
    if suspect.any():
        names = np.array(metric_list + [""], dtype=object)
        for unit in pd.unique(units[suspect]):
            for sample, kind in ((-1.0, negative), (101.0, ~negative)):
                hit = suspect & (units == unit) & kind
                reason = check_value(sample, str(unit)) if hit.any() else None
                if reason:
                    problems.add(rows[obs_pos[hit]],
                                 [f"{reason} (metric {m})" for m in names[obs_metric[hit]]],
                                 obs_column[hit], obs_text[hit])
                    keep &= ~hit

    # Duplicates: the same service, metric, period and team twice.
    obs_keys = pd.DataFrame({
        "service": service_codes[obs_pos], "metric": obs_metric,
        "period": period_key[period_of_row[obs_pos]], "team": team_codes[obs_pos],
    })[keep]
    repeat = np.zeros(len(obs_pos), dtype=bool)
    if len(obs_keys):
        duplicated = obs_keys.duplicated(keep=False).to_numpy()
        if duplicated.any():
            where = np.flatnonzero(keep)[duplicated]
            group = obs_keys[duplicated]
            firsts = group.assign(at=where).groupby(list(group.columns), sort=False)["at"] \
                .transform("first").to_numpy()
            later = where != firsts
            same = obs_value[where] == obs_value[firsts]
            clash = later & ~same
            if clash.any():
                at, was = where[clash], firsts[clash]
                problems.add(
                    rows[obs_pos[at]],
                    [f"rows {f} and {r} give different figures ({_figure(a)} and "
                     f"{_figure(b)}) for the same service, metric, period and team: keep one"
                     for r, f, a, b in zip(rows[obs_pos[at]], rows[obs_pos[was]],
                                           obs_value[was], obs_value[at])],
                    obs_column[at], obs_text[at])
            exact = later & same
            if exact.any():
                repeat[where[exact]] = True
                at, was = where[exact][0], firsts[exact][0]
                warnings.append(Problem(
                    f"{plural(int(exact.sum()), 'figure repeats', 'figures repeat')}"
                    f" an earlier row exactly (first: row {rows[obs_pos[at]]} repeats row "
                    f"{rows[obs_pos[was]]}): each is imported once",
                    row=int(rows[obs_pos[at]]), column=str(obs_column[at]),
                    severity="warning"))

    # Metrics meant for another sector: a likely wrong service code or metric.
    _sector_warnings(warnings, catalogue, metric_list, service_uniques, sectors, service_codes,
                     obs_pos[keep], obs_metric[keep], rows)

    if problems:
        raise ImportFailed(problems.listed({str(c): i for i, c in enumerate(frame.columns)}))
    keep &= ~repeat
    pos = obs_pos[keep]
    count = len(pos)
    observations = pd.DataFrame({
        "service": service_uniques[service_codes[pos]],
        "metric": np.array(metric_list + [""], dtype=object)[obs_metric[keep]],
        "period_type": period_types[period_of_row[pos]],
        "period_start": period_starts[period_of_row[pos]],
        "team": team_uniques[team_codes[pos]],
        "value": obs_value[keep].astype(np.float64),
        "missing_reason": np.full(count, None, dtype=object),
        "imputed": np.zeros(count, dtype=bool),
        "note": note_uniques[note_codes[pos]],
        "source_row": rows[pos],
        "source_column": obs_column[keep],
    }, columns=list(OBSERVATION_COLUMNS))
    return ImportData(format=FORMAT, observations=observations, services=None, source=None,
                      warnings=warnings, filename=filename, checksum=checksum)


def _figure(value: float) -> str:
    return f"{value:,.15g}"


def _sector_warnings(warnings: list[Problem], catalogue: Catalogue, metric_list: list[str],
                     service_uniques: np.ndarray, sectors: np.ndarray,
                     service_codes: np.ndarray, pos: np.ndarray, metric: np.ndarray,
                     rows: np.ndarray) -> None:
    """Warn once per service and metric when the metric is not for the service's sector."""
    if not len(pos) or not metric_list:
        return
    pair = service_codes[pos].astype(np.int64) * len(metric_list) + metric
    unique, first = np.unique(pair, return_index=True)
    shown = 0
    for value, at in zip(unique, first):
        k, m = divmod(int(value), len(metric_list))
        sector = sectors[k]
        definition: MetricDef = catalogue[metric_list[m]]
        if sector in (None, "", NEW_SERVICE_SECTOR) or sector in definition.sectors:
            continue
        if shown == MAX_WARNINGS:
            warnings.append(Problem("more metrics outside their services' sectors follow",
                                    severity="warning"))
            return
        shown += 1
        warnings.append(Problem(
            f"metric {definition.code} is collected from {', '.join(definition.sectors)} "
            f"libraries, but service {service_uniques[k]} is {sector}: check the service code "
            "and the metric", row=int(rows[pos[at]]), severity="warning"))
