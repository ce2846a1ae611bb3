"""Financial-year logic: start months per sector, buckets and labels."""

import datetime as dt

import pytest

from dashboard.periods import (PeriodRange, add_months, bucket_start, financial_year_range,
                               fy_label, fy_year, parse_month, period_label)
from dashboard.settings import load_config

D = dt.date


@pytest.mark.parametrize("day,start,expected", [
    (D(2024, 3, 31), 4, 2023), (D(2024, 4, 1), 4, 2024), (D(2024, 7, 31), 8, 2023),
    (D(2024, 8, 1), 8, 2024), (D(2017, 6, 30), 7, 2016), (D(2024, 1, 1), 1, 2024),
])
def test_fy_year(day, start, expected):
    assert fy_year(day, start) == expected


def test_labels():
    assert fy_label(2023, 4) == "2023/24"
    assert fy_label(1999, 4) == "1999/00"
    assert fy_label(2023, 1) == "2023"
    assert period_label(D(2023, 4, 1), "month", 4) == "Apr 2023"
    assert period_label(D(2023, 10, 1), "quarter", 4) == "2023/24 Q3"
    assert period_label(D(2024, 1, 1), "quarter", 4) == "2023/24 Q4"
    assert period_label(D(2023, 8, 1), "year", 8) == "2023/24"


def test_buckets():
    assert bucket_start(D(2024, 2, 15), "quarter", 4) == D(2024, 1, 1)
    assert bucket_start(D(2024, 2, 15), "year", 4) == D(2023, 4, 1)
    assert bucket_start(D(2024, 9, 3), "quarter", 8) == D(2024, 8, 1)
    assert bucket_start(D(2024, 9, 3), "month", 8) == D(2024, 9, 1)


def test_ranges():
    fy = financial_year_range(2023, 4)
    assert (fy.start, fy.end, fy.months) == (D(2023, 4, 1), D(2024, 3, 1), 12)
    assert fy.end_exclusive == D(2024, 4, 1)
    assert fy.label(4) == "2023/24"
    assert fy.shifted(-12).label(4) == "2022/23"
    assert PeriodRange(D(2023, 4, 1), D(2025, 3, 1)).label(4) == "2023/24 to 2024/25"
    assert PeriodRange(D(2023, 5, 1), D(2023, 7, 1)).label(4) == "May 2023 to Jul 2023"
    with pytest.raises(ValueError):
        PeriodRange(D(2023, 5, 1), D(2023, 4, 1))
    assert add_months(D(2023, 11, 1), 3) == D(2024, 2, 1)
    assert add_months(D(2023, 1, 1), -1) == D(2022, 12, 1)


@pytest.mark.parametrize("text", ["2024-13", "abcd-01", "", "2024", "2024-04-01-01", "99-04"])
def test_parse_month_rejects(text):
    with pytest.raises(ValueError):
        parse_month(text)


def test_parse_month():
    assert parse_month("2024-04") == D(2024, 4, 1)
    assert parse_month("2024-04-17") == D(2024, 4, 1)


def test_sector_financial_years_are_settings():
    config = load_config(environ={})
    assert config.fy_start_month("nhs") == 4
    assert config.fy_start_month("academic") == 8
    assert config.fy_start_month("public") == 7
    assert config.fy_start_month("other") == 4
    assert load_config(environ={"FY_START_NHS": "1"}).fy_start_month("nhs") == 1
    with pytest.raises(ValueError, match="FY_START_NHS"):
        load_config(environ={"FY_START_NHS": "13"})


def test_a_service_with_its_own_financial_year_overrides_its_sector():
    from types import SimpleNamespace

    config = load_config(environ={})
    english_library = SimpleNamespace(sector="public", attributes={"fy_start_month": 4})
    us_library = SimpleNamespace(sector="public", attributes={"state": "CA"})
    assert config.fy_start_for(english_library) == 4
    assert config.fy_start_for(us_library) == 7
    for bad in (0, 13, "4", True, None):  # a stored attribute is data, not trusted
        odd = SimpleNamespace(sector="public", attributes={"fy_start_month": bad})
        assert config.fy_start_for(odd) == 7
