"""Read the US Public Libraries Survey (IMLS PLS) administrative-entity file of any year.

One row per public library system ("administrative entity"), one column per measure, most
followed by an `F_*` imputation flag. The layout drifts between survey years (LOCALE became
LOCALE_ADD and LOCALE_MOD, columns come and go), so every column is looked up through a table of
alternative names: a missing identity column (FSCSKEY, LIBNAME, STABR) stops the import, a
missing measure is not imported and a warning names it, and columns Shelfmark does not know are
ignored.

Missing is never a figure:
- negative numbers are IMLS codes (readme, appendix A): -1 missing, -3 closed or temporarily
  closed, -4 not applicable, -9 suppressed for confidentiality. They are stored as missing
  values (no value) with that reason. Older files have no -4 (FY2015's readme recodes -3 as
  closed when STATSTRU is 03 or 23, else not applicable), so -3 on a library STATSTRU says is
  open is stored as not applicable (FY2017 has -3 only on closed libraries);
- older files leave suppressed cells blank: a blank cell is stored as missing, "suppressed" when
  its flag says so (H_*) or the measure is one IMLS suppresses (salaries, benefits, staff and
  other operating expenditure), "not reported" otherwise;
- a value is imputed when its flag starts with "I" (FY2017: IQ17, IM17, IG16, IT17 ...); the
  other FY2017 flags are R_17 reported, H_17 suppressed, U_17 closed, E_17 edited.

The fiscal year comes from the reporting periods and the file name, which must agree. IMLS's
"FY N" ends in N: the year is the one most libraries' periods end in (ENDDATE; STARTDAT plus a
year when a file has no end dates). Libraries' own fiscal years vary (July to June, calendar
years, October to September ...), so a file holds several periods, most ending in N. The file
name says the year too (pls_fy2015_pupld15a, PLS_FY2011_AE_pupld11a, pls_fy2017_ae_pud17i,
PLS_FY19_AE_pud19i). When both are there they must agree; one alone will do; with neither, or
when they disagree, the import stops and says which values it found. YR_SUB is the year the data
were submitted (FY2015's file says 2016), kept as an attribute and never taken as the period.
Each system keeps its own reporting dates (STARTDAT, ENDDATE, kept as attributes); the figures
are stored as one year of the public sector's financial calendar (`FY_START_PUBLIC`, July by
default): FY2017 is the year starting 2016-07-01, labelled 2016/17.

Services keep FSCSKEY as their code across years. State, locale, BEA region, legal basis and
administrative structure are kept as attributes for peer grouping; the population served is
POPU_LSA. Attributes describe a system as in the survey year that created it (`survey_year`):
a later year's file adds figures to existing services without rewriting them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..formatting import plural
from ..periods import MONTH_ABBR, add_months, period_label
from ..settings import Config, load_config
from . import (OBSERVATION_COLUMNS, SERVICE_COLUMNS, DataSourceInfo, ImportData, ImportFailed,
               Problem)
from .reader import read_table

FORMAT = "imls-pls"

SOURCE = DataSourceInfo(
    code="imls-pls",
    name="IMLS Public Libraries Survey",
    public=True,
    description=(
        "US Public Libraries Survey, administrative-entity (library system) file, published "
        "yearly by the Institute of Museum and Library Services. Negative codes are stored as "
        "missing with their reason; imputed values are flagged."),
    url="https://www.imls.gov/research-evaluation/data-collection/public-libraries-survey",
    licence="Public domain (US Government work)",
)

# Identity columns: the import stops if one is absent.
REQUIRED = {
    "code": ("FSCSKEY",),
    "name": ("LIBNAME",),
    "state": ("STABR",),
}

# Descriptive columns kept as service attributes: the first name present is used.
DESCRIPTIVE = {
    "locale": ("LOCALE_ADD", "LOCALE", "C_LOCALE", "LOCALE_MOD"),
    "locale_modal": ("LOCALE_MOD",),
    "region": ("OBEREG",),
    "legal_basis": ("C_LEGBAS",),
    "admin_structure": ("C_ADMIN",),
    "fscs": ("C_FSCS",),
    "county": ("CNTY",),
    "city": ("CITY",),
    "structure_change": ("STATSTRU",),
    "reporting_start": ("STARTDAT", "STARTDATE"),
    "reporting_end": ("ENDDATE", "ENDDAT"),
    "submission_year": ("YR_SUB",),  # when the data were submitted: not the fiscal year
}

# Stored catalogue metric -> the IMLS column(s) that may hold it (first present wins) and the
# known names of its flag. When none of those flags is present, an `F_*` column right after the
# measure is taken as its flag (the layout IMLS has always used).
MEASURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pls_population_lsa": (("POPU_LSA",), ("F_POPLSA", "F_POPU_LSA")),
    "pls_librarians_fte": (("LIBRARIA",), ("F_LIBRAR", "F_LIBRARIA")),
    "pls_mls_librarians_fte": (("MASTER",), ("F_MASTER",)),
    "pls_other_staff_fte": (("OTHPAID",), ("F_OTHSTF", "F_OTHPAID")),
    "pls_total_staff_fte": (("TOTSTAFF",), ("F_TOTSTF", "F_TOTSTAFF")),
    "pls_income_local": (("LOCGVT",), ("F_LOCGVT",)),
    "pls_income_state": (("STGVT",), ("F_STGVT",)),
    "pls_income_federal": (("FEDGVT",), ("F_FEDGVT",)),
    "pls_income_other": (("OTHINCM",), ("F_OTHINC", "F_OTHINCM")),
    "pls_income_total": (("TOTINCM",), ("F_TOTINC", "F_TOTINCM")),
    "pls_exp_salaries": (("SALARIES",), ("F_SALX",)),
    "pls_exp_benefits": (("BENEFIT",), ("F_BENX",)),
    "pls_exp_staff": (("STAFFEXP",), ("F_TOSTFX",)),
    "pls_exp_print": (("PRMATEXP",), ("F_PRMATX",)),
    "pls_exp_electronic": (("ELMATEXP",), ("F_ELMATX",)),
    "pls_exp_other_materials": (("OTHMATEX",), ("F_OTMATX",)),
    "pls_exp_collection": (("TOTEXPCO",), ("F_TOCOLX",)),
    "pls_exp_other_operating": (("OTHOPEXP",), ("F_OTHOPX",)),
    "pls_exp_total_operating": (("TOTOPEXP",), ("F_TOTOPX",)),
    "visits": (("VISITS",), ("F_VISITS",)),
    "pls_reference": (("REFERENC",), ("F_REFER",)),
    "pls_registered_borrowers": (("REGBOR",), ("F_REGBOR",)),
    "pls_circulation": (("TOTCIR",), ("F_TOTCIR",)),
    "pls_kids_circulation": (("KIDCIRCL",), ("F_KIDCIR",)),
    "pls_ill_provided": (("LOANTO",), ("F_LOANTO",)),
    "pls_ill_received": (("LOANFM",), ("F_LOANFM",)),
    "pls_programmes": (("TOTPRO",), ("F_TOTPRO",)),
    "pls_programme_attendance": (("TOTATTEN",), ("F_TOTATT",)),
    "pls_public_computers": (("GPTERMS",), ("F_GPTERM",)),
    "pls_computer_sessions": (("PITUSR",), ("F_PITUSR",)),
    "pls_wifi_sessions": (("WIFISESS",), ("F_WIFISS", "F_WIFISESS")),
}

# Negative values are codes (IMLS readme, appendix A).
NEGATIVE_CODES = {-1: "missing", -3: "closed", -4: "not applicable", -9: "suppressed"}
NOT_APPLICABLE = NEGATIVE_CODES[-4]
SUPPRESSED = "suppressed"
NOT_REPORTED = "not reported"
# Measures IMLS suppresses for small systems (readme: "selected expenditures data").
SUPPRESSIBLE = frozenset({"SALARIES", "BENEFIT", "STAFFEXP", "OTHOPEXP"})
# IMLS's own mark for a missing character cell; read as missing in a numeric one too.
MISSING_MARKS = ("M", "N/A", "NA", ".")
CLOSED_STRUCTURES = frozenset({"03", "23"})  # STATSTRU: closed, temporarily closed

# Bureau of Economic Analysis regions (OBEREG).
BEA_REGIONS = {
    "01": "New England", "02": "Mid East", "03": "Great Lakes", "04": "Plains",
    "05": "Southeast", "06": "Southwest", "07": "Rocky Mountains", "08": "Far West",
    "09": "Outlying Areas",
}

# NCES urban-centric locale codes (LOCALE_ADD, LOCALE_MOD, and LOCALE from FY2006 on).
LOCALES = {
    "11": "City, large", "12": "City, midsize", "13": "City, small",
    "21": "Suburb, large", "22": "Suburb, midsize", "23": "Suburb, small",
    "31": "Town, fringe", "32": "Town, distant", "33": "Town, remote",
    "41": "Rural, fringe", "42": "Rural, distant", "43": "Rural, remote",
}

# Legal basis (C_LEGBAS).
LEGAL_BASES = {
    "CC": "City/county", "CI": "Municipal government (city, town or village)",
    "CO": "County/parish", "LD": "Library district", "MJ": "Multi-jurisdictional",
    "NL": "Native American tribal government", "NP": "Non-profit association or agency",
    "OT": "Other", "SD": "School district",
}

# Administrative structure (C_ADMIN).
ADMIN_STRUCTURES = {
    "SO": "Single outlet", "MO": "Multiple outlets",
    "MA": "Multiple administrative entities",
}

POPULATION_UNIT = "people (legal service area)"

# The survey year in IMLS's file names: pls_fy2015_..., PLS_FY19_..., pupld11a, pud17i.
_FY_IN_NAME = (re.compile(r"fy[\s_-]?((?:19|20)\d\d|\d\d)(?!\d)", re.I),
               re.compile(r"(?:pupld|pud)(\d\d)(?!\d)", re.I))
# Reporting dates as IMLS has written them: 06/30/2015 (and 6/30/2015), 2015-06-30, 06/30/15,
# 30JUN2015 (SAS), 20150630.
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%d%b%Y", "%Y%m%d")
_YEARS = (1988, 2100)  # the survey began with FY1988
_MAX_ERRORS = 200


def parse_imls(data: bytes | pd.DataFrame, *, filename: str = "", fiscal_year: int | None = None,
               config: Config | None = None, checksum: str = "",
               rows: Sequence[int] | None = None) -> ImportData:
    """Read an IMLS PLS administrative-entity file: bytes (CSV, maybe gzip'd) or text cells.

    `rows` gives the spreadsheet row of each frame row (header = 1) when the caller's reader
    skipped blank rows; by default frame row i is row i + 2.
    """
    config = config or load_config()
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        checksum = checksum or hashlib.sha256(raw).hexdigest()
        frame, rows, read_warnings = _read_bytes(raw)
    elif isinstance(data, pd.DataFrame):
        frame, read_warnings = data, []
    else:
        raise ImportFailed([Problem("an IMLS file must be given as bytes or a table")])
    line = (np.asarray(rows, dtype=np.int64) if rows is not None
            else np.arange(2, len(frame) + 2, dtype=np.int64))
    if len(line) != len(frame):
        raise ValueError("rows must give one row number per frame row")
    frame, line = _normalise(frame, line)
    columns = list(frame.columns)

    missing = [names for names in REQUIRED.values() if not _first(names, columns)]
    if missing:
        raise ImportFailed([Problem(
            f"this is not a usable IMLS Public Libraries Survey file: it has no {names[0]} "
            "column (FSCSKEY, LIBNAME and STABR identify each library)", column=names[0])
            for names in missing])
    code_col = _first(REQUIRED["code"], columns)
    _check_codes(frame[code_col], line, code_col)

    fy, warnings = (fiscal_year, []) if fiscal_year else _fiscal_year(frame, filename)
    if not _YEARS[0] <= fy <= _YEARS[1]:
        raise ImportFailed([Problem(f"{fy} is not a Public Libraries Survey fiscal year")])
    start_month = int(config.fy_start_month("public"))
    period_start = dt.date(fy - 1 if start_month > 1 else fy, start_month, 1)
    last = add_months(period_start, 11)
    warnings.append(Problem(
        f"FY{fy}'s figures are stored as the financial year "
        f"{period_label(period_start, 'year', start_month)} ({MONTH_ABBR[period_start.month - 1]} "
        f"{period_start.year} to {MONTH_ABBR[last.month - 1]} {last.year}), the public libraries' "
        f"year ending in {fy} (setting FY_START_PUBLIC)",
        severity="warning"))

    problems: list[Problem] = []
    observations, absent = _observations(frame, line, code_col, period_start, problems)
    if problems:
        raise ImportFailed(problems[:_MAX_ERRORS])
    if absent:
        warnings.append(Problem(
            "these IMLS columns are not in this file, so their measures were not imported: "
            + ", ".join(absent), severity="warning"))
    counts = Counter(observations["missing_reason"].dropna())
    if counts:
        shown = ", ".join(f"{n:,} {reason}" for reason, n in counts.most_common())
        warnings.append(Problem(f"values stored as missing, with their reason: {shown}",
                                severity="warning"))
    imputed = int(observations["imputed"].sum())
    if imputed:
        warnings.append(Problem(f"{plural(imputed, 'value was', 'values were')} imputed by IMLS "
                                "and flagged so", severity="warning"))
    services = _services(frame, code_col, fy)
    return ImportData(format=FORMAT, observations=observations, services=services,
                      source=SOURCE, warnings=read_warnings + warnings, filename=filename,
                      checksum=checksum)


def _read_bytes(raw: bytes) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Read the file's bytes (perhaps gzip-compressed) with the CSV reader every import uses.

    Return the cells, each row's number in the file and the reader's warnings (but not that the
    file is not UTF-8: IMLS publishes Latin-1 on purpose).
    """
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ImportFailed([Problem(f"the gzip-compressed file is damaged: {exc}")])
    table = read_table(raw, "", max_bytes=len(raw))
    warnings = [w for w in table.warnings if "is not UTF-8" not in w.reason]
    return table.frame, table.rows, warnings


def _normalise(frame: pd.DataFrame, line: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Keep the columns Shelfmark reads, named in upper case, as stripped text; drop blank rows."""
    names = [str(c).replace("\ufeff", "").strip().upper() for c in frame.columns]
    wanted = _wanted(names)
    keep = [i for i, name in enumerate(names)
            if name in wanted and name not in names[:i]]  # the first of a repeated name
    cells = {}
    for i in keep:
        column = frame.iloc[:, i]
        if not pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
            column = column.astype(object).where(column.notna(), "").astype(str)
        cells[names[i]] = column.fillna("").str.strip().reset_index(drop=True)
    frame = pd.DataFrame(cells, index=pd.RangeIndex(len(frame)))
    filled = (frame != "").any(axis=1).to_numpy() if len(frame.columns) else \
        np.ones(len(frame), dtype=bool)
    frame, line = frame.loc[filled].reset_index(drop=True), line[filled]
    if not len(frame):
        raise ImportFailed([Problem("the file has a header but no libraries")])
    return frame, line


def _wanted(names: list[str]) -> set[str]:
    """Return the columns Shelfmark reads: identity, attributes, year, measures and flags."""
    wanted = {name for group in (*REQUIRED.values(), *DESCRIPTIVE.values()) for name in group}
    for columns, flags in MEASURES.values():
        wanted |= set(columns)
        column = _first(columns, names)
        if column is not None:
            flag = _flag_column(column, flags, names)
            if flag:
                wanted.add(flag)
    return wanted


def _first(names: Sequence[str], columns: Sequence[str]) -> str | None:
    for name in names:
        if name in columns:
            return name
    return None


def _check_codes(codes: pd.Series, line: np.ndarray, column: str) -> None:
    """Refuse rows without an FSCSKEY and keys used twice."""
    problems = [Problem("the library has no FSCSKEY", row=int(line[i]), column=column)
                for i in np.flatnonzero((codes == "").to_numpy())]
    first_row: dict[str, int] = {}
    for i in np.flatnonzero(((codes != "") & codes.duplicated(keep=False)).to_numpy()):
        code, row = codes.iat[i], int(line[i])
        if code in first_row:
            problems.append(Problem(f"this FSCSKEY is already used by row {first_row[code]}",
                                    row=row, column=column, value=code))
        else:
            first_row[code] = row
    if problems:
        raise ImportFailed(problems[:_MAX_ERRORS])


@dataclass(frozen=True)
class _Periods:
    """What a file's reporting dates say about its fiscal year."""

    year: int      # the year most libraries' periods end in
    column: str    # the column read: ENDDATE, or STARTDAT when the file has no end dates
    ending: int    # how many libraries' periods end in that year
    dated: int     # how many libraries have a usable date
    usual: str     # the most common period as written: "07/01/2014 to 06/30/2015"
    shown: str     # the columns it was read from: "STARTDAT to ENDDATE"

    def __str__(self) -> str:
        return (f"by {self.column}, {self.ending:,} of {self.dated:,} libraries' reporting "
                f"periods end in {self.year}, most often {self.usual} ({self.shown})")


def _fiscal_year(frame: pd.DataFrame, filename: str) -> tuple[int, list[Problem]]:
    """Return the fiscal year from the reporting periods and the file name, which must agree.

    Raise ImportFailed naming the file, the columns and the values found when they disagree or
    neither says.
    """
    name = re.split(r"[\\/]", filename or "")[-1]
    called = f"the file {name!r}" if name else "the file"
    named = sorted({2000 + y if y < 88 else 1900 + y if y < 100 else y
                    for pattern in _FY_IN_NAME for y in map(int, pattern.findall(name))})
    said = " and ".join(f"FY{y}" for y in named)
    periods, unusable = _reporting_periods(frame)
    if periods is not None and named and named != [periods.year]:
        raise ImportFailed([Problem(
            f"{called} is named as {said}, but its reporting periods say FY{periods.year}: "
            f"{periods}. IMLS's FY N is the year most periods end in: check that this is the "
            "file you meant and that its name and dates are right", column=periods.column,
            value=periods.usual)])
    if periods is not None:
        return periods.year, []
    if len(named) == 1:
        return named[0], [Problem(
            f"FY{named[0]} was taken from the file name alone: {unusable}, so the reporting "
            "periods could not confirm it", severity="warning")]
    if named:
        raise ImportFailed([Problem(
            f"{called} is named as {said}, and {unusable}: cannot tell which fiscal year it "
            "covers. Name it after one survey year (as IMLS does: pls_fy2015_pupld15a.csv)")])
    column = _first(DESCRIPTIVE["reporting_end"], frame.columns) or \
        _first(DESCRIPTIVE["reporting_start"], frame.columns)
    raise ImportFailed([Problem(
        f"cannot tell which fiscal year {called} covers: {unusable}, and its name holds no "
        "survey year (IMLS names its files pls_fy2015_pupld15a.csv, PLS_FY2011_AE_pupld11a.csv, "
        "pls_fy2017_ae_pud17i.csv). Import the file under its IMLS name, or restore its "
        "STARTDAT and ENDDATE columns", column=column)])


def _reporting_periods(frame: pd.DataFrame) -> tuple[_Periods | None, str]:
    """Return the year most reporting periods end in, or None and why the dates cannot say."""
    end_col = _first(DESCRIPTIVE["reporting_end"], frame.columns)
    start_col = _first(DESCRIPTIVE["reporting_start"], frame.columns)
    present = [c for c in (start_col, end_col) if c is not None]
    if not present:
        return None, "it has no STARTDAT or ENDDATE column"
    for column in (end_col, start_col):
        if column is None:
            continue
        dates = _dates(frame[column])
        dated = np.flatnonzero(pd.notna(dates))
        if len(dated):
            break
    else:
        found = "; ".join(
            f"{c}: " + (", ".join(repr(v) for v, _ in Counter(frame[c]).most_common(4))
                        or "no values")
            for c in present)
        holds = "column holds" if len(present) == 1 else "columns hold"
        return None, f"its {' and '.join(present)} {holds} no dates (values found: {found})"
    days = dates[dated]
    if column == end_col:
        ends = [day.year for day in days]
    else:  # a period starting on 1 January ends that year; any other, the next
        ends = [day.year if (day.month, day.day) == (1, 1) else day.year + 1 for day in days]
    year, ending = max(Counter(ends).items(), key=lambda item: (item[1], item[0]))  # tie: later
    if column == end_col and start_col:
        pairs = Counter(zip(frame[start_col].to_numpy()[dated], frame[end_col].to_numpy()[dated]))
        usual, shown = "{} to {}".format(*pairs.most_common(1)[0][0]), f"{start_col} to {end_col}"
    else:
        usual = Counter(frame[column].to_numpy()[dated]).most_common(1)[0][0]
        shown = column if column == end_col else f"{column}; there are no end dates"
    return _Periods(year, column, ending, len(dated), usual, shown), ""


def _dates(texts: pd.Series) -> np.ndarray:
    """Return each cell's date (a dt.date), or None where it holds none; each text parsed once."""
    codes, uniques = pd.factorize(texts)
    parsed = [_parse_date(str(u)) for u in uniques] + [None]
    return np.array(parsed, dtype=object)[codes]


def _parse_date(text: str) -> dt.date | None:
    """Read a reporting date as IMLS writes it; codes (-3), marks (M) and blanks are None."""
    text = text.strip()
    if not text or text.startswith("-") or text.upper() in MISSING_MARKS:
        return None
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if _YEARS[0] - 1 <= day.year <= _YEARS[1] else None
    return None


def _flag_column(value_col: str, known: Sequence[str], columns: list[str]) -> str | None:
    """Return the imputation flag column of a measure, if the file has one."""
    flag = _first(known, columns)
    if flag:
        return flag
    at = columns.index(value_col)
    if at + 1 < len(columns) and columns[at + 1].startswith("F_"):
        return columns[at + 1]
    return None


def _observations(frame: pd.DataFrame, line: np.ndarray, code_col: str,
                  period_start: dt.date, problems: list[Problem]
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Turn every measure column into observation rows, one per library, in one pass each."""
    columns = list(frame.columns)
    n = len(frame)
    service = frame[code_col].to_numpy(dtype=object)
    structure_col = _first(DESCRIPTIVE["structure_change"], columns)
    is_open = None
    if structure_col is not None:  # STATSTRU: a library that is neither closed nor unknown
        structure = frame[structure_col]
        is_open = (structure.str.fullmatch(r"\d+") & ~structure.str.zfill(2).isin(
            CLOSED_STRUCTURES)).to_numpy(dtype=bool)
    parts, absent = [], []
    for metric, (names, flags) in MEASURES.items():
        column = _first(names, columns)
        if column is None:
            absent.append(names[0])
            continue
        text = frame[column]
        flag_col = _flag_column(column, flags, columns)
        flag = frame[flag_col] if flag_col else pd.Series("", index=frame.index)
        value, reason = _values(text, flag, column, line, problems, is_open)
        imputed = _starts(flag, "I") & ~np.isnan(value)
        parts.append(pd.DataFrame({
            "service": service,
            "metric": metric,
            "period_type": "year",
            "period_start": pd.Series([period_start] * n, dtype=object),
            "team": "",
            "value": value,
            "missing_reason": pd.Series(reason, dtype=object),
            "imputed": imputed,
            "note": "",
            "source_row": line,
            "source_column": column,
        }, columns=list(OBSERVATION_COLUMNS)))
    if not parts:
        problems.append(Problem(
            "none of the IMLS measure columns Shelfmark imports is in this file (for example "
            "VISITS, TOTCIR, TOTSTAFF, TOTOPEXP)"))
        return pd.DataFrame(columns=list(OBSERVATION_COLUMNS)), absent
    return pd.concat(parts, ignore_index=True), absent


def _values(text: pd.Series, flag: pd.Series, column: str, line: np.ndarray,
            problems: list[Problem], is_open: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Return the figures of one column (NaN when missing) and why each missing one is.

    `is_open` marks the libraries STATSTRU says are open, where -3 means not applicable.
    """
    n = len(text)
    value = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
    blank = (text == "").to_numpy()
    unread = np.isnan(value) & ~blank
    if unread.any():  # thousands separators, as a spreadsheet may add them
        value[unread] = pd.to_numeric(text[unread].str.replace(",", "", regex=False),
                                      errors="coerce").to_numpy(dtype=float)
    reason = np.full(n, None, dtype=object)
    hidden = _starts(flag, "H")
    reason[blank] = NOT_REPORTED
    reason[blank & (hidden | (column in SUPPRESSIBLE))] = SUPPRESSED
    marked = np.zeros(n, dtype=bool)
    if unread.any():
        marked[unread] = text[unread].str.upper().isin(MISSING_MARKS).to_numpy()
    reason[marked] = NEGATIVE_CODES[-1]
    bad = ~np.isfinite(value) & ~blank & ~marked
    for i in np.flatnonzero(bad)[:_MAX_ERRORS]:
        problems.append(Problem("not a number", row=int(line[i]), column=column,
                                value=str(text.iat[i])[:40]))
    negative = value < 0
    if negative.any():
        for code, why in NEGATIVE_CODES.items():
            reason[value == code] = why
        if is_open is not None:
            reason[(value == -3) & is_open] = NOT_APPLICABLE
        for i in np.flatnonzero(negative & ~np.isin(value, list(NEGATIVE_CODES)))[:_MAX_ERRORS]:
            problems.append(Problem(
                "a negative value that is not an IMLS code (-1 missing, -3 closed, "
                "-4 not applicable, -9 suppressed)", row=int(line[i]), column=column,
                value=str(text.iat[i])))
    value[negative | ~np.isfinite(value)] = np.nan
    return value, reason


def _starts(flag: pd.Series, letter: str) -> np.ndarray:
    """Return where a flag column's code starts with `letter`, looking at each code once."""
    codes, uniques = pd.factorize(flag)
    hits = np.array([str(u).upper().startswith(letter) for u in uniques] + [False], dtype=bool)
    return hits[codes]


def _date(text: str) -> str | None:
    """Return an IMLS reporting date as ISO text, other text as it is; codes (-3) as None."""
    if not text or text.startswith("-") or text.upper() in MISSING_MARKS:
        return None
    day = _parse_date(text)
    return day.isoformat() if day else text


def _services(frame: pd.DataFrame, code_col: str, fy: int) -> pd.DataFrame:
    """Describe each library system, with its peer-grouping attributes."""
    n = len(frame)
    columns = list(frame.columns)

    def column(key: str) -> list[str | None]:
        name = _first(DESCRIPTIVE[key], columns)
        if name is None:
            return [None] * n
        return [None if v in ("", "M") or v.startswith("-") else v for v in frame[name].tolist()]

    def code2(values: list[str | None]) -> list[str | None]:
        return [v.zfill(2) if v and v.isdigit() else v for v in values]

    names = frame[_first(REQUIRED["name"], columns)].str.replace(r"\s+", " ", regex=True)
    states = frame[_first(REQUIRED["state"], columns)].str.upper().tolist()
    locale, modal = code2(column("locale")), code2(column("locale_modal"))
    region = code2(column("region"))
    legal, admin = column("legal_basis"), column("admin_structure")
    fscs, county, city = column("fscs"), column("county"), column("city")
    structure = code2(column("structure_change"))
    submitted = [int(v) if v and v.isdigit() else None for v in column("submission_year")]
    dates: dict[str | None, str | None] = {None: None}
    starts = [dates[v] if v in dates else dates.setdefault(v, _date(v))
              for v in column("reporting_start")]
    ends = [dates[v] if v in dates else dates.setdefault(v, _date(v))
            for v in column("reporting_end")]
    pop_col = _first(MEASURES["pls_population_lsa"][0], columns)
    if pop_col:
        numbers = pd.to_numeric(frame[pop_col].str.replace(",", "", regex=False),
                                errors="coerce")
        population = [None if not p >= 0 else float(p) for p in numbers.to_numpy(float)]
    else:
        population = [None] * n

    attributes = []
    for i in range(n):
        attributes.append({
            "state": states[i] or None,
            "locale": locale[i],
            "locale_name": LOCALES.get(locale[i] or ""),
            "locale_modal": modal[i],
            "region": BEA_REGIONS.get(region[i] or ""),
            "region_code": region[i],
            "legal_basis": legal[i],
            "legal_basis_name": LEGAL_BASES.get(legal[i] or ""),
            "admin_structure": admin[i],
            "admin_structure_name": ADMIN_STRUCTURES.get(admin[i] or ""),
            "fscs_public_library": None if fscs[i] is None else fscs[i].upper() == "Y",
            "county": county[i],
            "city": city[i],
            "population": population[i],
            "closed": structure[i] in CLOSED_STRUCTURES,
            "survey_year": fy,
            "submission_year": submitted[i],
            "reporting_start": starts[i],
            "reporting_end": ends[i],
        })
    codes = frame[code_col].tolist()
    return pd.DataFrame({
        "code": pd.Series(codes, dtype=object),
        "name": pd.Series([name or code for name, code in zip(names.tolist(), codes)],
                          dtype=object),
        "sector": "public",
        "org_type": pd.Series([None] * n, dtype=object),
        "region": pd.Series([BEA_REGIONS.get(r or "") for r in region], dtype=object),
        "parent_org": pd.Series([None] * n, dtype=object),
        "population": pd.Series(population, dtype=float),
        "population_unit": POPULATION_UNIT,
        "attributes": pd.Series(attributes, dtype=object),
    }, columns=list(SERVICE_COLUMNS))
