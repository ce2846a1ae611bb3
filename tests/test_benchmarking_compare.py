"""Peer comparison: exact statistics on a hand-worked fixture, and the disclosure rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from dashboard.benchmarking.compare import (QUARTILE_METHOD, compare, competition_rank, ordinal,
                                            peer_letters, percentile_rank, quartiles)
from dashboard.db.access import ANONYMOUS
from dashboard.db.models import DataSource, ImportBatch, Metric, Observation, Service
from dashboard.periods import PeriodRange
from dashboard.settings import load_config

YEAR = PeriodRange(dt.date(2023, 4, 1), dt.date(2024, 3, 1))
CONFIG = load_config({"SECRET_KEY": "test-secret", "BENCHMARK_MIN_PEERS": 5})

# visits for 2023/24 (a year), population served, total staff (WTE):
#   OWN 50 (pop 1,000, staff 5); P1 10; P2 20; P3 20; P4 40; P5 60; P6 80; P7 no visits.
# P6 has no population. Peers with visits: 10, 20, 20, 40, 60, 80 (six of seven).
FIXTURE = {
    "OWN": (50.0, 1000.0, 5.0), "P1": (10.0, 100.0, 1.0), "P2": (20.0, 400.0, 2.0),
    "P3": (20.0, 200.0, 4.0), "P4": (40.0, 800.0, 2.0), "P5": (60.0, 300.0, 3.0),
    "P6": (80.0, None, 4.0), "P7": (None, 500.0, 1.0),
}
PEERS = [c for c in FIXTURE if c != "OWN"]


def load(db, public: bool = False) -> None:
    with db.session() as session:
        source = DataSource(code="hidden" if not public else "published",
                            name="A private return", public=public)
        session.add(source)
        batch = ImportBatch(created_by="tests", kind="test", rows_read=0)
        session.add(batch)
        session.flush()
        metrics = {m.code: m.id for m in session.query(Metric)}
        for code, (visits, population, staff) in FIXTURE.items():
            service = Service(code=code, name=f"Library {code}", sector="nhs",
                              population=population, population_unit="WTE staff",
                              source_id=source.id, attributes={})
            session.add(service)
            session.flush()
            for metric, value in (("visits", visits), ("staff_total_wte", staff)):
                if value is not None:
                    session.add(Observation(service_id=service.id, metric_id=metrics[metric],
                                            period_type="year", period_start=YEAR.start,
                                            team="", value=value, batch_id=batch.id))
        session.commit()


def test_statistics_by_hand():
    # sorted 10, 20, 20, 40, 60, 80: Q1 at position 1.25 -> 20; median at 2.5 -> 30;
    # Q3 at 3.75 -> 40 + 0.75 x (60 - 40) = 55.
    assert quartiles([10, 20, 20, 40, 60, 80]) == (20.0, 30.0, 55.0)
    assert percentile_rank(50, [10, 20, 20, 40, 60, 80]) == pytest.approx(400 / 6)
    assert percentile_rank(20, [10, 20, 20, 40, 60, 80]) == pytest.approx(200 / 6)
    assert competition_rank(50, [10, 20, 20, 40, 60, 80], True) == 3
    assert competition_rank(50, [10, 20, 20, 40, 60, 80], False) == 5
    assert competition_rank(20, [10, 20, 20, 40, 60, 80], True) == 4  # ties share a rank
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert peer_letters(28)[-3:] == ["Peer Z", "Peer AA", "Peer AB"]
    # The documented method is Excel's QUARTILE.INC: numpy's linear interpolation.
    assert "QUARTILE.INC" in QUARTILE_METHOD
    values = np.array([3.0, 7, 8, 5, 12, 14, 21, 13, 18])
    assert quartiles(values) == (7.0, 12.0, 14.0)  # Excel: QUARTILE.INC gives 7, 12, 14


def test_comparison_on_the_fixture(empty_db):
    load(empty_db)
    [c] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR)
    assert c.own_value == 50.0
    assert (c.n_group, c.n_reporting) == (7, 6)
    assert c.reporting_text == "6 of 7 peers have data"
    assert (c.q1, c.median, c.q3, c.minimum, c.maximum) == (20.0, 30.0, 55.0, 10.0, 80.0)
    assert c.percentile == pytest.approx(400 / 6)
    assert (c.rank, c.rank_of) == (3, 7)
    assert c.rank_text == "3rd of 7, higher is better"
    assert not c.withheld
    assert sorted(p.value for p in c.peers) == [10, 20, 20, 40, 60, 80]


def test_peers_are_anonymised_and_relabelled_per_measure(empty_db):
    load(empty_db)
    visits, staff = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS,
                            ["visits", "staff_total_wte"], YEAR)
    for result in (visits, staff):
        assert all(p.label.startswith("Peer ") and p.code is None and not p.named
                   for p in result.peers)
        assert not any("Library" in p.label for p in result.peers)
    # The same peer gets a different letter in another group; the same view, the same letters.
    by_visits = {p.value: p.label for p in visits.peers if p.value in (10.0, 40.0, 60.0)}
    again = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR,
                    group_key="another group")[0]
    by_again = {p.value: p.label for p in again.peers if p.value in (10.0, 40.0, 60.0)}
    assert by_visits != by_again
    same = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR)[0]
    assert [(p.label, p.value) for p in same.peers] == [(p.label, p.value)
                                                        for p in visits.peers]


def test_public_sources_are_named(empty_db):
    load(empty_db, public=True)
    [c] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR)
    assert {p.label for p in c.peers} == {f"Library {code}" for code in
                                         ("P1", "P2", "P3", "P4", "P5", "P6")}
    assert all(p.named and p.code for p in c.peers)


def test_small_groups_are_withheld(empty_db):
    load(empty_db)
    [c] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", ["P1", "P2", "P3", "P4", "P7"],
                  ["visits"], YEAR)
    assert c.withheld and c.n_reporting == 4
    assert "only 4 of 5 peers have data" in c.withheld_reason
    assert c.median is None and c.q1 is None and c.rank is None and c.percentile is None
    assert c.peers == []
    assert c.own_value == 50.0  # the own figure is always the viewer's to see


def test_normalisation_per_population_excludes_and_counts(empty_db):
    load(empty_db)
    [c] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR,
                  normalisation="population")
    assert c.denominator == "per 1,000 WTE staff served"
    assert c.own_value == pytest.approx(50.0)  # 50 / (1,000 / 1,000)
    # P6 has no population: left out and counted. P7 has no visits.
    assert c.n_no_denominator == 1 and c.n_reporting == 5
    values = sorted(p.value for p in c.peers)
    assert values == pytest.approx(sorted([100.0, 50.0, 100.0, 50.0, 200.0]))
    [s] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR,
                  normalisation="staff")
    assert s.denominator == "per WTE staff"
    assert s.own_value == pytest.approx(10.0)
    assert s.median == pytest.approx(np.median([10, 10, 5, 20, 20, 20]))


def test_unknown_service_and_normalisation(empty_db):
    load(empty_db)
    with pytest.raises(LookupError):
        compare(empty_db, ANONYMOUS, CONFIG, "NOPE", PEERS, ["visits"], YEAR)
    with pytest.raises(ValueError):
        compare(empty_db, ANONYMOUS, CONFIG, "OWN", PEERS, ["visits"], YEAR,
                normalisation="per-banana")
    # Unknown peer codes and the own code among the peers are ignored.
    [c] = compare(empty_db, ANONYMOUS, CONFIG, "OWN", [*PEERS, "OWN", "GHOST"],
                  ["visits"], YEAR)
    assert c.n_group == 7


# ---------------------------------------------------------------------------------------------
# The real IMLS FY2017 data, checked against an independent computation from the source file
# ---------------------------------------------------------------------------------------------

FY2017 = PeriodRange(dt.date(2016, 7, 1), dt.date(2017, 6, 1))
COLUMNS = {"visits": "VISITS", "pls_circulation": "TOTCIR", "pls_total_staff_fte": "TOTSTAFF",
           "pls_programme_attendance": "TOTATTEN"}


def source_value(row: dict, column: str) -> float | None:
    text = row[column].strip()
    if not text:
        return None
    value = float(text)
    return None if value < 0 else value  # negative numbers are IMLS codes, not figures


@pytest.mark.parametrize("own", ["CA0063", "NY0778", "VT0056", "TX0180"])
def test_imls_comparisons_match_an_independent_computation(imls_db, imls_source, own):
    db, _ = imls_db
    state = imls_source[own]["STABR"]
    peers = [code for code, row in imls_source.items() if row["STABR"] == state and code != own]
    results = compare(db, ANONYMOUS, CONFIG, own, peers, list(COLUMNS), FY2017)
    for result in results:
        column = COLUMNS[result.metric]
        values = np.array([v for v in (source_value(imls_source[p], column) for p in peers)
                           if v is not None])
        own_value = source_value(imls_source[own], column)
        assert result.n_group == len(peers)
        assert result.n_reporting == len(values)
        assert result.own_value == own_value
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        assert (result.q1, result.median, result.q3) == pytest.approx((q1, median, q3))
        assert (result.minimum, result.maximum) == (values.min(), values.max())
        assert result.rank == int((values > own_value).sum()) + 1
        assert result.rank_of == len(values) + 1
        expected = 100 * ((values < own_value).sum() + 0.5 * (values == own_value).sum())
        assert result.percentile == pytest.approx(expected / len(values))
        # A published national return: peers are named.
        assert all(p.named for p in result.peers)


def test_imls_per_capita_matches_an_independent_computation(imls_db, imls_source):
    db, _ = imls_db
    own = "CA0063"
    peers = [c for c, row in imls_source.items() if row["STABR"] == "CA" and c != own]
    [result] = compare(db, ANONYMOUS, CONFIG, own, peers, ["visits"], FY2017,
                       normalisation="population")
    rates = []
    lacking = 0
    for code in peers:
        visits = source_value(imls_source[code], "VISITS")
        population = source_value(imls_source[code], "POPU_LSA")
        if visits is None:
            continue
        if not population:
            lacking += 1
            continue
        rates.append(visits / (population / 1000))
    assert result.denominator == "per 1,000 people served"
    assert result.n_reporting == len(rates) and result.n_no_denominator == lacking
    assert result.median == pytest.approx(float(np.median(rates)))
    own_row = imls_source[own]
    assert result.own_value == pytest.approx(
        source_value(own_row, "VISITS") / (source_value(own_row, "POPU_LSA") / 1000))


def test_rates_are_never_divided_again(imls_db, imls_source):
    """Visits per capita, a percentage or a cost per search is already a ratio: switching the
    view to "per 1,000 served" must leave it as reported, not divide it a second time."""
    from dashboard.benchmarking.compare import normalisable
    from dashboard.catalogue import CATALOGUE

    assert normalisable(CATALOGUE["visits"]) and normalisable(CATALOGUE["exp_total"])
    for code in ("pls_visits_per_capita", "registered_pct", "cost_per_search",
                 "searches_per_1000", "impact_patient_care_pct"):
        assert not normalisable(CATALOGUE[code]), code
    db, _ = imls_db
    peers = [c for c, row in imls_source.items() if row["STABR"] == "CA" and c != "CA0063"]
    raw, per = (compare(db, ANONYMOUS, CONFIG, "CA0063", peers,
                        ["pls_visits_per_capita"], FY2017, normalisation=n)[0]
                for n in ("raw", "population"))
    assert per.denominator == "" and per.median == raw.median and per.own_value == raw.own_value
    own_row = imls_source["CA0063"]
    assert raw.own_value == pytest.approx(
        source_value(own_row, "VISITS") / source_value(own_row, "POPU_LSA"))


def test_a_shared_value_table_gives_the_same_comparisons(imls_db, imls_source):
    """The page reads one table of every service's figures per sector and year and shares
    it; comparisons from it equal those read for the group alone, statistic for statistic."""
    from dashboard.benchmarking.selection import load_candidates
    from dashboard.benchmarking.view import sector_codes, sector_table

    db, _ = imls_db
    candidates = load_candidates(db, ANONYMOUS)
    table = sector_table(db, ANONYMOUS, "public", FY2017)
    assert set(COLUMNS) <= table.metrics and "pls_population_lsa" in sector_codes("public")
    own = "NY0778"
    peers = [c for c, row in imls_source.items() if row["STABR"] == "NY" and c != own]
    for per in ("raw", "population", "staff"):
        metrics = [*COLUMNS, "pls_visits_per_capita"]
        alone = compare(db, ANONYMOUS, CONFIG, own, peers, metrics, FY2017,
                        normalisation=per)
        shared = compare(db, ANONYMOUS, CONFIG, own, peers, metrics, FY2017,
                         normalisation=per, table=table, directory=candidates.directory)
        assert [c.as_row() for c in shared] == [c.as_row() for c in alone]
        assert [(p.label, p.value) for c in shared for p in c.peers] == \
            [(p.label, p.value) for c in alone for p in c.peers]
    other_year = PeriodRange(dt.date(2015, 7, 1), dt.date(2016, 6, 1))  # not the table's year
    [c] = compare(db, ANONYMOUS, CONFIG, own, peers, ["visits"], other_year, table=table)
    assert c.n_reporting == 0 and c.withheld
