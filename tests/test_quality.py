"""Data-quality checks on a service's stored figures (gaps, outliers, flags, batches)."""

from __future__ import annotations

import datetime as dt

from conftest import month
from dashboard.db.access import ANONYMOUS
from dashboard.db.models import Metric, Observation, Service
from dashboard.quality import GAP, REPORTED, month_ranges, service_report
from dashboard.settings import load_config


def test_month_ranges_are_compact():
    months = [month(2023, 6), month(2023, 8), month(2023, 9), month(2023, 10), month(2023, 12),
              month(2024, 1)]
    assert month_ranges(months) == "Jun 2023, Aug–Oct 2023, Dec 2023–Jan 2024"
    assert month_ranges([]) == ""


def test_gaps_are_the_months_without_figures(tiny_db):
    report = service_report(tiny_db, ANONYMOUS, load_config(), "TINY1")
    assert report.months[0] == month(2022, 4) and report.months[-1] == month(2024, 3)
    assert len(report.months) == 24
    gaps = {g["metric"]: g for g in report.gaps}
    # searches is missing in June 2023 only; every other measure is complete.
    assert list(gaps) == ["searches"]
    assert gaps["searches"]["months"] == 1
    assert gaps["searches"]["which"] == "Jun 2023"
    cells = dict(zip(report.months, report.status["searches"]))
    assert cells[month(2023, 6)] == GAP
    assert cells[month(2023, 7)] == REPORTED


def test_outliers_and_flags(tiny_db):
    with tiny_db.session() as session:
        service = session.query(Service).filter_by(code="TINY1").one()
        metric = session.query(Metric).filter_by(code="searches").one()
        row = session.query(Observation).filter_by(
            service_id=service.id, metric_id=metric.id, period_start=month(2023, 7)).one()
        row.value = 500.0  # the others are 1..12
        visits = session.query(Metric).filter_by(code="visits").one()
        session.add(Observation(service_id=service.id, metric_id=visits.id, period_type="month",
                                period_start=month(2023, 1), team="", value=None,
                                missing_reason="suppressed", batch_id=row.batch_id))
        session.add(Observation(service_id=service.id, metric_id=visits.id, period_type="month",
                                period_start=month(2023, 2), team="", value=40.0, imputed=True,
                                batch_id=row.batch_id))
        session.commit()
    report = service_report(tiny_db, ANONYMOUS, load_config(), "TINY1")
    assert [(o["metric"], o["period"], o["value"]) for o in report.outliers] == [
        ("searches", "Jul 2023", 500.0)]
    assert report.outliers[0]["mads"] > 3
    flags = {(f["metric"], f["period_start"]): f["flag"] for f in report.flagged}
    assert flags == {("visits", month(2023, 1)): "missing: suppressed",
                     ("visits", month(2023, 2)): "imputed by the publisher"}
    assert report.batches and report.batches[0]["kind"] == "test"


def test_yearly_figures_cover_their_months_and_unknown_services_are_empty(tiny_db):
    report = service_report(tiny_db, ANONYMOUS, load_config(), "PUB1")
    assert len(report.months) == 12 and report.months[0] == dt.date(2022, 7, 1)
    assert report.gaps == []
    assert all(cell == REPORTED for cell in report.status["visits"])
    assert service_report(tiny_db, ANONYMOUS, load_config(), "NOPE").empty
    assert service_report(tiny_db, ANONYMOUS, load_config(), "TINY2").empty
