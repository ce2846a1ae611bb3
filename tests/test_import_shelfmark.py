"""The Shelfmark template parser: every cell checked, every problem located, nothing half-loaded.

Unit tests read CSV text through the reader and the parser; the end-to-end tests go through
`read_import` and `import_data` on both databases and check that a refused file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dashboard.catalogue import CATALOGUE, Catalogue, MetricDef
from dashboard.db.access import ANONYMOUS
from dashboard.db.imports import import_data
from dashboard.db.models import DataSource, ImportBatch, Metric, Observation, Service
from dashboard.importing import OBSERVATION_COLUMNS, ImportFailed, Problem
from dashboard.importing.load import read_import
from dashboard.importing.reader import read_table
from dashboard.importing.shelfmark import MAX_PROBLEMS, parse_numbers, parse_shelfmark
from dashboard.importing.values import parse_number
from dashboard.settings import load_config

D = dt.date
CONFIG = load_config(environ={})  # NHS years start in April, public ones in July, other April
SERVICES = {"NHS1": "nhs", "NHS2": "nhs", "PUB1": "public"}
HEADER = "service,metric,period,value,team,note\n"


def parse(data, filename: str = "figures.csv", *, services=SERVICES, create: bool = False,
          catalogue: Catalogue = CATALOGUE, sheet: str | None = None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    table = read_table(data, filename, sheet=sheet, max_bytes=50 * 1024 * 1024)
    return parse_shelfmark(table, catalogue=catalogue, services=services, config=CONFIG,
                           create_services=create, filename=filename, checksum="abc")


def problems(data, **kwargs) -> list[Problem]:
    with pytest.raises(ImportFailed) as failed:
        parse(data, **kwargs)
    return failed.value.problems


def only(data, **kwargs) -> Problem:
    (problem,) = problems(data, **kwargs)
    return problem


def figures(result) -> list[tuple]:
    obs = result.observations
    return list(zip(obs["service"], obs["metric"], obs["period_type"], obs["period_start"],
                    obs["team"], obs["value"]))


def xlsx(rows: list[list], title: str = "Data", extra: dict | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, more in (extra or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the long layout ------------------------------------------------------------------------


def test_long_layout_gives_normalised_observations():
    result = parse(HEADER + "NHS1,searches,2023-04,12,,first\nNHS1,loans,2023-05,3.5,Outreach,\n")
    assert result.format == "shelfmark" and result.source is None and result.services is None
    assert (result.filename, result.checksum) == ("figures.csv", "abc")
    obs = result.observations
    assert list(obs.columns) == list(OBSERVATION_COLUMNS)
    assert figures(result) == [
        ("NHS1", "searches", "month", D(2023, 4, 1), "", 12.0),
        ("NHS1", "loans", "month", D(2023, 5, 1), "Outreach", 3.5),
    ]
    assert obs["value"].dtype == np.float64
    assert obs["missing_reason"].tolist() == [None, None]
    assert obs["imputed"].tolist() == [False, False]
    assert all(type(d) is dt.date for d in obs["period_start"])
    assert obs["note"].tolist() == ["first", ""]
    assert obs["source_row"].tolist() == [2, 3]
    assert obs["source_column"].tolist() == ["value", "value"]
    assert result.warnings == []


def test_team_and_note_are_optional():
    result = parse("service,metric,period,value\nNHS1,searches,2023-04,1\n")
    assert figures(result) == [("NHS1", "searches", "month", D(2023, 4, 1), "", 1.0)]
    assert result.observations["note"].tolist() == [""]


def test_headers_match_whatever_the_case_spaces_underscores_or_hyphens():
    result = parse("SERVICE,Metric, Period ,VA-LUE,Te_am,NOTE\nNHS1,Searches,2023-04,4,a,\n")
    assert figures(result) == [("NHS1", "searches", "month", D(2023, 4, 1), "a", 4.0)]
    assert result.observations["source_column"].tolist() == ["VA-LUE"]


def test_metric_by_code_or_name_whatever_the_case():
    result = parse(HEADER + "NHS1,SEARCHES,2023-04,1,,\n"
                   "NHS1,Literature/evidence searches,2023-05,2,,\n"
                   "NHS1,literature/evidence SEARCHES,2023-06,3,,\n"
                   "NHS1,Staff_Total_WTE,2023-06,3.5,,\n")
    assert [f[1] for f in figures(result)] == ["searches"] * 3 + ["staff_total_wte"]


@pytest.mark.parametrize("text, value", [
    ("1234", 1234.0), ('"1,234"', 1234.0), ('"1,234.50"', 1234.5), ('"£1,234.50"', 1234.5),
    ("£1234.50", 1234.5), ("$5", 5.0), ("€7", 7.0), ("45%", 45.0), ("1.5e3", 1500.0),
    ("0", 0.0), (".5", 0.5), ("+3", 3.0), ("\u00a012\u00a0", 12.0),
])
def test_numbers_as_people_type_them(text, value):
    result = parse(HEADER + f"NHS1,searches,2023-04,{text},,\n")
    assert result.observations["value"].tolist() == [value]


def test_blank_values_are_missing_never_zero():
    result = parse(HEADER + "NHS1,searches,2023-04,,,\nNHS1,searches,2023-05,0,,\n"
                   "NHS1,searches,2023-06,  ,,\nNHS1,searches,2023-07,5,,\n")
    assert [(f[3], f[5]) for f in figures(result)] == [(D(2023, 5, 1), 0.0), (D(2023, 7, 1), 5.0)]
    (warning,) = result.warnings
    assert warning.severity == "warning" and warning.row == 2 and warning.column == "value"
    assert "2 rows have no value" in warning.reason and "never zero" in warning.reason


@pytest.mark.parametrize("service, text, kind, start", [
    ("NHS1", "2023-04", "month", D(2023, 4, 1)),
    ("NHS1", "2023-04-01", "month", D(2023, 4, 1)),
    ("NHS1", "Apr 2023", "month", D(2023, 4, 1)),
    ("NHS1", "April 2023", "month", D(2023, 4, 1)),
    ("NHS1", "2023/24", "year", D(2023, 4, 1)),
    ("NHS1", "2023-24", "year", D(2023, 4, 1)),
    ("NHS1", "FY2024", "year", D(2023, 4, 1)),
    ("NHS1", "2023 Q2", "quarter", D(2023, 7, 1)),
    ("NHS1", "2023/24 Q4", "quarter", D(2024, 1, 1)),
    ("PUB1", "2023-04", "month", D(2023, 4, 1)),
    ("PUB1", "2023-04-01", "month", D(2023, 4, 1)),
    ("PUB1", "Apr 2023", "month", D(2023, 4, 1)),
    ("PUB1", "2023/24", "year", D(2023, 7, 1)),
    ("PUB1", "2023-24", "year", D(2023, 7, 1)),
    ("PUB1", "FY2024", "year", D(2023, 7, 1)),
    ("PUB1", "2023 Q2", "quarter", D(2023, 10, 1)),
])
def test_period_forms_follow_the_service_financial_year(service, text, kind, start):
    result = parse(HEADER + f"{service},loans,{text},5,,\n")
    assert figures(result) == [(service, "loans", kind, start, "", 5.0)]


def test_period_typed_as_a_date_in_a_workbook():
    data = xlsx([["service", "metric", "period", "value"],
                 ["NHS1", "searches", dt.datetime(2023, 4, 1), 5],
                 ["NHS1", "searches", "2023/24", 50.5]])
    assert figures(parse(data, "figures.xlsx")) == [
        ("NHS1", "searches", "month", D(2023, 4, 1), "", 5.0),
        ("NHS1", "searches", "year", D(2023, 4, 1), "", 50.5),
    ]


def test_ambiguous_period_is_read_as_a_month_with_a_warning():
    result = parse(HEADER + "NHS1,searches,2011-12,5,,\nNHS1,searches,2011-12,5,team,\n")
    assert {f[3] for f in figures(result)} == {D(2011, 12, 1)}
    (warning,) = result.warnings
    assert warning.row == 2 and warning.column == "period" and "2011/12" in warning.reason


def test_exported_text_guard_is_undone():
    result = parse(HEADER + "NHS1,searches,2023-04,1,'=SUM(A1),'-note\n")
    assert result.observations[["team", "note"]].values.tolist() == [["=SUM(A1)", "-note"]]


# --- the wide layout ------------------------------------------------------------------------


def test_wide_layout_by_code_and_name_skips_blanks_silently():
    text = ("service,period,searches,Loans,staff_total_wte,team,note\n"
            "NHS1,2023-04,10,,2.5,,n1\n"
            "NHS1,2023-05,,,,,\n"
            "PUB1,2023/24,,300,,Branch A,\n")
    result = parse(text)
    assert sorted(figures(result)) == sorted([
        ("NHS1", "searches", "month", D(2023, 4, 1), "", 10.0),
        ("NHS1", "staff_total_wte", "month", D(2023, 4, 1), "", 2.5),
        ("PUB1", "loans", "year", D(2023, 7, 1), "Branch A", 300.0),
    ])
    obs = result.observations.set_index("metric")
    assert obs.loc["loans", "source_column"] == "Loans" and obs.loc["loans", "source_row"] == 4
    assert obs.loc["searches", "note"] == "n1"
    assert result.warnings == []


def test_wide_layout_problems_name_the_metric_column():
    found = problems("service,period,searches,loans\nNHS1,2023-04,-1,abc\n")
    assert [(p.row, p.column) for p in found] == [(2, "searches"), (2, "loans")]
    assert "cannot be negative" in found[0].reason and "not a number" in found[1].reason


def test_wide_layout_refuses_derived_and_unknown_metric_columns():
    found = problems("service,period,searches,exp_total,srches,Wi-Fi sessions\n"
                     "NHS1,2023-04,1,2,3,4\n")
    reasons = {p.column: p.reason for p in found}
    assert "computed by Shelfmark" in reasons["exp_total"]
    assert "cannot be imported" in reasons["exp_total"]
    assert "did you mean 'searches'" in reasons["srches"]
    assert "more than one metric" in reasons["Wi-Fi sessions"]
    assert all(p.row == 1 for p in found)


# --- wrong or missing columns ---------------------------------------------------------------


def test_misspelt_column_suggests_the_template_column():
    found = problems("servce,metric,period,value\nNHS1,searches,2023-04,1\n")
    assert found[0].column == "servce" and found[0].row == 1
    assert "column 'servce' is not a template column: did you mean 'service'?" in found[0].reason
    assert "no 'service' column" in found[1].reason
    assert "service, metric, period and value" in found[1].reason


def test_missing_and_unknown_columns_say_what_is_expected():
    found = problems("service,metric,value,colour\nNHS1,searches,1,red\n")
    reasons = " | ".join(p.reason for p in found)
    assert "column 'colour' is not a template column" in reasons
    assert "service, metric, period, value, team, note" in reasons
    assert "no 'period' column" in reasons


def test_two_columns_for_one_role():
    found = problems("service,metric,period,value,Va lue\nNHS1,searches,2023-04,1,2\n")
    assert "both the 'value' column" in found[0].reason


def test_metric_column_in_a_long_file():
    (problem,) = problems("service,metric,period,value,searches\nNHS1,loans,2023-04,1,2\n")
    assert problem.column == "searches" and "wide layout" in problem.reason


def test_neither_layout():
    found = problems("service,period,colour\nNHS1,2023-04,red\n")
    assert any("no metric columns" in p.reason for p in found)


# --- unknown services and metrics -----------------------------------------------------------


def test_unknown_service_suggests_close_codes():
    problem = only(HEADER + "NHS3,searches,2023-04,1,,\nNHS3,searches,2023-05,2,,\n")
    assert (problem.row, problem.column, problem.value) == (2, "service", "NHS3")
    assert "service 'NHS3' is not in Shelfmark" in problem.reason
    assert "did you mean 'NHS2' or 'NHS1'?" in problem.reason
    assert "create-services" in problem.reason
    assert "1 more row" in problem.reason


def test_service_code_in_the_wrong_case():
    problem = only(HEADER + "nhs1,searches,2023-04,1,,\n", create=True)
    assert "'NHS1' is" in problem.reason and "capitals" in problem.reason


def test_unknown_services_allowed_when_creating_use_the_other_sector_year():
    result = parse(HEADER + "NEW1,searches,2023/24,1,,\n", create=True)
    assert figures(result) == [("NEW1", "searches", "year", D(2023, 4, 1), "", 1.0)]


def test_blank_service():
    problem = only(HEADER + ",searches,2023-04,1,,note\n")
    assert (problem.row, problem.column) == (2, "service") and "blank" in problem.reason


def test_unknown_metric_suggests_close_matches():
    problem = only(HEADER + "NHS1,serches,2023-04,1,,\n")
    assert (problem.row, problem.column, problem.value) == (2, "metric", "serches")
    assert "'serches' is not a metric in the catalogue: did you mean 'searches'" in problem.reason


def test_derived_metric_cannot_be_imported():
    problem = only(HEADER + "NHS1,Total expenditure,2023-04,1,,\n")
    assert problem.column == "metric" and "exp_total" in problem.reason
    assert "computed by Shelfmark" in problem.reason and "cannot be imported" in problem.reason


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, words", [
    ("abc", "not a number"),
    ('"1,23"', "comma must separate thousands"),
    ("(5)", "minus sign"),
    ("n/a", "leave the cell blank"),
    ("#DIV/0!", "spreadsheet error #DIV/0!"),
    ("1.2.3", "more than one decimal point"),
    ("1e999", "too large"),
])
def test_text_in_a_numeric_cell(text, words):
    problem = only(HEADER + f"NHS1,searches,2023-04,{text},,\n")
    assert (problem.row, problem.column, problem.value) == (2, "value", text.strip('"'))
    assert words in problem.reason


def test_negative_count():
    problem = only(HEADER + "NHS1,searches,2023-04,1,,\nNHS1,searches,2023-05,-3,,\n")
    assert (problem.row, problem.column, problem.value) == (3, "value", "-3")
    assert "cannot be negative" in problem.reason and "searches" in problem.reason


def test_percentage_over_100():
    catalogue = Catalogue(stored=(MetricDef(
        "satisfied_pct", "Users satisfied", "impact", "percent", "mean", True,
        "Share of users satisfied.", "survey"),), derived=())
    text = HEADER + "NHS1,satisfied_pct,2023-04,99.5%,,\nNHS1,satisfied_pct,2023-05,120%,,\n"
    problem = only(text, catalogue=catalogue)
    assert (problem.row, problem.column, problem.value) == (3, "value", "120%")
    assert "percentage cannot be over 100" in problem.reason
    assert parse(text.replace("120%", "100"), catalogue=catalogue).observations[
        "value"].tolist() == [99.5, 100.0]


@pytest.mark.parametrize("text, words", [
    ("2023-02-30", "impossible date"),
    ("2023-13", "not a period"),
    ("2023-04-15", "a month starts on the 1st"),
    ("2023", "ambiguous"),
    ("Q5 2023", "Q1 to Q4"),
    ("", "blank"),
])
def test_impossible_or_unreadable_periods(text, words):
    problem = only(HEADER + f"NHS1,searches,{text},1,,\n")
    assert (problem.row, problem.column) == (2, "period") and words in problem.reason


def test_team_longer_than_stored():
    problem = only(HEADER + f"NHS1,searches,2023-04,1,{'t' * 101},\n")
    assert problem.column == "team" and "longer than 100" in problem.reason


# --- duplicates ------------------------------------------------------------------------------


def test_conflicting_duplicates_name_both_rows():
    problem = only(HEADER + "NHS1,searches,2023-04,5,,\nNHS1,loans,2023-04,5,,\n"
                   "NHS1,searches,Apr 2023,6,,\n")
    assert (problem.row, problem.column, problem.value) == (4, "value", "6")
    assert "rows 2 and 4" in problem.reason and "(5 and 6)" in problem.reason


def test_exact_duplicates_are_kept_once_with_a_warning():
    result = parse(HEADER + "NHS1,searches,2023-04,5,,\nNHS1,searches,2023-04-01,5.0,,\n"
                   "NHS1,searches,2023-04,5,Team,\n")
    assert len(result.observations) == 2
    (warning,) = result.warnings
    assert warning.row == 3 and "repeats row 2" in warning.reason


def test_teams_are_different_figures():
    result = parse(HEADER + "NHS1,searches,2023-04,5,,\nNHS1,searches,2023-04,6,North,\n")
    assert [f[4] for f in figures(result)] == ["", "North"]


# --- every problem at once -------------------------------------------------------------------


def test_all_problems_are_collected_in_row_order():
    text = (HEADER + "NHS9,searches,2023-04,1,,\nNHS1,serches,2023-02-30,abc,,\n"
            "NHS1,searches,2023-05,-1,,\n")
    found = problems(text)
    assert [(p.row, p.column) for p in found] == [
        (2, "service"), (3, "metric"), (3, "period"), (3, "value"), (4, "value")]
    assert all(p.severity == "error" for p in found)


def test_problem_list_is_capped():
    rows = "".join(f"NHS1,searches,2023-04,x{i},,\n" for i in range(MAX_PROBLEMS + 250))
    found = problems(HEADER + rows)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0].row == 2 and found[-2].row == MAX_PROBLEMS + 1
    assert "250 more problems" in found[-1].reason


def test_sector_mismatch_warns():
    result = parse(HEADER + "PUB1,searches,2023-04,1,,\n")
    (warning,) = result.warnings
    assert "searches" in warning.reason and "public" in warning.reason


# --- the vectorised number reader agrees with parse_number ------------------------------------


def test_parse_numbers_agrees_with_parse_number():
    texts = ["1", "-0", "1,234", "£1.50", "45%", "1e5", "5.", "inf", "nan", "", " ", "abc",
             "1,23", "0x10", "1_000", "+.5", "٣", "1e999", "12 ", "(3)"]
    values, blank, reasons = parse_numbers(np.array(texts, dtype=object))
    for text, value, is_blank, reason in zip(texts, values, blank, reasons):
        if not text.strip():
            assert is_blank and math.isnan(value)
            continue
        try:
            expected = parse_number(text)
        except ValueError as exc:
            assert math.isnan(value) and reason == str(exc), text
        else:
            assert value == expected and reason is None, text


# --- end to end, on both databases ---------------------------------------------------------


GOOD = (HEADER + "NHS1,searches,2023-04,12,,\nNHS1,searches,2023-05,15,,\n"
        "PUB1,loans,2023/24,300,,\n").encode()


def seed(db) -> None:
    with db.session() as session:
        source = DataSource(code="tests", name="Test services")
        session.add(source)
        session.flush()
        session.add_all([
            Service(code="NHS1", name="Alpha Library", sector="nhs", source_id=source.id,
                    attributes={}),
            Service(code="PUB1", name="Gamma Public Library", sector="public",
                    source_id=source.id, attributes={}),
        ])


def load(db, data: bytes, filename: str = "figures.csv", *, config=CONFIG, **kwargs):
    result = read_import(db, ANONYMOUS, config, data, filename, **kwargs)
    return import_data(db, ANONYMOUS, result, created_by="tests",
                       create_services=kwargs.get("create_services", False))


def snapshot(db):
    with db.session() as session:
        obs = sorted(session.execute(select(
            Service.code, Metric.code, Observation.period_type, Observation.period_start,
            Observation.team, Observation.value, Observation.batch_id).join(
            Service, Service.id == Observation.service_id).join(
            Metric, Metric.id == Observation.metric_id)).all())
        services = sorted(session.scalars(select(Service.code)).all())
        batches = session.scalar(select(func.count()).select_from(ImportBatch))
    return obs, services, batches


@pytest.fixture
def seeded_db(empty_db):
    seed(empty_db)
    load(empty_db, GOOD)
    return empty_db


def test_good_file_imports_and_twice_changes_nothing(empty_db):
    seed(empty_db)
    first = load(empty_db, GOOD)
    assert (first.added, first.replaced, first.unchanged) == (3, 0, 0)
    obs, _, batches = snapshot(empty_db)
    assert [(o[0], o[1], o[2], o[3], o[5]) for o in obs] == [
        ("NHS1", "searches", "month", D(2023, 4, 1), 12.0),
        ("NHS1", "searches", "month", D(2023, 5, 1), 15.0),
        ("PUB1", "loans", "year", D(2023, 7, 1), 300.0),
    ]
    before = snapshot(empty_db)
    second = load(empty_db, GOOD)
    assert (second.added, second.replaced, second.unchanged) == (0, 0, 3)
    assert second.batch_id is None and not second.changed
    assert snapshot(empty_db) == before


def test_workbook_sheet_chosen_by_name_imports(seeded_db):
    data = xlsx([["notes"]], title="Read me", extra={"April": [
        ["service", "period", "searches", "loans"], ["NHS1", "2023-06", 7, None]]})
    result = load(seeded_db, data, "figures.xlsx", sheet="April")
    assert (result.added, result.replaced) == (1, 0)


def test_new_service_created_only_when_asked(seeded_db):
    data = HEADER.encode() + b"NEW1,searches,2023-04,1,,\n"
    before = snapshot(seeded_db)
    with pytest.raises(ImportFailed, match="NEW1"):
        load(seeded_db, data)
    assert snapshot(seeded_db) == before
    result = load(seeded_db, data, create_services=True)
    assert result.services_created == ["NEW1"] and result.added == 1


def _big_file() -> bytes:
    return HEADER.encode() + b"NHS1,searches,2023-04,1,,\n" * 70_000


BAD_FILES = [
    # (id, content, filename, words in the message, row, column)
    ("wrong column", b"servce,metric,period,value\nNHS1,searches,2023-04,1\n", "f.csv",
     "did you mean 'service'", 1, "servce"),
    ("missing column", b"service,metric,period,colour\nNHS1,searches,2023-04,1\n", "f.csv",
     "no 'value' column", 1, None),
    ("unknown service", HEADER.encode() + b"NHS9,searches,2023-04,1,,\n", "f.csv",
     "did you mean 'NHS1'", 2, "service"),
    ("unknown metric", HEADER.encode() + b"NHS1,serches,2023-04,1,,\n", "f.csv",
     "did you mean 'searches'", 2, "metric"),
    ("derived metric", HEADER.encode() + b"NHS1,exp_total,2023-04,1,,\n", "f.csv",
     "computed by Shelfmark", 2, "metric"),
    ("text in a number", HEADER.encode() + b"NHS1,searches,2023-04,1,,\nNHS1,loans,2023-04,"
     b"lots,,\n", "f.csv", "'lots' is not a number", 3, "value"),
    ("negative count", HEADER.encode() + b"NHS1,searches,2023-04,-4,,\n", "f.csv",
     "cannot be negative", 2, "value"),
    ("impossible date", HEADER.encode() + b"NHS1,searches,2023-02-30,4,,\n", "f.csv",
     "impossible date", 2, "period"),
    ("conflicting duplicates", HEADER.encode() + b"NHS1,searches,2023-06,4,,\n"
     b"NHS1,searches,Jun 2023,5,,\n", "f.csv", "rows 2 and 3", 3, "value"),
    ("empty file", b"", "f.csv", "the file is empty", None, None),
    ("header only", HEADER.encode(), "f.csv", "no rows of figures", 1, None),
    ("over the size limit", None, "f.csv", "IMPORT_MAX_MB", None, None),
    ("not a spreadsheet", b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n", "f.pdf", "PDF", None, None),
    ("old Excel", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048), "f.xls", ".xlsx", None,
     None),
    ("binary junk", bytes(range(256)) * 8, "f.csv", "binary data", None, None),
    ("damaged workbook", b"PK\x03\x04" + bytes(300), "f.xlsx", "damaged", None, None),
    ("formula without a value", None, "f.xlsx", "cell D2", 2, None),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_refused_and_changes_nothing(seeded_db, case):
    name, content, filename, words, row, column = case
    config = CONFIG
    if name == "over the size limit":
        content, config = _big_file(), load_config({"IMPORT_MAX_MB": 1}, environ={})
    if name == "formula without a value":
        content = xlsx([["service", "metric", "period", "value"],
                        ["NHS1", "searches", "2023-04", "=1+1"]])
    before = snapshot(seeded_db)
    with pytest.raises(ImportFailed) as failed:
        load(seeded_db, content, filename, config=config)
    found = failed.value.problems
    assert any(words in p.reason for p in found), [str(p) for p in found]
    match = next(p for p in found if words in p.reason)
    assert (match.row, match.column) == (row, column)
    assert snapshot(seeded_db) == before
