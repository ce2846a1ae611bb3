"""The national-return adapters: IMLS Public Libraries Survey and Arts Council England activity.

The full IMLS FY2017 file and the ACE 2023/24 folder shipped in data/ are imported through the
engine once per backend (SQLite and PostgreSQL) and checked against the source files, read here
independently with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from conftest import _postgres_database
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS as V
from dashboard.db.imports import import_data, undo_import
from dashboard.db.models import (DataSource, ImportBatch, Metric, Observation, Service,
                                 ServiceNeighbour)
from dashboard.importing import ImportFailed
from dashboard.importing.ace import NEIGHBOUR_SOURCE, parse_ace_file, parse_ace_folder
from dashboard.importing.imls import MEASURES, parse_imls
from dashboard.settings import load_config

DATA = Path(__file__).resolve().parent.parent / "data"
IMLS_FILE = DATA / "imls_pls_fy2017" / "pls_fy2017_ae_pud17i.csv.gz"
ACE_DIR = DATA / "ace_england_2023_24"
FY2017 = dt.date(2016, 7, 1)  # FY2017 in the public sector's July financial year
D = dt.date
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _database(request, tmp_path_factory):
    """Return a migrated empty database on the fixture's backend, and its cleanup."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path_factory.mktemp('adapters')}/test.db")
        cleanup = db.dispose
    else:
        db, cleanup = _postgres_database()
    db.upgrade()
    return db, cleanup


def stored(db: Database, service: str, metric: str, start: dt.date, ptype: str = "year"):
    """Return (value, missing_reason, imputed) of one stored figure, or None."""
    with db.session() as session:
        return session.execute(
            select(Observation.value, Observation.missing_reason, Observation.imputed)
            .join(Service, Observation.service_id == Service.id)
            .join(Metric, Observation.metric_id == Metric.id)
            .where(Service.code == service, Metric.code == metric,
                   Observation.period_type == ptype, Observation.period_start == start)
        ).first()


def service(db: Database, code: str) -> Service | None:
    with db.session() as session:
        found = session.scalars(select(Service).where(Service.code == code)).first()
        if found is not None:
            session.expunge(found)
        return found


def count_services(db: Database, source: str) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Service).join(DataSource).where(
            DataSource.code == source))


# ---------------------------------------------------------------------------------------------
# IMLS: the full FY2017 file
# ---------------------------------------------------------------------------------------------


def test_imls_full_file_creates_every_library(imls_db, imls_source):
    db, result = imls_db
    assert len(imls_source) == 9245
    assert len(result.services_created) == 9245 and result.batch_id is not None
    assert count_services(db, "imls-pls") == 9245
    assert result.added == 9245 * len(MEASURES) and result.replaced == 0
    with db.session() as session:
        periods = session.execute(select(Observation.period_type, Observation.period_start)
                                  .distinct()).all()
        sectors = session.scalars(select(Service.sector).distinct()).all()
    assert periods == [("year", FY2017)] and sectors == ["public"]


@pytest.mark.parametrize("code, metric, column", [
    ("CA0063", "visits", "VISITS"),                       # Los Angeles Public Library
    ("CA0063", "pls_exp_total_operating", "TOTOPEXP"),
    ("NY0778", "pls_circulation", "TOTCIR"),              # New York Public Library
    ("NY0778", "pls_total_staff_fte", "TOTSTAFF"),        # 2140.06: decimals kept
    ("NY0778", "pls_librarians_fte", "LIBRARIA"),
    ("AK0124", "visits", "VISITS"),                       # Lake Minchumina, population 11
    ("AK0124", "pls_population_lsa", "POPU_LSA"),
    ("AK0124", "pls_wifi_sessions", "WIFISESS"),
    ("IL0098", "pls_exp_staff", "STAFFEXP"),              # Chicago
])
def test_imls_figures_equal_the_source_file(imls_db, imls_source, code, metric, column):
    db, _ = imls_db
    expected = float(imls_source[code][column])
    assert expected >= 0
    assert stored(db, code, metric, FY2017) == (expected, None, False)


def test_imls_negative_codes_are_missing_with_their_reason(imls_db, imls_source):
    db, _ = imls_db
    rows = list(imls_source.values())
    suppressed = next(r for r in rows if r["STAFFEXP"] == "-9")       # two staff or fewer
    missing = next(r for r in rows if r["TOTCIR"] == "-1")
    closed = next(r for r in rows if r["STATSTRU"] in ("03", "23"))  # values set to -3
    assert suppressed["FSCSKEY"] == "AK0001" and stored(
        db, "AK0001", "pls_exp_staff", FY2017) == (None, "suppressed", False)
    assert stored(db, missing["FSCSKEY"], "pls_circulation", FY2017) == (None, "missing", False)
    assert closed["VISITS"] == "-3"
    assert stored(db, closed["FSCSKEY"], "visits", FY2017) == (None, "closed", False)
    assert service(db, closed["FSCSKEY"]).attributes["closed"] is True
    # FY2017 uses -4 (not applicable) only outside the measures Shelfmark imports (PHONE,
    # CBSA); the synthetic older file below checks -4 in a measure.
    measure_columns = {names[0] for names, _ in MEASURES.values()}
    assert not any(r[c] == "-4" for r in rows for c in measure_columns)
    with db.session() as session:
        negatives = session.scalar(select(func.count()).select_from(Observation).where(
            Observation.value < 0))
        reasons = dict(session.execute(
            select(Observation.missing_reason, func.count()).where(
                Observation.missing_reason.is_not(None)).group_by(
                Observation.missing_reason)).all())
    assert negatives == 0
    expected = defaultdict(int)
    codes = {"-1": "missing", "-3": "closed", "-9": "suppressed"}
    for row in rows:
        for names, _ in MEASURES.values():
            if row[names[0]] in codes:
                expected[codes[row[names[0]]]] += 1
    assert reasons == dict(expected)


def test_imls_imputed_values_are_flagged(imls_db, imls_source):
    db, _ = imls_db
    imputed = next(r for r in imls_source.values() if r["F_VISITS"].startswith("I"))
    assert imputed["FSCSKEY"] == "AK0082" and imputed["F_VISITS"] == "IG14"
    assert stored(db, "AK0082", "visits", FY2017) == (float(imputed["VISITS"]), None, True)
    assert imls_source["CA0063"]["F_VISITS"] == "R_17"
    assert stored(db, "CA0063", "visits", FY2017)[2] is False
    expected = sum(
        1 for row in imls_source.values() for names, flags in MEASURES.values()
        for flag in flags[:1] if flag in row and row[flag].startswith("I")
        and not row[names[0]].startswith("-"))
    with db.session() as session:
        flagged = session.scalar(select(func.count()).select_from(Observation).where(
            Observation.imputed.is_(True)))
    assert flagged == expected > 6000


def test_imls_services_carry_peer_grouping_attributes(imls_db, imls_source):
    db, _ = imls_db
    source = imls_source["CA0063"]
    la = service(db, "CA0063")
    assert (la.name, la.sector, la.region) == ("LOS ANGELES PUBLIC LIBRARY", "public", "Far West")
    assert la.population == float(source["POPU_LSA"]) == 4041707
    assert la.population_unit == "people (legal service area)"
    attributes = la.attributes
    assert attributes["state"] == source["STABR"] == "CA"
    assert attributes["locale"] == source["LOCALE_ADD"] == "11"
    assert attributes["locale_name"] == "City, large"
    assert attributes["region_code"] == source["OBEREG"] == "08"
    assert attributes["legal_basis"] == source["C_LEGBAS"] == "CI"
    assert attributes["admin_structure"] == source["C_ADMIN"] == "MO"
    assert attributes["reporting_start"] == "2016-07-01"
    nypl = service(db, "NY0778")
    assert nypl.name == "NEW YORK PUBLIC LIBRARY, THE BRANCH LIBRARIES"
    assert nypl.attributes["legal_basis_name"] == "Non-profit association or agency"
    tiny = service(db, "AK0124")
    assert (tiny.population, tiny.attributes["locale_name"]) == (11.0, "Rural, remote")


def test_imls_parses_fast_from_bytes_and_from_a_frame(imls_data):
    import time

    frame = pd.read_csv(IMLS_FILE, dtype=str, keep_default_na=False, encoding="latin-1")
    began = time.perf_counter()
    from_frame = parse_imls(frame, filename=IMLS_FILE.name)
    assert time.perf_counter() - began < 10  # row-by-row code would take minutes
    pd.testing.assert_frame_equal(from_frame.observations, imls_data.observations)
    assert len(imls_data.observations) == 9245 * len(MEASURES)


# ---------------------------------------------------------------------------------------------
# IMLS: other years and bad files
# ---------------------------------------------------------------------------------------------

OLD_HEADER = ["STABR", "FSCSKEY", "LIBNAME", "CITY", "C_LEGBAS", "C_ADMIN", "LOCALE", "OBEREG",
              "POPU_LSA", "F_POPLSA", "TOTSTAFF", "F_TOTSTF", "STAFFEXP", "F_TOSTFX", "VISITS",
              "F_VISITS", "TOTCIR", "NEWMEASURE", "TOTOPEXP", "F_TOTOPX"]
OLD_ROWS = [
    ["PR", "PR0001", "BIBLIOTECA PÚBLICA DE AÑASCO", "AÑASCO", "CI", "SO", "32", "5",
     "29261", "R_14", "1.5", "R_14", "", "H_14", "4100", "IM14", "-4", "7", "90000", "R_14"],
    ["ME", "ME0002", "BIBLIOTHÈQUE DE MADAWASKA", "MADAWASKA", "CI", "SO", "42", "1",
     "4035", "R_14", "12", "R_14", "410000", "R_14", "", "", "52000", "", "600000", "R_14"],
    ["TX", "TX0003", "SAN ANTONIO PUBLIC LIBRARY", "SAN ANTONIO", "CI", "MO", "11", "6",
     "1,469,845", "R_14", "-3", "U_14", "-3", "U_14", "-1", "R_14", "-9", "", "-3", "U_14"],
]


def old_file(rows=OLD_ROWS, header=OLD_HEADER) -> bytes:
    """Build an older-year file: LOCALE, blank cells, latin-1 and CRLF, as IMLS published."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *rows])
    return text.getvalue().encode("latin-1")


def test_an_older_year_imports_with_its_fiscal_year_and_warnings(empty_db):
    raw = old_file()
    assert b"\r\n" in raw and "Ñ".encode("latin-1") in raw
    data = parse_imls(raw, filename="PLS_FY2014_AE_pupld14a.csv")
    reasons = " ".join(w.reason for w in data.warnings)
    assert "WIFISESS" in reasons and "REFERENC" in reasons and "NEWMEASURE" not in reasons
    assert "not applicable" in reasons and "suppressed" in reasons
    result = import_data(empty_db, V, data, created_by="tests")
    assert sorted(result.services_created) == ["ME0002", "PR0001", "TX0003"]
    fy2014 = D(2013, 7, 1)
    assert stored(empty_db, "PR0001", "pls_exp_staff", fy2014) == (None, "suppressed", False)
    assert stored(empty_db, "PR0001", "visits", fy2014) == (4100.0, None, True)
    assert stored(empty_db, "PR0001", "pls_circulation", fy2014) == (None, "not applicable",
                                                                   False)
    assert stored(empty_db, "ME0002", "visits", fy2014) == (None, "not reported", False)
    assert stored(empty_db, "TX0003", "pls_population_lsa", fy2014) == (1469845.0, None, False)
    assert stored(empty_db, "TX0003", "pls_circulation", fy2014) == (None, "suppressed", False)
    assert stored(empty_db, "TX0003", "visits", fy2014) == (None, "missing", False)
    assert stored(empty_db, "TX0003", "pls_total_staff_fte", fy2014) == (None, "closed", False)
    pr = service(empty_db, "PR0001")
    assert pr.name == "BIBLIOTECA PÚBLICA DE AÑASCO" and pr.attributes["city"] == "AÑASCO"
    assert (pr.attributes["locale"], pr.attributes["locale_name"]) == ("32", "Town, distant")
    assert (pr.region, pr.attributes["state"]) == ("Southeast", "PR")
    assert service(empty_db, "ME0002").name == "BIBLIOTHÈQUE DE MADAWASKA"


def test_a_file_without_reporting_dates_takes_its_year_from_its_name_and_the_setting():
    with_year = old_file([row + ["2009"] for row in OLD_ROWS], OLD_HEADER + ["YR_SUB"])
    data = parse_imls(with_year, filename="pls_fy2010_ae.csv")  # YR_SUB is not the period
    assert set(data.observations["period_start"]) == {D(2009, 7, 1)}
    assert any("FY2010 was taken from the file name alone" in w.reason for w in data.warnings)
    assert set(data.services["attributes"].map(lambda a: a["submission_year"])) == {2009}
    january = load_config({"FY_START_PUBLIC": 1})
    data = parse_imls(old_file(), filename="pupld14a.csv.gz", config=january)
    assert set(data.observations["period_start"]) == {D(2014, 1, 1)}
    assert any("stored as the financial year 2014 (Jan 2014 to Dec 2014)" in w.reason
               for w in data.warnings)
    with pytest.raises(ImportFailed, match="cannot tell which fiscal year the file 'upload.csv' "
                       "covers: it has no STARTDAT or ENDDATE column"):
        parse_imls(with_year, filename="upload.csv")


# ---------------------------------------------------------------------------------------------
# IMLS: the fiscal year of each survey year's file
# ---------------------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imls"
# Each survey year's file: its IMLS name, the fiscal year, the July year it is stored as, its
# label, and what its YR_SUB column says (the year the data were submitted).
SURVEY_YEARS = [
    ("PLS_FY2011_AE_pupld11a.csv", 2011, D(2010, 7, 1), "2010/11", 2012),
    ("pls_fy2015_pupld15a.csv", 2015, D(2014, 7, 1), "2014/15", 2016),
    ("pls_fy2017_ae_pud17i.csv", 2017, D(2016, 7, 1), "2016/17", 2017),
]


def fixture_rows(name: str) -> dict[str, dict[str, str]]:
    with open(FIXTURES / name, encoding="latin-1", newline="") as handle:
        return {row["FSCSKEY"]: row for row in csv.DictReader(handle)}


def renamed(name: str, tmp_path: Path, new_name: str, change=None) -> Path:
    """Copy a fixture under another name, changing its text on the way if asked."""
    text = (FIXTURES / name).read_bytes().decode("latin-1")
    path = tmp_path / new_name
    path.write_bytes((change(text) if change else text).encode("latin-1"))
    return path


def test_each_survey_year_lands_in_its_own_year(empty_db):
    from dashboard.importing.load import read_path
    from dashboard.periods import period_label

    config = load_config()
    for name, fy, start, label, submitted in SURVEY_YEARS:
        source = fixture_rows(name)
        assert {r["YR_SUB"] for r in source.values()} == {str(submitted)}
        periods = {(r["STARTDAT"], r["ENDDATE"]) for r in source.values()}
        assert len(periods) == 5  # July, October and calendar years, and a closed library
        data = read_path(empty_db, V, config, FIXTURES / name)
        stored_as = f"FY{fy}'s figures are stored as the financial year {label}"
        assert any(w.reason.startswith(stored_as) for w in data.warnings)
        result = import_data(empty_db, V, data, created_by="tests")
        assert result.added == len(source) * (len(MEASURES) - (fy < 2017))  # no WIFISESS
        # The same library's visits, year by year, each under its own financial year.
        assert stored(empty_db, "CA0063", "visits", start) == (
            float(source["CA0063"]["VISITS"]), None, False)
        assert stored(empty_db, "AK0018", "visits", start) == (None, "closed", False)
        # In older files -3 is also "not applicable", on a library that is open (STATSTRU 00).
        assert source["AL0001"]["STATSTRU"] == "00"
        assert source["AL0001"]["KIDCIRCL"] == ("-3" if fy < 2016 else "0")
        assert stored(empty_db, "AL0001", "pls_kids_circulation", start) == (
            (None, "not applicable", False) if fy < 2016 else (0.0, None, False))
        assert stored(empty_db, "AK0001", "visits", D(start.year + 1, 7, 1)) is None
    with empty_db.session() as session:
        starts = session.scalars(select(Observation.period_start).distinct()
                                 .order_by(Observation.period_start)).all()
        batches = session.execute(select(ImportBatch.filename, func.min(
            Observation.period_start), func.max(Observation.period_start)).join(
            Observation, Observation.batch_id == ImportBatch.id).group_by(
            ImportBatch.filename).order_by(ImportBatch.filename)).all()
    assert starts == [start for _, _, start, _, _ in SURVEY_YEARS]
    assert [period_label(s, "year", config.fy_start_month("public")) for s in starts] == [
        "2010/11", "2014/15", "2016/17"]
    assert sorted((f, a, b) for f, a, b in batches) == sorted(
        (name, start, start) for name, _, start, _, _ in SURVEY_YEARS)
    # A library keeps the attributes of the year that created it, with that year's dates.
    anchor = service(empty_db, "AK0001").attributes
    assert (anchor["survey_year"], anchor["submission_year"]) == (2011, 2012)
    assert (anchor["reporting_start"], anchor["reporting_end"]) == ("2010-07-01", "2011-06-30")
    assert anchor["locale"] == "43"  # FY2011's LOCALE, FY2017's LOCALE_ADD


def test_the_year_comes_from_the_periods_when_the_name_has_none(tmp_path):
    for name, fy, start, label, _ in SURVEY_YEARS:
        upload = renamed(name, tmp_path, "libraries.csv")
        data = parse_imls(upload.read_bytes(), filename=upload.name)
        assert set(data.observations["period_start"]) == {start}
        assert not any("file name alone" in w.reason for w in data.warnings)


@pytest.mark.parametrize("name, wrong", [
    ("pls_fy2015_pupld15a.csv", "pls_fy2016_pupld16a.csv"),    # the next year's name
    ("PLS_FY2011_AE_pupld11a.csv", "PLS_FY2012_AE_pupld12a.csv"),
    ("pls_fy2017_ae_pud17i.csv", "pls_fy2017_ae_pud16i.csv"),   # a name at odds with itself
])
def test_a_name_that_disagrees_with_the_periods_is_refused(empty_db, tmp_path, name, wrong):
    from dashboard.importing.load import read_path

    fy = next(year for n, year, *_ in SURVEY_YEARS if n == name)
    with pytest.raises(ImportFailed) as failed:
        read_path(empty_db, V, load_config(), renamed(name, tmp_path, wrong))
    [problem] = failed.value.problems
    assert problem.column == "ENDDATE"
    assert problem.value == f"07/01/{fy - 1} to 06/30/{fy}"
    assert f"the file {wrong!r} is named as FY" in problem.reason
    assert f"its reporting periods say FY{fy}: by ENDDATE, 4 of 5 libraries' reporting " \
        f"periods end in {fy}, most often 07/01/{fy - 1} to 06/30/{fy} (STARTDAT to " \
        "ENDDATE)" in problem.reason
    with empty_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 0


def test_without_usable_dates_the_name_alone_decides_and_with_neither_the_import_stops(
        tmp_path):
    def undated(text: str) -> str:
        return re.sub(r"\d\d/\d\d/\d{4}", "-3", text)

    path = renamed("pls_fy2015_pupld15a.csv", tmp_path, "pls_fy2015_pupld15a.csv", undated)
    data = parse_imls(path.read_bytes(), filename=path.name)
    assert set(data.observations["period_start"]) == {D(2014, 7, 1)}
    [alone] = [w for w in data.warnings if "file name alone" in w.reason]
    assert "its STARTDAT and ENDDATE columns hold no dates (values found: STARTDAT: '-3'; " \
        "ENDDATE: '-3')" in alone.reason
    path = renamed("pls_fy2015_pupld15a.csv", tmp_path, "export.csv", undated)
    with pytest.raises(ImportFailed) as failed:
        parse_imls(path.read_bytes(), filename=path.name)
    [problem] = failed.value.problems
    assert problem.column == "ENDDATE"
    assert problem.reason.startswith(
        "cannot tell which fiscal year the file 'export.csv' covers: its STARTDAT and ENDDATE "
        "columns hold no dates (values found: STARTDAT: '-3'; ENDDATE: '-3'), and its name "
        "holds no survey year")


@pytest.mark.parametrize("start, end", [
    ("7/1/2014", "6/30/2015"), ("2014-07-01", "2015-06-30"), ("07/01/14", "06/30/15"),
    ("01JUL2014", "30JUN2015"), ("20140701", "20150630"),
])
def test_reporting_dates_in_the_forms_imls_has_written_them(start, end):
    header = OLD_HEADER + ["STARTDAT", "ENDDATE", "YR_SUB"]
    rows = [row + [start, end, "2016"] for row in OLD_ROWS]
    data = parse_imls(old_file(rows, header), filename="upload.csv")
    assert set(data.observations["period_start"]) == {D(2014, 7, 1)}
    assert data.services["attributes"][0]["reporting_end"] == "2015-06-30"
    # a file with start dates only: a period starting on 1 January ends that year
    for first, fy in ((start, 2015), ("01/01/2015", 2015), ("10/01/2014", 2015)):
        starts_only = old_file([row + [first] for row in OLD_ROWS], OLD_HEADER + ["STARTDAT"])
        data = parse_imls(starts_only, filename="upload.csv")
        assert set(data.observations["period_start"]) == {D(fy - 1, 7, 1)}


def test_a_frame_of_text_and_gzip_bytes_read_the_same():
    raw = old_file()
    from_bytes = parse_imls(gzip.compress(raw), filename="pupld14a.csv")
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="latin-1")
    from_frame = parse_imls(frame, filename="pupld14a.csv")
    pd.testing.assert_frame_equal(from_bytes.observations, from_frame.observations)
    pd.testing.assert_frame_equal(from_bytes.services, from_frame.services)
    shifted = parse_imls(frame, filename="pupld14a.csv", rows=[2, 4, 5])  # a blank row 3
    assert shifted.observations.query("service == 'TX0003'")["source_row"].unique() == [5]


def test_bad_imls_files_say_which_row_and_column():
    header = [c for c in OLD_HEADER if c != "FSCSKEY"]
    no_key = [[v for c, v in zip(OLD_HEADER, row) if c != "FSCSKEY"] for row in OLD_ROWS]
    with pytest.raises(ImportFailed) as failed:
        parse_imls(old_file(no_key, header), filename="pupld14a.csv")
    assert failed.value.problems[0].column == "FSCSKEY"

    twice = [OLD_ROWS[0], OLD_ROWS[1], [*OLD_ROWS[2][:1], "PR0001", *OLD_ROWS[2][2:]]]
    with pytest.raises(ImportFailed) as failed:
        parse_imls(old_file(twice), filename="pupld14a.csv")
    problem = failed.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (4, "FSCSKEY", "PR0001")
    assert "row 2" in problem.reason

    text = [OLD_ROWS[0], [*OLD_ROWS[1][:14], "about 300", *OLD_ROWS[1][15:]], OLD_ROWS[2]]
    with pytest.raises(ImportFailed) as failed:
        parse_imls(old_file(text), filename="pupld14a.csv")
    problem = failed.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "VISITS", "about 300")

    odd = [[*OLD_ROWS[0][:14], "-7", *OLD_ROWS[0][15:]], *OLD_ROWS[1:]]
    with pytest.raises(ImportFailed, match="not an IMLS code") as failed:
        parse_imls(old_file(odd), filename="pupld14a.csv")
    assert (failed.value.problems[0].row, failed.value.problems[0].column) == (2, "VISITS")


# ---------------------------------------------------------------------------------------------
# Arts Council England
# ---------------------------------------------------------------------------------------------


def ace_rows(name: str) -> list[dict[str, str]]:
    with open(ACE_DIR / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def ace_total(name: str, authority: str, *periods: str) -> float:
    return sum(float(r["Count"]) for r in ace_rows(name)
               if r["Authority"] == authority and r["Period"] in periods)


@pytest.fixture(scope="module", params=BACKENDS)
def ace_db(request, tmp_path_factory):
    """A database holding the ACE 2023/24 folder, imported once per backend."""
    db, cleanup = _database(request, tmp_path_factory)
    result = import_data(db, V, parse_ace_folder(ACE_DIR), created_by="tests")
    yield db, result
    cleanup()


def test_ace_folder_creates_authorities_and_neighbours_in_rank_order(ace_db):
    db, result = ace_db
    assert count_services(db, "ace") == len(result.services_created) == 153
    assert result.neighbours_added == 153 * 152
    hartlepool = service(db, "E06000001")
    assert (hartlepool.name, hartlepool.region, hartlepool.parent_org) == (
        "Hartlepool", "North East", "Hartlepool Borough Council")
    assert hartlepool.attributes["nation"] == "England"
    summary = next(r for r in ace_rows("services.csv") if r["Authority code"] == "E06000001")
    assert hartlepool.population == sum(  # services.csv gives it in three age bands
        float(summary[f"Population {band}"]) for band in ("under 12", "12-17", "adult"))
    with db.session() as session:
        ids = dict(session.execute(select(Service.id, Service.code)).all())
        ranked = session.execute(
            select(ServiceNeighbour.neighbour_id, ServiceNeighbour.rank)
            .where(ServiceNeighbour.service_id == hartlepool.id,
                   ServiceNeighbour.source == NEIGHBOUR_SOURCE)
            .order_by(ServiceNeighbour.rank)).all()
    assert [ids[n] for n, _ in ranked[:3]] == ["E08000018", "E06000003", "E08000011"]
    assert [rank for _, rank in ranked] == list(range(1, 153))


def test_ace_monthly_and_quarterly_figures_equal_the_source_files(ace_db):
    db, _ = ace_db
    # Barnsley reports loans monthly: a month is the sum over formats and age groups.
    assert {r["Period"][-3:] for r in ace_rows("loans.csv")
            if r["Authority"] == "E08000016"} == {"P1M"}
    april = ace_total("loans.csv", "E08000016", "2023-04-01/P1M")
    assert april > 0
    assert stored(db, "E08000016", "loans", D(2023, 4, 1), "month") == (april, None, False)
    march = ace_total("visits.csv", "E08000016", "2024-03-01/P1M")
    assert stored(db, "E08000016", "visits", D(2024, 3, 1), "month")[0] == march
    # The City of London reports quarters: stored as quarters from the start date given.
    quarter = ace_total("visits.csv", "E09000001", "2023-10-01/P3M")
    assert stored(db, "E09000001", "visits", D(2023, 10, 1), "quarter") == (quarter, None,
                                                                             False)
    hours = ace_total("computers.csv", "E09000001", "2024-01-01/P3M")
    assert stored(db, "E09000001", "ace_computer_hours", D(2024, 1, 1), "quarter")[0] == hours
    events = ace_total("events.csv", "E09000001", "2023-04-01/P3M")
    assert stored(db, "E09000001", "ace_events", D(2023, 4, 1), "quarter")[0] == events
    # Active users, a 12-month count, is stored at the year's last month (as at March 2024).
    assert stored(db, "E09000001", "ace_active_users", D(2024, 3, 1), "month")[0] == 16616
    assert stored(db, "E09000001", "ace_active_users", D(2023, 4, 1), "year") is None


def test_ace_mixed_spans_are_added_up_to_whole_quarters(ace_db):
    db, _ = ace_db
    # Middlesbrough reports some loans monthly and some quarterly.
    spans = {r["Period"][-3:] for r in ace_rows("loans.csv") if r["Authority"] == "E06000002"}
    assert spans == {"P1M", "P3M"}
    whole = ace_total("loans.csv", "E06000002", "2023-07-01/P3M", "2023-07-01/P1M",
                      "2023-08-01/P1M", "2023-09-01/P1M")
    assert stored(db, "E06000002", "loans", D(2023, 7, 1), "quarter")[0] == whole
    assert stored(db, "E06000002", "loans", D(2023, 7, 1), "month") is None


def test_ace_twelve_month_flows_are_english_april_years(ace_db):
    db, _ = ace_db
    # Bolton's loans are one 12-month figure. English authorities keep their own April-March
    # year (a service attribute), whatever FY_START_PUBLIC says for US libraries.
    assert {r["Period"] for r in ace_rows("loans.csv")
            if r["Authority"] == "E08000031"} == {"2023-04-01/P1Y"}
    stored_year = stored(db, "E08000031", "loans", D(2023, 4, 1), "year")
    assert stored_year is not None
    assert stored_year[0] == ace_total("loans.csv", "E08000031", "2023-04-01/P1Y")
    assert service(db, "E08000031").attributes["fy_start_month"] == 4
    assert load_config().fy_start_for(service(db, "E08000031")) == 4
    july = parse_ace_file((ACE_DIR / "loans.csv").read_bytes(), "loans.csv",
                          config=load_config({"FY_START_PUBLIC": 7}))
    year = july.observations.query("service == 'E08000031'")
    assert year[["period_type", "period_start"]].values.tolist() == [["year", D(2023, 4, 1)]]


def test_ace_reimport_changes_nothing_and_undo_removes_everything(empty_db):
    data = parse_ace_folder(ACE_DIR)
    first = import_data(empty_db, V, data, created_by="tests")
    assert first.added == len(data.observations) > 6000
    again = import_data(empty_db, V, parse_ace_folder(ACE_DIR), created_by="tests")
    assert (again.added, again.replaced, again.unchanged) == (0, 0, len(data.observations))
    assert again.batch_id is None and not again.services_created and not again.neighbours_added
    undo_import(empty_db, V, first.batch_id)
    with empty_db.session() as session:
        left = [session.scalar(select(func.count()).select_from(table))
                for table in (Observation, Service, ServiceNeighbour)]
    assert left == [0, 0, 0]


def test_one_ace_file_imports_alone_with_authority_names():
    data = parse_ace_file((ACE_DIR / "wifi.csv").read_bytes(), "wifi.csv")
    assert set(data.observations["metric"]) == {"ace_wifi_sessions"}
    names = dict(zip(data.services["code"], data.services["name"]))
    assert names["E08000001"] == "Bolton" and len(names) == 44
    neighbours = parse_ace_file((ACE_DIR / "localauthoritynearestneighboursengland.csv")
                                .read_bytes(), "localauthoritynearestneighboursengland.csv")
    assert neighbours.observations.empty and len(neighbours.neighbours) == 153 * 152


def test_bad_ace_files_are_refused_with_row_and_column():
    good = "Authority,Period,Count\r\nE06000001,2023-04-01/P1M,10\r\n"
    blank = parse_ace_file((good + "E06000001,2023-05-01/P1M,\r\n").encode(), "wifi.csv")
    assert len(blank.observations) == 1 and any("no count" in w.reason for w in blank.warnings)
    for line, column, value in [("E06000001,2023-05-01/P1M,lots", "Count", "lots"),
                                ("Hartlepool,2023-05-01/P1M,3", "Authority", "HARTLEPOOL"),
                                ("E06000001,2023-05-15/P1M,3", "Period", "2023-05-15/P1M"),
                                ("E06000001,2023-05-01/P2M,3", "Period", "2023-05-01/P2M")]:
        with pytest.raises(ImportFailed) as failed:
            parse_ace_file((good + line + "\r\n").encode(), "wifi.csv")
        problem = failed.value.problems[0]
        assert (problem.row, problem.column, problem.value) == (3, column, value)
    with pytest.raises(ImportFailed, match="published name"):
        parse_ace_file((ACE_DIR / "events.csv").read_bytes(), "upload.csv")
    wide = "library_details,authority,total_active_members\r\nX,Y,1\r\n".encode()
    with pytest.raises(ImportFailed, match="wide original"):
        parse_ace_file(wide, "libraries_activity_data_2023_2024.csv")


# ---------------------------------------------------------------------------------------------
# Nothing half-read: a row with fewer or more fields than the header stops every format
# ---------------------------------------------------------------------------------------------

TEMPLATE_FILE = ("service,metric,period,value,team,note\r\n" + "".join(
    f"NEW1,searches,2023-{month:02d},{month * 10},,\r\n" for month in range(4, 10))).encode()
# (format, file name, its bytes, encoding): each format's own file, as users import it
UPLOADS = [
    ("shelfmark", "figures.csv", TEMPLATE_FILE, "utf-8"),
    ("imls-pls", "pls_fy2015_pupld15a.csv",
     (FIXTURES / "pls_fy2015_pupld15a.csv").read_bytes(), "latin-1"),
    ("ace", "wifi.csv", (ACE_DIR / "wifi.csv").read_bytes(), "utf-8"),
]


def damaged(content: bytes, encoding: str, damage: str) -> tuple[bytes, int, int, int]:
    """Damage a CSV file; return it, the row damaged, that row's fields and the header's."""
    records = list(csv.reader(io.StringIO(content.decode(encoding), newline="")))
    width = len(records[0])
    if damage == "last row cut short":  # the file ends in the middle of its last row
        row, fields = len(records), min(55, width - 1)
        records[-1] = records[-1][:fields]
    elif damage == "middle row cut short":
        row, fields = 3, width - 1
        records[2] = records[2][:fields]
    else:  # a field too many
        row, fields = 4, width + 1
        records[3] = [*records[3], "7"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(records)
    text = out.getvalue()
    if damage == "last row cut short":
        text = text[:-2]
    return text.encode(encoding), row, fields, width


def table_counts(db: Database) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (Observation, Service, ImportBatch))


@pytest.mark.parametrize("fmt, name, content, encoding", UPLOADS, ids=[u[0] for u in UPLOADS])
def test_a_row_with_fewer_or_more_fields_than_the_header_stops_every_format(
        empty_db, fmt, name, content, encoding):
    from dashboard.importing.load import read_import

    config = load_config()
    good = read_import(empty_db, V, config, content, name, create_services=True)
    assert good.format == fmt
    first = import_data(empty_db, V, good, created_by="tests", create_services=True)
    assert first.added > 0
    before = table_counts(empty_db)
    for damage in ("last row cut short", "middle row cut short", "a field too many"):
        bad, row, fields, width = damaged(content, encoding, damage)
        for fmt_asked in ("auto", fmt):
            with pytest.raises(ImportFailed) as failed:
                data = read_import(empty_db, V, config, bad, name, fmt=fmt_asked,
                                   create_services=True)
                import_data(empty_db, V, data, created_by="tests", create_services=True)
            [problem] = failed.value.problems
            assert problem.row == row, (damage, problem)
            assert problem.reason.startswith(
                f"this row has {fields} fields but the header (row 1) has {width}: "), problem
            if damage == "last row cut short":
                assert "the file ends in it" in problem.reason
            elif damage == "a field too many":
                assert problem.value == "7"
        assert table_counts(empty_db) == before


def test_an_imls_file_given_as_bytes_is_read_by_the_same_reader():
    bad, row, fields, width = damaged(UPLOADS[1][2], "latin-1", "last row cut short")
    assert (row, fields, width) == (7, 55, 154)
    with pytest.raises(ImportFailed) as failed:
        parse_imls(gzip.compress(bad), filename="pls_fy2015_pupld15a.csv")
    assert [str(p).split(":")[0] for p in failed.value.problems] == ["row 7"]
    assert "has 55 fields but the header (row 1) has 154" in failed.value.problems[0].reason


def test_an_ace_folder_with_a_file_cut_short_is_refused_naming_the_file(tmp_path):
    """The folder import reads each tidy file with the one CSV reader too."""
    folder = tmp_path / "ace"
    folder.mkdir()
    for name in ("loans.csv", "visits.csv", "library_authorities.json"):
        (folder / name).write_bytes((ACE_DIR / name).read_bytes())
    parse_ace_folder(folder)  # whole, the folder reads
    bad, row, fields, width = damaged((ACE_DIR / "visits.csv").read_bytes(), "utf-8-sig",
                                      "last row cut short")
    (folder / "visits.csv").write_bytes(bad)
    with pytest.raises(ImportFailed) as failed:
        parse_ace_folder(folder)
    [problem] = failed.value.problems
    assert problem.row == row
    assert problem.reason.startswith(
        f"visits.csv: this row has {fields} fields but the header (row 1) has {width}: ")
