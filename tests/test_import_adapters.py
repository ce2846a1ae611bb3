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
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from conftest import _postgres_database
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS as V
from dashboard.db.imports import import_data, undo_import
from dashboard.db.models import DataSource, Metric, Observation, Service, ServiceNeighbour
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


def test_the_fiscal_year_comes_from_a_column_or_the_name_and_follows_the_setting():
    with_year = old_file([row + ["2009"] for row in OLD_ROWS], OLD_HEADER + ["YR_SUB"])
    data = parse_imls(with_year, filename="upload.csv")
    assert set(data.observations["period_start"]) == {D(2008, 7, 1)}
    data = parse_imls(with_year, filename="pls_fy2010_ae.csv")
    assert set(data.observations["period_start"]) == {D(2008, 7, 1)}
    assert any("FY2010" in w.reason for w in data.warnings)
    january = load_config({"FY_START_PUBLIC": 1})
    data = parse_imls(old_file(), filename="pupld14a.csv.gz", config=january)
    assert set(data.observations["period_start"]) == {D(2014, 1, 1)}
    with pytest.raises(ImportFailed, match="fiscal year"):
        parse_imls(old_file(), filename="upload.csv")


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
