"""The pages' aggregation rule (dashboard.db.aggregates) and derived measures, with
hand-worked figures, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from dashboard.catalogue import CATALOGUE
from dashboard.compute import derived_values
from dashboard.db.access import ANONYMOUS as V
from dashboard.db.aggregates import Read, aggregate, aggregate_reads, data_version
from dashboard.db.services import (data_extent, first_service_code, get_service, list_services,
                                   reported_metrics, service_summary)
from dashboard.periods import PeriodRange, financial_year_range
from tests.conftest import month

FY22 = financial_year_range(2022, 4)  # Apr 2022 - Mar 2023
FY23 = financial_year_range(2023, 4)


def values(db, codes, period, granularity="range", service="TINY1", start_month=4):
    """Return the stored cells and the stored-and-derived values, as the pages get them."""
    stored = aggregate(db, V, service, CATALOGUE.stored_codes_for(codes), period, granularity,
                       start_month)
    return stored, derived_values(stored, codes)


def total(cells, code):
    """The one (value, coverage) of a range total."""
    [cell] = cells[code].values()
    return cell


def as_dict(found):
    return {(code, bucket): value for code, cells in found.items()
            for bucket, (value, _) in cells.items()}


def test_financial_year_sum_includes_first_and_last_month(tiny_db):
    stored, _ = values(tiny_db, ["searches"], FY22)
    # 1 + 2 + ... + 12: April 2022 and March 2023 both counted, all twelve months reported
    assert total(stored, "searches") == (78.0, 1.0)


def test_missing_month_is_missing_not_zero(tiny_db):
    stored, found = values(tiny_db, ["searches"], FY23)
    value, coverage = total(stored, "searches")
    assert value == 72.0  # June (6) not stored
    assert coverage == pytest.approx(11 / 12)
    assert total(found, "searches")[1] == pytest.approx(11 / 12)


def test_stock_takes_latest_value(tiny_db):
    _, found = values(tiny_db, ["staff_qualified_wte"], FY22)
    assert total(found, "staff_qualified_wte")[0] == 3.0  # March 2023, not the sum or the mean


def test_rate_takes_mean(tiny_db):
    from dashboard.db.models import Metric

    with tiny_db.session() as session:  # the NHS catalogue has no stored rate: make one
        session.query(Metric).filter_by(code="impact_responses").update({"aggregation": "mean"})
    stored = aggregate(tiny_db, V, "TINY1", ["impact_responses", "impact_patient_care"],
                       FY22, "range", 4)
    assert {code: total(stored, code)[0] for code in stored} == {
        "impact_responses": 10.0, "impact_patient_care": 84.0}


def test_impact_share_is_weighted_by_responses(tiny_db):
    _, found = values(tiny_db, ["impact_patient_care_pct"], FY22)
    assert total(found, "impact_patient_care_pct")[0] == pytest.approx(70.0)  # 84 of 120


def test_quarters_follow_the_financial_year(tiny_db):
    _, found = values(tiny_db, ["searches", "staff_qualified_wte"], FY22, "quarter")
    got = as_dict(found)
    assert got[("searches", month(2022, 4))] == 15.0  # Apr + May + Jun
    assert got[("searches", month(2023, 1))] == 6.0  # Jan + Feb + Mar
    assert got[("staff_qualified_wte", month(2022, 4))] == 2.0
    assert got[("staff_qualified_wte", month(2023, 1))] == 3.0
    assert len([k for k in got if k[0] == "searches"]) == 4


def test_financial_year_buckets(tiny_db):
    period = PeriodRange(month(2022, 4), month(2024, 3))
    _, found = values(tiny_db, ["searches"], period, "year")
    assert as_dict(found) == {("searches", month(2022, 4)): 78.0,
                              ("searches", month(2023, 4)): 72.0}
    assert found["searches"][month(2023, 4)][1] == pytest.approx(11 / 12)


def test_monthly_series(tiny_db):
    _, found = values(tiny_db, ["searches"], PeriodRange(month(2023, 5), month(2023, 7)),
                      "month")
    assert as_dict(found) == {("searches", month(2023, 5)): 5.0,
                              ("searches", month(2023, 7)): 7.0}


def test_derived_metrics(tiny_db):
    codes = ["qualified_ratio", "exp_total", "cost_per_search"]
    _, found = values(tiny_db, codes, FY22)
    got = {code: total(found, code)[0] for code in codes}
    assert got["qualified_ratio"] == 1000.0  # 3,000 WTE served / 3 qualified WTE
    assert got["exp_total"] == 2400.0
    assert got["cost_per_search"] == pytest.approx(2400 / 78)


def test_derived_needs_every_component(tiny_db):
    # Searches exist, but not the enquiries components: no partial total is made up.
    _, found = values(tiny_db, ["enquiries_total"], FY22)
    assert found == {"enquiries_total": {}}


def test_yearly_observations_only_in_whole_years(tiny_db):
    fy = financial_year_range(2022, 7)
    _, found = values(tiny_db, ["visits", "pls_visits_per_capita"], fy, "year", "PUB1", 7)
    got = {code: total(found, code)[0] for code in found}
    assert got == {"visits": 1000.0, "pls_visits_per_capita": pytest.approx(0.02)}
    _, monthly = values(tiny_db, ["visits"], fy, "month", "PUB1", 7)
    assert monthly == {"visits": {}}  # a year's figure cannot be shown month by month
    _, half = values(tiny_db, ["visits"], PeriodRange(month(2022, 7), month(2022, 12)),
                     "range", "PUB1", 7)
    assert half == {"visits": {}}  # nor counted in half a year


def test_several_reads_in_one_statement_equal_each_read_alone(tiny_db):
    """The page reads every aggregate at once; each read gives what it gives on its own."""
    reads = [Read("range", FY22, ("searches", "staff_qualified_wte")),
             Read("range", FY23, ("searches",)),
             Read("quarter", FY22, ("searches",)),
             Read("month", PeriodRange(month(2023, 5), month(2023, 7)), ("searches",))]
    with tiny_db.engine.connect() as conn:
        summary = service_summary(tiny_db, V, "TINY1", conn=conn)
        together = aggregate_reads(tiny_db, V, summary, reads, 4, conn=conn)
    for read, found in zip(reads, together):
        assert found == aggregate(tiny_db, V, "TINY1", read.metrics, read.months,
                                  read.granularity, 4)
    assert together[0]["searches"] == {None: (78.0, 1.0)}


def test_service_without_data(tiny_db):
    assert data_extent(tiny_db, V, "TINY2") is None
    stored, found = values(tiny_db, ["searches"], FY22, service="TINY2")
    assert stored == {} and found == {"searches": {}}
    assert aggregate(tiny_db, V, "NOPE", ["searches"], FY22, "range", 4) == {}


def test_extent_and_services(tiny_db):
    assert data_extent(tiny_db, V, "TINY1") == (month(2022, 4), month(2024, 3))
    assert data_extent(tiny_db, V, "PUB1") == (month(2022, 7), month(2023, 6))
    names = [s.name for s in list_services(tiny_db, V)]
    assert names == ["Alpha Library", "Beta Library", "Gamma Public Library"]
    info = get_service(tiny_db, V, "TINY1")
    assert info.synthetic and info.sector == "nhs" and info.population == 3000
    assert get_service(tiny_db, V, "NOPE") is None
    assert first_service_code(tiny_db, V) == "TINY1"


def test_data_version_changes_with_batches(tiny_db):
    from dashboard.db.models import ImportBatch

    before = data_version(tiny_db, V)
    with tiny_db.session() as session:
        session.add(ImportBatch(created_by="tests", kind="test", rows_added=5))
    assert data_version(tiny_db, V) != before


def test_pages_show_what_a_service_reports(tiny_db):
    from dashboard.settings import load_config
    from dashboard.state import parse_state
    from dashboard.views import build_view

    assert reported_metrics(tiny_db, V, "PUB1") == {
        "visits": {"year"}, "pls_population_lsa": {"year"}}
    state = parse_state({"service": "PUB1", "from": "2022-07", "to": "2023-06"})
    view = build_view(tiny_db, V, load_config(), "overview", state)
    # Only measures PUB1 has ever reported get a tile: visits and visits per capita.
    assert [k.kpi.code for k in view.kpis] == ["visits", "pls_visits_per_capita"]
    assert view.kpis[0].kpi.value == 1000.0
    trend = next(p for p in view.panels if p.panel.key == "visits-trend")
    assert trend.panel.metrics == ("visits",)
    assert trend.granularity == "year"  # yearly figures cannot be drawn by month
    nhs = build_view(tiny_db, V, load_config(), "staffing",
                     parse_state({"service": "TINY1"}))
    assert "staff_vacancies_wte" not in [k.kpi.code for k in nhs.kpis]  # never reported
    assert "vacancies-trend" not in [p.panel.key for p in nhs.panels]
    assert "staff_qualified_wte" in [k.kpi.code for k in nhs.kpis]
