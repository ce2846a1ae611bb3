"""URL state parsing (untrusted input), KPI comparisons and number formatting."""

import datetime as dt

import pytest

from dashboard.catalogue import CATALOGUE
from dashboard.compute import Kpi
from dashboard.formatting import format_change, format_value
from dashboard.state import DASHBOARD_CATEGORIES, ViewState, parse_state, resolve_period

D = dt.date


def test_round_trip():
    state = ViewState("DEMO001", D(2023, 4, 1), D(2024, 3, 1), "quarter", ("finance",))
    query = state.to_query()
    assert query == "?service=DEMO001&from=2023-04&to=2024-03&granularity=quarter&categories=finance"
    from urllib.parse import parse_qs
    assert parse_state(parse_qs(query[1:])) == state


@pytest.mark.parametrize("query,problem", [
    ({"service": "<script>alert(1)</script>"}, "service code"),
    ({"from": "2024-13"}, "'from'"),
    ({"to": "yesterday"}, "'to'"),
    ({"granularity": "decade"}, "granularity"),
    ({"categories": "staffing,secrets"}, "categories"),
])
def test_bad_query_values_are_reported_not_raised(query, problem):
    state = parse_state(query)
    assert any(problem in p for p in state.problems)


def test_bad_values_fall_back():
    state = parse_state({"service": "x" * 500, "granularity": "decade", "from": "2024-04",
                         "to": "2023-04"})
    assert state.service is None and state.granularity == "month"
    assert (state.start, state.end) == (D(2023, 4, 1), D(2024, 4, 1))  # swapped, said so
    assert parse_state({"categories": "none"}).categories == ()
    assert parse_state({}).categories == DASHBOARD_CATEGORIES


def test_default_period_is_latest_complete_financial_year():
    state = resolve_period(ViewState(), (D(2020, 4, 1), D(2025, 3, 1)), 4)
    assert (state.start, state.end) == (D(2024, 4, 1), D(2025, 3, 1))
    state = resolve_period(ViewState(), (D(2020, 4, 1), D(2025, 1, 1)), 4)
    assert (state.start, state.end) == (D(2023, 4, 1), D(2024, 3, 1))


def kpi(value, previous, better=True):
    return Kpi("x", "X", value, previous, 1.0, better)


def test_kpi_direction_and_assessment():
    assert (kpi(110, 100).direction, kpi(110, 100).assessment) == ("up", "good")
    assert (kpi(90, 100).direction, kpi(90, 100).assessment) == ("down", "bad")
    assert kpi(90, 100, better=False).assessment == "good"
    assert kpi(100.2, 100).direction == "flat"
    assert kpi(110, 100, better=None).assessment == "neutral"
    assert kpi(110, None).direction is None and kpi(110, None).change_pct is None
    assert kpi(5, 0).change_pct is None and kpi(5, 0).direction == "up"
    assert kpi(110, 100).change_pct == pytest.approx(10.0)


def test_formatting():
    assert format_value(1234567, CATALOGUE["searches"]) == "1,234,567"
    assert format_value(12345.4, CATALOGUE["exp_total"]) == "£12,345"
    assert format_value(30.769, CATALOGUE["cost_per_search"]) == "£30.77"
    assert format_value(1730.4, CATALOGUE["qualified_ratio"]) == "1:1,730"
    assert format_value(45.26, CATALOGUE["registered_pct"]) == "45.3%"
    assert format_value(5.44, CATALOGUE["staff_total_wte"]) == "5.4 WTE"
    assert format_value(None, CATALOGUE["searches"]) == "No data"
    assert format_value(99.5, CATALOGUE["pls_exp_total_operating"]) == "$99.50"
    assert format_change(12.04) == "+12.0%"
    assert format_change(-3.46) == "-3.5%"
    assert format_change(0.01) == "no change"


def test_total_is_not_compared_with_an_incomplete_earlier_period():
    partial = Kpi("x", "X", 120, 60, 1.0, True, previous_coverage=0.5, is_total=True)
    assert partial.previous_incomplete and partial.change is None and partial.direction is None
    # A stock (latest value) is comparable whatever the coverage.
    stock = Kpi("x", "X", 120, 60, 1.0, True, previous_coverage=0.5, is_total=False)
    assert not stock.previous_incomplete and stock.change == 60
    # Equally incomplete periods compare like with like.
    same = Kpi("x", "X", 110, 100, 11 / 12, True, previous_coverage=11 / 12, is_total=True)
    assert same.direction == "up"


def test_change_text():
    from dashboard.formatting import change_text

    pct = CATALOGUE["registered_pct"]
    assert change_text(Kpi("registered_pct", "R", 44.7, 43.6, 1.0, True), pct) == "+1.1 pts"
    wte = CATALOGUE["staff_vacancies_wte"]
    assert change_text(Kpi("v", "V", 0.0, 0.0, 1.0, False), wte) == "no change"
    assert change_text(Kpi("v", "V", 1.5, 0.0, 1.0, False), wte) == "+1.5 WTE"
    assert change_text(Kpi("s", "S", 110, 100, 1.0, True), CATALOGUE["searches"]) == "+10.0%"
    assert change_text(Kpi("s", "S", 110, None, 1.0, True), CATALOGUE["searches"]) == ""
