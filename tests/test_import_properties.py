"""Properties of the import readers: exports read back exactly; no input crashes the reader.

- Random valid observations written by `export_csv` / `export_xlsx` (long and wide layouts) and
  parsed back give the same services, metrics, periods, teams and values.
- Random bytes, random text and random CSV-shaped tables never make `read_import` raise
  anything but ImportFailed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dashboard.catalogue import CATALOGUE
from dashboard.db.access import ANONYMOUS
from dashboard.db.models import DataSource, Service
from dashboard.exporting import export_csv, export_xlsx
from dashboard.importing import ImportData, ImportFailed
from dashboard.importing.load import read_import
from dashboard.importing.reader import read_table
from dashboard.importing.shelfmark import parse_shelfmark
from dashboard.importing.template import LONG_COLUMNS
from dashboard.periods import add_months
from dashboard.settings import load_config

CONFIG = load_config(environ={})
SERVICES = {"NHS1": "nhs", "PUB1": "public", "ACA1": "academic", "OTH1": "other"}
METRICS = [m.code for m in CATALOGUE.stored]
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Team names as people write them, including text a spreadsheet would run as a formula
# ("=x", "-3", "@x"), quotes, delimiters and line breaks inside; never blank-edged.
TEAM_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                           exclude_characters="\ufeff\u00a0\u2028\u2029")
teams = st.one_of(
    st.just(""),
    st.sampled_from(["North", "Outreach team", "=SUM(A1)", "-3", "+1", "@home", "'quoted",
                     "''=x", "a,b", 'say "hi"', "semi;colon", "£ team", "Café"]),
    st.text(TEAM_CHARS, min_size=1, max_size=20),
).filter(lambda t: t == t.strip() and len(t) <= 100)
values = st.one_of(
    st.integers(min_value=0, max_value=10 ** 12).map(float),
    st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 0.1, 1 / 3, 2.5e-7, 123456.789, 9007199254740993.0, 1e15]),
)


@st.composite
def observation(draw):
    service = draw(st.sampled_from(sorted(SERVICES)))
    fy_month = CONFIG.fy_start_month(SERVICES[service])
    kind = draw(st.sampled_from(["month", "quarter", "year"]))
    year = draw(st.integers(min_value=1990, max_value=2060))
    if kind == "month":
        start = dt.date(year, draw(st.integers(1, 12)), 1)
    else:
        step = draw(st.integers(0, 3)) * 3 if kind == "quarter" else 0
        start = add_months(dt.date(year, fy_month, 1), step)
    return {"service": service, "metric": draw(st.sampled_from(METRICS)),
            "period_type": kind, "period_start": start, "team": draw(teams),
            "value": draw(values), "note": ""}


observations = st.lists(observation(), min_size=1, max_size=25,
                        unique_by=lambda o: (o["service"], o["metric"], o["period_type"],
                                             o["period_start"], o["team"]))


def key_set(records) -> set[tuple]:
    return {(r["service"], r["metric"], r["period_type"], r["period_start"], r["team"],
             r["value"]) for r in records}


@pytest.mark.parametrize("writer, filename", [(export_csv, "export.csv"),
                                              (export_xlsx, "export.xlsx")])
@pytest.mark.parametrize("layout", ["long", "wide"])
@FAST
@given(records=observations)
def test_exports_read_back_exactly(records, layout, writer, filename):
    frame = pd.DataFrame(records)
    content = writer(frame, layout, sectors=SERVICES, config=CONFIG)
    table = read_table(content, filename, max_bytes=50 * 1024 * 1024)
    result = parse_shelfmark(table, catalogue=CATALOGUE, services=SERVICES, config=CONFIG,
                             create_services=False)
    back = result.observations.to_dict("records")
    assert key_set(back) == key_set(records)
    assert len(back) == len(records)
    assert not any(w.severity == "error" for w in result.warnings)


# --- nothing crashes the reader -------------------------------------------------------------


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as session:
        source = DataSource(code="tests", name="Test services")
        session.add(source)
        session.flush()
        session.add_all([Service(code=code, name=code, sector=sector, source_id=source.id,
                                 attributes={}) for code, sector in SERVICES.items()])
    return sqlite_db


def read_or_refuse(db, data: bytes, filename: str) -> None:
    try:
        result = read_import(db, ANONYMOUS, CONFIG, data, filename)
    except ImportFailed as failed:
        assert failed.problems and all(p.reason for p in failed.problems)
    else:
        assert isinstance(result, ImportData)


@FAST
@given(data=st.binary(max_size=3000), filename=st.sampled_from(["f.csv", "f.xlsx", "f"]))
def test_random_bytes_only_ever_fail_cleanly(db, data, filename):
    read_or_refuse(db, data, filename)


@FAST
@given(text=st.text(max_size=2000), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_text_only_ever_fails_cleanly(db, text, encoding):
    read_or_refuse(db, text.encode(encoding, errors="replace"), "f.csv")


cell = st.one_of(st.text(max_size=12), st.sampled_from(
    ["NHS1", "PUB1", "searches", "Loans", "exp_total", "2023-04", "2023/24", "FY2024",
     "2023 Q2", "2023-02-30", "1,234", "£5", "-3", "45%", "", "'=x", '"', "\n", "#N/A"]))
header_cell = st.one_of(st.sampled_from([*LONG_COLUMNS, "searches", "Loans", "exp_total",
                                         "Service", "srches", ""]), st.text(max_size=8))


@FAST
@given(header=st.lists(header_cell, min_size=1, max_size=7),
       rows=st.lists(st.lists(cell, max_size=8), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_random_tables_only_ever_fail_cleanly(db, header, rows, delimiter):
    def line(cells):
        return delimiter.join('"' + c.replace('"', '""') + '"' for c in cells)

    text = "\r\n".join([line(header), *(line(r) for r in rows)])
    read_or_refuse(db, text.encode("utf-8"), "f.csv")


# --- rows with more or fewer fields than the header -------------------------------------------

field = st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6),
                  st.sampled_from(
    ["", " ", "a", "1,234", 'say "hi"', '5" screen', '"', "two\nlines", "\r", "x;y", "\t"]))


@FAST
@given(width=st.integers(3, 6), rows=st.lists(st.lists(field, max_size=8), max_size=10),
       delimiter=st.sampled_from([",", ";", "\t"]),
       end=st.sampled_from(["\r\n", "\n", "\r"]), quote_all=st.booleans(),
       last_newline=st.booleans())
def test_uneven_rows_are_found_as_the_csv_module_counts_fields(
        width, rows, delimiter, end, quote_all, last_newline):
    import csv
    import io

    def cell(text: str) -> str:
        if quote_all or text.startswith('"') or any(c in text for c in (delimiter, "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text  # unquoted, as many programs write a cell: a quote inside it is just text

    header = [f"column{i}" for i in range(width)]
    lines = [delimiter.join(cell(c) for c in record) for record in [header, *rows]]
    text = end.join(lines) + (end if last_newline else "")
    # What the csv module reads is the reference: which rows hold something, and how many
    # fields each has.
    expected, line = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records = []
    for record in reader:
        records.append((record, line + 1))
        line = reader.line_num
    for number, (record, first_line) in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        if len(record) < width or any(c.strip() for c in record[width:]):
            expected.append((number, first_line, len(record)))
    try:
        table = read_table(text.encode("utf-8"), "f.csv", max_bytes=50 * 1024 * 1024)
    except ImportFailed as failed:
        uneven = [p for p in failed.problems if "fields than the header" in p.reason
                  or " but the header (row 1) has " in p.reason]
        if not expected:  # refused for another reason (no rows below the header)
            assert not uneven, failed.problems
            return
        assert [p.row for p in uneven] == [row for row, _, _ in expected]
        for problem, (row, first_line, fields) in zip(uneven, expected):
            where = f" (line {first_line} of the file)" if first_line != row else ""
            noun = "field" if fields == 1 else "fields"
            assert problem.reason.startswith(
                f"this row{where} has {fields} {noun} but the header (row 1) has {width}:")
    else:
        assert not expected, expected
        assert table.delimiter == delimiter and len(table.frame.columns) == width
