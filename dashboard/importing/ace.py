"""Read Arts Council England's public libraries activity data (2023/24 on) into ImportData.

The data come as tidy files, one row per library authority (ONS code), breakdown and period,
published by Arts Council England (ACE) and tidied by the LibrariesHacked project:

| file                     | metric                  | summed over (values seen in 2023/24)       |
|--------------------------|-------------------------|--------------------------------------------|
| loans.csv                | `loans`                 | Format (Physical book, Physical audiobook,  |
|                          |                         | Ebook, Eaudio) x Content age group (Adult,  |
|                          |                         | Under 12, 12-17, Unknown)                   |
| visits.csv               | `visits`                | Location (Library, Shared building, Mobile  |
|                          |                         | library, Home delivery)                     |
| users.csv                | `ace_active_users`      | Age group (Adult, Under 12, 12-17, Unknown) |
| events.csv               | `ace_events`            | Event type (Physical, Digital) x Age group  |
|                          |                         | (Adult, Under 12, 12-17, All ages)          |
| event_attendance.csv     | `ace_event_attendance`  | Event type x Age group, as events           |
| computers.csv            | `ace_computer_hours`    | (no breakdown)                              |
| wifi.csv                 | `ace_wifi_sessions`     | (no breakdown)                              |
| click_and_collect.csv    | `ace_click_and_collect` | (no breakdown)                              |

Each stored figure is the sum of every row the authority reported for that measure and period.
The categories are disjoint ("Unknown" holds what an authority could not split by age; "All
ages" counts events aimed at all ages), so the sums equal ACE's published totals (the summary
`services.csv` agrees for every authority). A few loans.csv rows repeat the same authority,
format, age group and period (e-audio totals filed under "Physical audiobook"): they are
distinct figures and are summed, with a warning. A blank or absent count is missing, never zero.

Not imported as figures, so nothing is counted twice: the wide original
(libraries_activity_data_2023_2024.csv) and the summary services.csv, which hold the same
figures again. services.csv still supplies each authority's population and library service name.

Periods are ISO 8601 start/duration: `2023-04-01/P1M` a month, `/P3M` a quarter (stored with
its start date as given), `/P1Y` twelve months. An authority may report one measure at mixed
spans (physical loans monthly, e-loans quarterly): its parts are added up to the coarsest span
among them, so every stored figure is a whole total. Spans are stored where they line up with
the public sector's financial year (`FY_START_PUBLIC`; ACE's year runs April to March):
- months always;
- quarters (January, April, July, October starts) when the financial year starts in one of
  those months, as both the default July and England's April do;
- 12-month flows (annual loans, visits...) only when the financial year starts in the same
  month (April): a figure for April 2023 to March 2024 cannot be put in a July year without
  misstating it. Otherwise that authority's figures for that measure are left out, with a
  warning naming them; import with FY_START_PUBLIC=4 to keep them as financial years.

Active users are a stock, "people who used the library in the last 12 months", reported once
for the year (`2023-04-01/P1Y`). That count is true as at the end of the span, so it is stored as
a month observation at the span's last month (March 2024). Whatever month the financial year
starts in, the figure then sits in the right month, quarter and year, and the catalogue's
"latest value" rule shows it for any period that ends in or after March 2024.

Authorities become `public` services coded by their ONS code, named by their short name, with
their region, council (as parent organisation), nation, library service name and population as
attributes. The nearest-neighbours file gives each authority's ranked statistical neighbours.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..catalogue import CATALOGUE
from ..formatting import plural
from ..settings import DATA_DIR, Config, load_config
from . import (NEIGHBOUR_COLUMNS, OBSERVATION_COLUMNS, SERVICE_COLUMNS, DataSourceInfo,
               ImportData, ImportFailed, Problem, empty_observations)
from .reader import read_table

FORMAT = "ace"
# English public library authorities report April-March years (the local-government year).
# Services keep it as their `fy_start_month` attribute, which overrides FY_START_PUBLIC.
FY_START_MONTH = 4
NEIGHBOUR_SOURCE = "ace-nearest-neighbours"
SHIPPED = DATA_DIR / "ace_england_2023_24"
AUTHORITIES_FILE = "library_authorities.json"
SERVICES_FILE = "services.csv"
NEIGHBOURS_FILE = "localauthoritynearestneighboursengland.csv"
WIDE_FILE = "libraries_activity_data_2023_2024.csv"

SOURCE = DataSourceInfo(
    code="ace",
    name="Arts Council England public libraries activity",
    public=True,
    description=(
        "Activity of English public library authorities (loans, visits, active users, events, "
        "computer and Wi-Fi use, click and collect) by month or quarter, from Arts Council "
        "England's libraries activity dataset as tidied by LibrariesHacked; with ONS nearest "
        "statistical neighbours of each authority."),
    url="https://www.artscouncil.org.uk/supporting-arts-museums-and-libraries/supporting-libraries",
    licence="Published by Arts Council England; tidied files by LibrariesHacked (MIT licence)",
)


@dataclass(frozen=True)
class TidyFile:
    """One tidy ACE file: the metric it holds and the breakdown columns summed over."""

    metric: str
    breakdown: tuple[str, ...]
    expected: dict[str, frozenset[str]]


def _values(*names: str) -> frozenset[str]:
    return frozenset(names)


_AGES = _values("Adult", "Under 12", "12-17", "Unknown")
_EVENT_TYPES = _values("Physical", "Digital")
_EVENT_AGES = _values("Adult", "Under 12", "12-17", "All ages")

TIDY_FILES: dict[str, TidyFile] = {
    "loans.csv": TidyFile("loans", ("Format", "Content age group"), {
        "Format": _values("Physical book", "Physical audiobook", "Ebook", "Eaudio"),
        "Content age group": _AGES}),
    "visits.csv": TidyFile("visits", ("Location",), {
        "Location": _values("Library", "Shared building", "Mobile library", "Home delivery")}),
    "users.csv": TidyFile("ace_active_users", ("Age group",), {"Age group": _AGES}),
    "events.csv": TidyFile("ace_events", ("Event type", "Age group"), {
        "Event type": _EVENT_TYPES, "Age group": _EVENT_AGES}),
    "event_attendance.csv": TidyFile("ace_event_attendance", ("Event type", "Age group"), {
        "Event type": _EVENT_TYPES, "Age group": _EVENT_AGES}),
    "computers.csv": TidyFile("ace_computer_hours", (), {}),
    "wifi.csv": TidyFile("ace_wifi_sessions", (), {}),
    "click_and_collect.csv": TidyFile("ace_click_and_collect", (), {}),
}

SPANS = {1: "month", 3: "quarter", 12: "year"}
_CODE = re.compile(r"^[EWSN]\d{8}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P(\d+)([MY])$")
_SHOWN = 200


def _fold(name: Any) -> str:
    """Fold a column name for matching: no case, spaces, underscores, hyphens or BOM."""
    return re.sub(r"[\s_\-]+", "", str(name).replace("\ufeff", "")).lower()


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_ace_file(data: bytes | pd.DataFrame, filename: str, *, config: Config | None = None,
                   checksum: str = "") -> ImportData:
    """Read ONE ACE file (a tidy file or the nearest-neighbours file) into ImportData.

    Authority names, regions and populations come from the authorities list shipped in data/.
    """
    config = config or load_config()
    name = _basename(filename)
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = _decompress(bytes(data))
        checksum = checksum or hashlib.sha256(bytes(data)).hexdigest()
        frame = _read_csv(raw, name)
    elif isinstance(data, pd.DataFrame):
        frame = data.astype(object).where(data.notna(), "").astype(str)
    else:
        raise ImportFailed([Problem("an ACE file must be given as bytes or a table")])
    kind = _kind(name, list(frame.columns))
    authorities = _authority_table(SHIPPED)
    warnings: list[Problem] = []
    observations, neighbours = empty_observations(), None
    if kind == NEIGHBOURS_FILE:
        neighbours = _neighbours(frame)
        codes = set(neighbours["service"]) | set(neighbours["neighbour"])
    elif kind == SERVICES_FILE:
        warnings.append(Problem(
            "services.csv is ACE's summary of the tidy files: its figures are not imported "
            "(import loans.csv, visits.csv ... or the whole folder); it only describes the "
            "authorities", severity="warning"))
        authorities = _authority_table(SHIPPED, services=frame)
        codes = set(_column(frame, "authoritycode", SERVICES_FILE))
    else:
        rows = _tidy_rows(frame, kind, "Count", warnings)
        observations = _observations(rows, config, warnings)
        codes = set(rows["authority"])
    services = _services(authorities, codes, warnings)
    return ImportData(format=FORMAT, observations=observations, services=services,
                      source=SOURCE, neighbours=neighbours, warnings=warnings,
                      filename=filename, checksum=checksum)


def parse_ace_folder(path: str | Path, *, config: Config | None = None) -> ImportData:
    """Read a folder of ACE files: every tidy file, the authorities and their neighbours."""
    config = config or load_config()
    folder = Path(path)
    if not folder.is_dir():
        raise ImportFailed([Problem(f"there is no folder {str(folder)!r}")])
    files = {_basename(p.name): p for p in sorted(folder.iterdir()) if p.is_file()}
    warnings: list[Problem] = []
    digest = hashlib.sha256()
    frames: dict[str, pd.DataFrame] = {}
    for name in [*TIDY_FILES, NEIGHBOURS_FILE, SERVICES_FILE]:
        if name in files:
            raw = files[name].read_bytes()
            digest.update(f"{name}:{hashlib.sha256(raw).hexdigest()}\n".encode())
            frames[name] = _read_csv(_decompress(raw), name)
    present = [name for name in TIDY_FILES if name in frames]
    if not present:
        raise ImportFailed([Problem(
            f"the folder {folder.name!r} holds none of ACE's tidy files ("
            + ", ".join(TIDY_FILES) + ")")])
    absent = [name for name in TIDY_FILES if name not in frames]
    if absent:
        warnings.append(Problem("these ACE files are not in the folder, so their measures were "
                                "not imported: " + ", ".join(absent), severity="warning"))
    if WIDE_FILE in files:
        warnings.append(Problem(
            f"{WIDE_FILE} (the wide original) was not imported: it holds the same figures as "
            "the tidy files", severity="warning"))
    home = folder if (folder / AUTHORITIES_FILE).exists() else SHIPPED
    if home != folder:
        warnings.append(Problem(f"the folder has no {AUTHORITIES_FILE}: the authorities list "
                                "shipped with Shelfmark was used", severity="warning"))
    authorities = _authority_table(home, services=frames.get(SERVICES_FILE))
    digest.update(hashlib.sha256((home / AUTHORITIES_FILE).read_bytes()).hexdigest().encode())

    parts, problems = [], []
    for name in present:
        try:
            parts.append(_tidy_rows(frames[name], name, f"{name}: Count", warnings))
        except ImportFailed as failed:
            problems += [Problem(f"{name}: {p.reason}", p.row, p.column, p.value, p.severity)
                         for p in failed.problems]
    if problems:
        raise ImportFailed(problems[:_SHOWN])
    rows = pd.concat(parts, ignore_index=True)
    observations = _observations(rows, config, warnings)
    neighbours = _neighbours(frames[NEIGHBOURS_FILE]) if NEIGHBOURS_FILE in frames else None
    codes = set(authorities.loc[authorities["nation"] == "England", "code"]) | \
        set(rows["authority"])
    if neighbours is not None:
        codes |= set(neighbours["service"]) | set(neighbours["neighbour"])
    services = _services(authorities, codes, warnings)
    return ImportData(format=FORMAT, observations=observations, services=services,
                      source=SOURCE, neighbours=neighbours, warnings=warnings,
                      filename=folder.name, checksum=digest.hexdigest())


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _basename(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].lower()
    return name[:-3] if name.endswith(".gz") else name


def _decompress(raw: bytes) -> bytes:
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise ImportFailed([Problem(f"the gzip-compressed file is damaged: {exc}")])


def _read_csv(raw: bytes, name: str) -> pd.DataFrame:
    """Read CSV bytes as text cells with the one CSV reader (reader.read_table: encodings, row
    lengths checked against the header), naming the file in every problem."""
    if raw[:2] == b"PK":
        raise ImportFailed([Problem(f"{name} is a workbook: ACE files are read as CSV; save it "
                                    "as CSV (UTF-8) and import that")])
    try:  # the size was checked when the file or folder was taken in
        return read_table(raw, name or "file.csv", max_bytes=len(raw) + 1).frame
    except ImportFailed as failed:
        raise ImportFailed([replace(problem, reason=f"{name or 'the file'}: {problem.reason}")
                            for problem in failed.problems]) from None


def _kind(name: str, columns: list[str]) -> str:
    """Tell which ACE file this is: by its name, else by its columns where they decide."""
    if name in TIDY_FILES or name in (NEIGHBOURS_FILE, SERVICES_FILE):
        return name
    keys = {_fold(c) for c in columns}
    if name == WIDE_FILE or "librarydetails" in keys:
        raise ImportFailed([Problem(
            "this is ACE's wide original, which Shelfmark does not import (it holds the same "
            "figures as the tidy files): import loans.csv, visits.csv ... or the folder")])
    if "uppertierlocalauthoritycode" in keys:
        return NEIGHBOURS_FILE
    if "authoritycode" in keys:
        return SERVICES_FILE
    if {"authority", "period", "count"} <= keys:
        if "format" in keys:
            return "loans.csv"
        if "location" in keys:
            return "visits.csv"
        if "agegroup" in keys and "eventtype" not in keys:
            return "users.csv"
    raise ImportFailed([Problem(
        f"cannot tell which ACE measure {name or 'this file'!r} holds: events and attendance, "
        "and computers, Wi-Fi and click and collect, have the same columns, so the file must "
        "keep its published name (" + ", ".join(TIDY_FILES) + ")")])


def _column(frame: pd.DataFrame, key: str, name: str) -> pd.Series:
    for column in frame.columns:
        if _fold(column) == key:
            return frame[column].str.strip()
    raise ImportFailed([Problem(f"{name} has no {key!r} column", column=key)])


def _tidy_rows(frame: pd.DataFrame, name: str, source_column: str,
               warnings: list[Problem]) -> pd.DataFrame:
    """Check a tidy file's rows and return them as authority, metric, span and value."""
    spec = TIDY_FILES[name]
    columns = {_fold(c): c for c in frame.columns}
    missing = [c for c in ("Authority", "Period", "Count") if _fold(c) not in columns]
    if missing:
        raise ImportFailed([Problem(f"{name} has no {c!r} column", column=c) for c in missing])
    authority = frame[columns["authority"]].str.strip().str.upper()
    period = frame[columns["period"]].str.strip()
    count = frame[columns["count"]].str.strip()
    line = np.arange(2, len(frame) + 2)
    filled = ((authority != "") | (period != "") | (count != "")).to_numpy()
    problems: list[Problem] = []

    bad_code = filled & ~authority.str.match(_CODE).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad_code)[:_SHOWN]:
        problems.append(Problem("not an ONS authority code (such as E06000001)",
                                row=int(line[i]), column=columns["authority"],
                                value=authority.iat[i]))
    parts = period.str.extract(_PERIOD)
    start, months = _spans(parts)
    bad_period = filled & np.isnan(months)
    for i in np.flatnonzero(bad_period)[:_SHOWN]:
        problems.append(Problem(
            "not a period Shelfmark reads: give a first-of-month start and a span of one "
            "month, a quarter or a year, such as 2023-04-01/P3M", row=int(line[i]),
            column=columns["period"], value=period.iat[i]))
    blank = filled & (count == "").to_numpy()
    value = pd.to_numeric(count.str.replace(",", "", regex=False), errors="coerce")
    value = value.to_numpy(dtype=float)
    bad_count = filled & ~blank & ~np.isfinite(value)
    for i in np.flatnonzero(bad_count)[:_SHOWN]:
        problems.append(Problem("not a number", row=int(line[i]), column=columns["count"],
                                value=count.iat[i][:40]))
    negative = filled & ~blank & (value < 0)
    for i in np.flatnonzero(negative)[:_SHOWN]:
        problems.append(Problem("a count cannot be negative", row=int(line[i]),
                                column=columns["count"], value=count.iat[i]))
    if problems:
        raise ImportFailed(problems[:_SHOWN])
    if blank.any():
        warnings.append(Problem(
            f"{name}: left out {plural(int(blank.sum()), 'row')} with no count (a blank is "
            "missing, not zero)", severity="warning"))
    keep = filled & ~blank
    breakdown = [columns[_fold(c)] for c in spec.breakdown if _fold(c) in columns]
    _check_breakdown(frame, keep, spec, columns, name, warnings)
    keys = [columns["authority"], *breakdown, columns["period"]]
    repeated = frame.loc[keep].duplicated(keys, keep=False)
    if repeated.any():
        warnings.append(Problem(
            f"{name}: {int(repeated.sum()):,} rows repeat the same authority, "
            f"{', '.join(c.lower() for c in breakdown) or 'breakdown'} and period; they hold "
            "different figures and all were added to the total", severity="warning"))
    return pd.DataFrame({
        "authority": authority.to_numpy(dtype=object)[keep],
        "metric": spec.metric,
        "start": start[keep].astype(np.int64),
        "months": months[keep].astype(np.int64),
        "value": value[keep],
        "source_row": line[keep],
        "source_column": source_column,
    })


def _spans(parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each period's first month (as year * 12 + month - 1) and length in months."""
    year = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
    month = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
    day = pd.to_numeric(parts[2], errors="coerce").to_numpy(dtype=float)
    length = pd.to_numeric(parts[3], errors="coerce").to_numpy(dtype=float)
    length = np.where(parts[4].to_numpy(dtype=object) == "Y", length * 12, length)
    ok = (day == 1) & (month >= 1) & (month <= 12) & np.isin(length, list(SPANS))
    start = np.where(ok, year * 12 + month - 1, 0)
    return start, np.where(ok, length, np.nan)


def _check_breakdown(frame: pd.DataFrame, keep: np.ndarray, spec: TidyFile,
                     columns: dict[str, str], name: str, warnings: list[Problem]) -> None:
    """Warn about breakdown categories not seen in 2023/24: they are summed all the same."""
    for label, known in spec.expected.items():
        column = columns.get(_fold(label))
        if column is None:
            continue
        seen = set(frame.loc[keep, column].str.strip())
        new = sorted(seen - known)
        if new:
            warnings.append(Problem(
                f"{name}: {label} has categories not seen before ({', '.join(new)}); they were "
                "added to the total like the others", column=column, severity="warning"))


# ---------------------------------------------------------------------------------------------
# Periods and totals
# ---------------------------------------------------------------------------------------------


def _observations(rows: pd.DataFrame, config: Config, warnings: list[Problem]) -> pd.DataFrame:
    """Total the rows per authority, metric and period, at spans the financial year can hold."""
    if not len(rows):
        return empty_observations()
    fy_start = FY_START_MONTH  # English local government: April to March, whatever the setting
    stock = rows["metric"].map(lambda code: CATALOGUE[code].aggregation == "latest")
    stocks = rows.loc[stock].assign(span=1, bucket=lambda r: r["start"] + r["months"] - 1)
    flows = _flow_buckets(rows.loc[~stock])
    totals = pd.concat([stocks, flows], ignore_index=True).groupby(
        ["authority", "metric", "span", "bucket"], sort=True).agg(
        value=("value", "sum"), source_row=("source_row", "min"),
        source_column=("source_column", "first"), parts=("value", "size")).reset_index()

    bucket_month = totals["bucket"] % 12 + 1
    fits = (totals["span"] == 1) | \
        ((totals["span"] == 3) & ((fy_start - 1) % 3 == 0)) | \
        ((totals["span"] == 12) & (bucket_month == fy_start))
    if not fits.all():
        _warn_unstored(totals.loc[~fits], fy_start, warnings)
        totals = totals.loc[fits]
    combined = rows.groupby(["authority", "metric"])["months"].nunique()
    mixed = combined[combined > 1]
    if len(mixed):
        warnings.append(Problem(
            f"{plural(len(mixed), 'authority measure was', 'authority measures were')} "
            "reported at mixed spans (for example "
            f"{mixed.index[0][1]} of {mixed.index[0][0]}): their parts were added up to the "
            "longest span, so each stored figure is a whole total", severity="warning"))
    years = totals["bucket"].to_numpy() // 12
    months = totals["bucket"].to_numpy() % 12 + 1
    starts = [dt.date(int(y), int(m), 1) for y, m in zip(years, months)]
    return pd.DataFrame({
        "service": totals["authority"].to_numpy(dtype=object),
        "metric": totals["metric"].to_numpy(dtype=object),
        "period_type": totals["span"].map(SPANS).to_numpy(dtype=object),
        "period_start": pd.Series(starts, dtype=object),
        "team": "",
        "value": totals["value"].to_numpy(dtype=float),
        "missing_reason": pd.Series([None] * len(totals), dtype=object),
        "imputed": False,
        "note": [f"sum of {n} rows" if n > 1 else "" for n in totals["parts"]],
        "source_row": totals["source_row"].to_numpy(dtype=np.int64),
        "source_column": totals["source_column"].to_numpy(dtype=object),
    }, columns=list(OBSERVATION_COLUMNS))


def _flow_buckets(rows: pd.DataFrame) -> pd.DataFrame:
    """Give each flow row the period it is totalled in: its measure's longest span per authority.

    Quarters follow the calendar quarters ACE uses (January, April, July, October); years start
    in the month of the authority's 12-month figures.
    """
    if not len(rows):
        return rows.assign(span=pd.Series(dtype=np.int64), bucket=pd.Series(dtype=np.int64))
    group = rows.groupby(["authority", "metric"])
    span = group["months"].transform("max").to_numpy()
    start = rows["start"].to_numpy()
    problems = [Problem("a quarter must start in January, April, July or October",
                        row=int(r), column=c)
                for r, c in rows.loc[(rows["months"] == 3) & (rows["start"] % 3 != 0),
                                     ["source_row", "source_column"]].itertuples(index=False)]
    keys = [rows["authority"], rows["metric"]]
    year_month = (rows["start"] % 12).where(rows["months"] == 12)
    for authority, metric in rows.loc[year_month.groupby(keys).transform("nunique") > 1,
                                      ["authority", "metric"]].drop_duplicates().itertuples(
                                          index=False):
        problems.append(Problem(
            f"{authority} reports 12-month {metric} figures starting in different months"))
    offset = year_month.groupby(keys).transform("min").fillna(0).to_numpy(dtype=np.int64)
    bucket = np.where(span == 12, start - (start - offset) % 12,
                      np.where(span == 3, start - start % 3, start))
    ends_inside = start + rows["months"].to_numpy() <= bucket + span
    for r, c in rows.loc[~ends_inside, ["source_row", "source_column"]].itertuples(index=False):
        problems.append(Problem("this period straddles two of the authority's other periods "
                                "for the same measure, so it cannot be added to either",
                                row=int(r), column=c))
    if problems:
        raise ImportFailed(problems[:_SHOWN])
    return rows.assign(span=span, bucket=bucket)


def _warn_unstored(left: pd.DataFrame, fy_start: int, warnings: list[Problem]) -> None:
    """Say which totals were left out because the financial year cannot hold their span."""
    def month(number: int) -> str:
        return dt.date(2000, number, 1).strftime("%B")

    pairs = sorted(set(zip(left["authority"], left["metric"])))
    shown = ", ".join(f"{metric} of {authority}" for authority, metric in pairs[:20])
    more = f" and {len(pairs) - 20} more" if len(pairs) > 20 else ""
    years = sorted(set(left.loc[left["span"] == 12, "bucket"] % 12 + 1))
    if len(years) == 1 and (years[0] - 1) % 3 == 0:
        fix = f"set FY_START_PUBLIC={years[0]} ({month(years[0])}) to import them"
    elif not years:
        fix = "a financial year starting in January, April, July or October can hold them"
    else:
        fix = "their years start in different months"
    totals = plural(len(left), "total over a quarter or a year was",
                    "totals over a quarter or a year were")
    warnings.append(Problem(
        f"{totals} not imported because {'it does' if len(left) == 1 else 'they do'} not line "
        f"up with the public financial year, which starts in {month(fy_start)} "
        f"(FY_START_PUBLIC): {shown}{more}; {fix}", severity="warning"))


# ---------------------------------------------------------------------------------------------
# Authorities and neighbours
# ---------------------------------------------------------------------------------------------


def _authority_table(folder: Path, services: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return every library authority: code, names, region, nation and population if known."""
    path = folder / AUTHORITIES_FILE
    if not path.exists():
        raise ImportFailed([Problem(f"the authorities list {path} is missing")])
    try:
        listed = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise ImportFailed([Problem(f"{AUTHORITIES_FILE} is not valid JSON: {exc}")])
    table = pd.DataFrame(listed, columns=["code", "name", "nice_name", "region", "nation"])
    table = table.astype(object).where(table.notna(), None)
    table["code"] = table["code"].astype(str).str.strip().str.upper()
    table = table.drop_duplicates("code")
    if services is None and (folder / SERVICES_FILE).exists():
        services = _read_csv((folder / SERVICES_FILE).read_bytes(), SERVICES_FILE)
    extra = _service_facts(services) if services is not None else pd.DataFrame(
        columns=["code", "library_service", "population_under_12", "population_12_17",
                 "population_adult"])
    return table.merge(extra, on="code", how="left")


def _service_facts(services: pd.DataFrame) -> pd.DataFrame:
    """Take each authority's library service name and population from services.csv."""
    columns = {_fold(c): c for c in services.columns}

    def get(key: str) -> pd.Series:
        column = columns.get(key)
        return services[column].str.strip() if column else pd.Series([""] * len(services))

    def number(key: str) -> pd.Series:
        values = pd.to_numeric(get(key).str.replace(",", "", regex=False), errors="coerce")
        return values.where(values >= 0)

    facts = pd.DataFrame({
        "code": get("authoritycode").str.upper(),
        "library_service": get("libraryservice"),
        "population_under_12": number("populationunder12"),
        "population_12_17": number("population1217"),
        "population_adult": number("populationadult"),
    })
    return facts[facts["code"] != ""].drop_duplicates("code")


def _services(authorities: pd.DataFrame, codes: set[str],
              warnings: list[Problem]) -> pd.DataFrame:
    """Describe the services for these authority codes; unknown codes are named by code."""
    known = authorities.set_index("code")
    records = []
    unknown = sorted(code for code in codes if code not in known.index)
    if unknown:
        warnings.append(Problem(
            f"{plural(len(unknown), 'authority code is', 'authority codes are')} not in the "
            f"authorities list, so {'it was' if len(unknown) == 1 else 'they were'} named by "
            f"code: {', '.join(unknown[:20])}", severity="warning"))
    for code in sorted(codes):
        if code not in known.index:
            records.append({"code": code, "name": code, "sector": "public", "org_type": None,
                            "region": None, "parent_org": None, "population": None,
                            "population_unit": None,
                            "attributes": {"fy_start_month": FY_START_MONTH}})
            continue
        row = known.loc[code]
        ages = [row.get(k) for k in ("population_under_12", "population_12_17",
                                     "population_adult")]
        population = float(sum(ages)) if all(_number(a) for a in ages) else None
        attributes = {
            "fy_start_month": FY_START_MONTH,
            "nation": _text(row["nation"]),
            "council": _text(row["name"]),
            "library_service": _text(row.get("library_service")),
            "population": population,
            "population_under_12": _int(ages[0]),
            "population_12_17": _int(ages[1]),
            "population_adult": _int(ages[2]),
        }
        records.append({
            "code": code, "name": _text(row["nice_name"]) or _text(row["name"]) or code,
            "sector": "public", "org_type": None, "region": _text(row["region"]),
            "parent_org": _text(row["name"]),
            "population": population,
            "population_unit": "residents" if population is not None else None,
            "attributes": attributes,
        })
    return pd.DataFrame(records, columns=list(SERVICE_COLUMNS))


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and bool(np.isfinite(value))


def _int(value: Any) -> int | None:
    return int(value) if _number(value) else None


def _neighbours(frame: pd.DataFrame) -> pd.DataFrame:
    """Read each authority's ranked nearest statistical neighbours."""
    columns = {_fold(c): c for c in frame.columns}
    code_col = columns.get("uppertierlocalauthoritycode")
    if code_col is None:
        raise ImportFailed([Problem(f"{NEIGHBOURS_FILE} has no 'Upper tier local authority "
                                    "code' column", column="Upper tier local authority code")])
    ranked = sorted(((int(key[len("neighbour"):]), column) for key, column in columns.items()
                     if re.fullmatch(r"neighbour\d+", key)))
    if not ranked:
        raise ImportFailed([Problem(f"{NEIGHBOURS_FILE} has no 'Neighbour 1', 'Neighbour 2' ... "
                                    "columns")])
    problems, records = [], []
    for i, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row))
        service = values[code_col].strip().upper()
        if not service and not any(values[c].strip() for _, c in ranked):
            continue
        if not _CODE.match(service):
            problems.append(Problem("not an ONS authority code", row=i + 2, column=code_col,
                                    value=service))
            continue
        seen = {service}
        for rank, column in ranked:
            neighbour = values[column].strip().upper()
            if not neighbour:
                continue
            if not _CODE.match(neighbour):
                problems.append(Problem("not an ONS authority code", row=i + 2, column=column,
                                        value=neighbour))
            elif neighbour not in seen:
                seen.add(neighbour)
                records.append((service, neighbour, rank, NEIGHBOUR_SOURCE))
    if problems:
        raise ImportFailed(problems[:_SHOWN])
    return pd.DataFrame(records, columns=list(NEIGHBOUR_COLUMNS))
