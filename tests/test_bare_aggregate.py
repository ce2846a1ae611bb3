"""The bare SQL of a page yields the very numbers the page shows (SQLite, PostgreSQL).

`make bench` compares each page's callback with the page's own aggregate statement run alone
(dashboard.db.aggregates.aggregate_rows, the "bare SQL"). That statement must compute
everything the page shows: range totals of the period and its comparison period by each
metric's rule, and the bucketed sparkline and trend series with their coverage. Here every
number of a view (KPI values, comparisons, coverage, sparklines, panel frames) is rebuilt from
the statement's rows independently of the page's own Python (the finest period type kept per
bucket, coverage, derived measures by their catalogue formula), and compared.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from bench.pages import page_reads_of
from dashboard import demo
from dashboard.catalogue import CATALOGUE
from dashboard.db.access import ANONYMOUS
from dashboard.db.aggregates import Read, aggregate_rows
from dashboard.db.models import ImportBatch, Metric, Observation, Service
from dashboard.db.services import service_summary
from dashboard.periods import PeriodRange, bucket_from_number, starts_bucket
from dashboard.settings import load_config
from dashboard.state import parse_state
from dashboard.views import build_view, page_reads
from tests.conftest import load_tiny, month, months_between

CONFIG = load_config()
MONTHS = {"month": 1, "quarter": 3, "year": 12}  # months in a period of each type


def load_mixed(db) -> None:
    """Add MIX1: figures stored by month and by quarter side by side, team figures and
    missing values (with a reason), which the pages must leave out or combine by their rules.

    - searches by month Apr-Dec 2022 (10 each, Nov missing with a reason, and a team's 5
      beside each) and by quarter for Oct-Dec 2022 (99) and Jan-Mar 2023 (40): the month
      figures win where both exist;
    - staff_total_wte by quarter only, Apr 2021 to Jan 2023 (1.0, 2.0, ... by quarter);
    - potential_users by month, with a team's figure and a missing month beside them.
    """
    with db.session() as session:
        source_id = session.execute(text("SELECT id FROM data_source WHERE code = 'tiny'")).scalar()
        service = Service(code="MIX1", name="Mixed Library", sector="nhs", source_id=source_id,
                          population=2000, population_unit="WTE staff", attributes={})
        batch = ImportBatch(created_by="tests", kind="test", rows_read=0)
        session.add_all([service, batch])
        session.flush()
        ids = {m.code: m.id for m in session.query(Metric)}

        def add(code, when, value, ptype="month", team="", reason=None):
            session.add(Observation(service_id=service.id, metric_id=ids[code],
                                    period_type=ptype, period_start=when, team=team,
                                    value=value, missing_reason=reason, batch_id=batch.id))

        for when in months_between(month(2022, 4), month(2022, 12)):
            if when == month(2022, 11):
                add("searches", when, None, reason="not collected")
            else:
                add("searches", when, 10.0)
            add("searches", when, 5.0, team="Outreach")
        add("searches", month(2022, 10), 99.0, "quarter")
        add("searches", month(2023, 1), 40.0, "quarter")
        for i, when in enumerate(months_between(month(2021, 4), month(2023, 1))):
            if when.month in (1, 4, 7, 10):
                add("staff_total_wte", when, float(i // 3 + 1), "quarter")
        for when in months_between(month(2021, 4), month(2023, 3)):
            if when == month(2022, 8):
                add("potential_users", when, None, reason="not collected")
            else:
                add("potential_users", when, 2000.0 + when.month)
            add("potential_users", when, 5.0, team="Outreach")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def bench_db(request, tmp_path_factory):
    from tests.conftest import _backend_database

    db, cleanup = _backend_database(request.param, tmp_path_factory)
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=20)
    load_tiny(db)
    load_mixed(db)
    yield db
    cleanup()


def _derive(code, cells):
    """Apply a derived measure's catalogue formula to stored (value, coverage) cells."""
    metric = CATALOGUE[code]
    parts = [*metric.numerator, *metric.denominator]
    if any(part not in cells for part in parts):
        return None
    top = sum(cells[part][0] for part in metric.numerator)
    coverage = min(cells[part][1] for part in parts)
    if metric.denominator:
        bottom = sum(cells[part][0] for part in metric.denominator)
        if not bottom:
            return None
        return top / bottom * metric.scale, coverage
    return top * metric.scale, coverage


def _values(code, cells):
    """Return (value, coverage) of a stored or derived measure from stored cells, or None."""
    if CATALOGUE[code].derived:
        return _derive(code, cells)
    return cells.get(code)


def bare(db, service: str, reads: list[Read], fy_start: int) -> list[dict]:
    """Run a page's bare SQL and regroup its rows, per read, as {code: {bucket start (None for
    a range): (value, periods, period type)}}, keeping the finest period type per bucket."""
    summary = service_summary(db, ANONYMOUS, service)
    found: list[dict] = [{} for _ in reads]
    for part, code, period_type, number, value, periods in aggregate_rows(
            db, ANONYMOUS, summary, reads, fy_start):
        grain = reads[part].granularity
        bucket = None if grain == "range" else bucket_from_number(int(number), grain, fy_start)
        kept = found[part].setdefault(code, {}).get(bucket)
        if kept is None or MONTHS[period_type] < MONTHS[kept[2]]:
            found[part][code][bucket] = (float(value), periods, period_type)
    return found


def _cells(rows: dict, read, first: dt.date | None = None) -> dict:
    """Regroup one read of the bare SQL, {code: {bucket: (value, periods, period type)}}, as
    {bucket: {code: (value, coverage)}}, from bucket `first` on. Coverage is the share of the
    range's or bucket's periods of that type reported (a month bucket is one stored month),
    at most 1."""
    span = read.months.months if read.granularity == "range" else MONTHS[read.granularity]
    buckets: dict = {}
    for code, found in rows.items():
        for bucket, (value, periods, period_type) in found.items():
            if first is None or bucket >= first:
                expected = max(1, span // MONTHS[period_type])
                buckets.setdefault(bucket, {})[code] = (
                    float(value), min(1.0, periods / expected))
    return buckets


def _expected_series(codes, buckets: dict) -> dict:
    found = {}
    for bucket, cells in buckets.items():
        for code in codes:
            value = _values(code, cells)
            if value is not None:
                found[(code, bucket)] = value
    return found


def _frame_series(frame) -> dict:
    return {(m, b): (v, c) for m, b, v, c in
            zip(frame["metric"], frame["bucket"], frame["value"], frame["coverage"])}


def _same(shown: tuple, expected: tuple | None) -> bool:
    """Compare a shown (value, coverage) with the expected one; None means no figure."""
    if expected is None:
        return shown == (None, None)
    return shown == pytest.approx(expected, rel=1e-12)


def _approx(found: dict) -> dict:
    return {key: pytest.approx(value, rel=1e-12) for key, value in found.items()}


STATES = [
    ("overview", "DEMO009", "2021-04", "2022-03", "month"),
    ("overview", "DEMO015", "2022-04", "2023-03", "quarter"),
    ("finance", "DEMO015", "2022-04", "2023-03", "year"),
    ("activity", "DEMO018", "2021-07", "2021-09", "quarter"),  # a single quarter
    ("activity", "DEMO018", "2021-07", "2021-09", "month"),
    ("impact", "DEMO009", "2022-04", "2023-03", "month"),  # impact trends by quarter at least
    ("overview", "DEMO018", "2021-05", "2022-02", "quarter"),  # buckets cut by the range
    ("staffing", "DEMO001", "2020-04", "2025-03", "year"),  # five years against none before
    # Whole financial years of hand-worked data: the first and last months both count.
    ("overview", "TINY1", "2022-04", "2023-03", "month"),
    ("staffing", "TINY1", "2023-04", "2024-03", "quarter"),
    ("overview", "MIX1", "2022-04", "2023-03", "quarter"),
    ("staffing", "MIX1", "2022-01", "2022-12", "year"),
    ("overview", "MIX1", "2022-07", "2022-12", "month"),
    ("activity", "MIX1", "2022-04", "2023-03", "quarter"),
    ("activity", "MIX1", "2022-10", "2023-03", "year"),
    ("overview", "MIX1", "2022-05", "2023-02", "quarter"),  # quarters cut by the range
    ("overview", "PUB1", "2022-07", "2023-06", "year"),  # a yearly national return
    ("overview", "PUB1", "2022-07", "2023-03", "quarter"),  # part of a year: no figures
]


def _stored(codes) -> set[str]:
    return set(CATALOGUE.stored_codes_for(list(codes)))


@pytest.mark.parametrize("page, service, start, end, granularity", STATES)
def test_bare_aggregate_yields_the_page_numbers(bench_db, page, service, start, end,
                                                granularity):
    state = parse_state({"service": service, "from": start, "to": end,
                         "granularity": granularity})
    view = build_view(bench_db, ANONYMOUS, CONFIG, page, state)
    assert view.empty_message is None and view.kpis
    period, fy_start = view.state.period, view.fy_start_month
    kpis = [item.kpi.code for item in view.kpis]
    panels = [(data.panel, data.granularity) for data in view.panels]
    reads = page_reads(kpis, panels, period, view.state.granularity, fy_start)
    rows = bare(bench_db, service, reads, fy_start)

    # The bare SQL reads what the page shows, and no more: the parts of the KPIs and
    # breakdowns for the period, of the KPIs for the comparison period and the sparklines,
    # and of the trends for the trends' buckets.
    totals = [m for d in view.panels if d.panel.kind in ("breakdown", "shares")
              for m in d.panel.metrics]
    assert [r.granularity for r in reads[:3]] == ["range", "range", view.state.granularity]
    assert (reads[0].months, reads[1].months) == (period, view.comparison_period)
    assert set(reads[0].metrics) == _stored(kpis + totals)
    assert set(reads[1].metrics) == set(reads[2].metrics) == _stored(kpis)
    aligned = starts_bucket(period, view.state.granularity, fy_start)
    for read in reads[3:]:
        trends = _stored(m for d in view.panels if d.granularity == read.granularity
                         and d.panel.kind not in ("breakdown", "shares")
                         for m in d.panel.metrics)
        in_history = set(reads[2].metrics) \
            if aligned and read.granularity == reads[2].granularity else set()
        assert read.months == period
        assert set(read.metrics) | (trends & in_history) == trends
        assert not set(read.metrics) & in_history

    now = _cells(rows[0], reads[0]).get(None, {})
    then = _cells(rows[1], reads[1]).get(None, {})
    # KPI tiles: the period's figure and coverage, and the comparison period's.
    for item in view.kpis:
        kpi = item.kpi
        assert _same((kpi.value, kpi.coverage), _values(kpi.code, now)), kpi.code
        assert _same((kpi.previous, kpi.previous_coverage), _values(kpi.code, then)), kpi.code

    # Sparklines: the history series, bucket by bucket.
    history = _cells(rows[2], reads[2])
    for item in view.kpis:
        expected = _expected_series([item.kpi.code], history)
        assert _frame_series(item.spark) == _approx(expected), item.kpi.code

    # Panels: breakdowns show the period's totals, trends the period's buckets.
    for data in view.panels:
        codes = data.panel.metrics
        if data.panel.kind in ("breakdown", "shares"):
            expected = {code: _values(code, now) for code in codes}
            got = {m: (v, c) for m, v, c in
                   zip(data.frame["metric"], data.frame["value"], data.frame["coverage"])}
            assert got == _approx({k: v for k, v in expected.items() if v is not None})
            continue
        buckets: dict = {}
        if aligned and data.granularity == reads[2].granularity:
            buckets = _cells(rows[2], reads[2], first=period.start)
        for i, read in enumerate(reads[3:], start=3):
            if read.granularity == data.granularity:
                for bucket, cells in _cells(rows[i], read).items():
                    buckets.setdefault(bucket, {}).update(cells)
        assert _frame_series(data.frame) == _approx(_expected_series(codes, buckets)), \
            data.panel.key


def test_bare_aggregate_covers_every_month_of_a_financial_year(bench_db):
    """April and March both count, on both databases (dates compared as dates)."""
    fy22 = PeriodRange(month(2022, 4), month(2023, 3))
    reads = [Read("range", fy22, ("searches",)), Read("range", fy22.shifted(-12), ("searches",)),
             Read("year", fy22, ("searches",)), Read("quarter", fy22, ("searches",))]
    rows = bare(bench_db, "TINY1", reads, 4)
    assert rows[0] == {"searches": {None: (78.0, 12, "month")}}  # 4 + 5 + ... + 12 + 1 + 2 + 3
    assert rows[1] == {}
    assert rows[2] == {"searches": {month(2022, 4): (78.0, 12, "month")}}
    assert rows[3]["searches"][month(2023, 1)] == (6.0, 3, "month")


def test_bench_times_the_bare_aggregate_of_what_the_page_reads(bench_db):
    """The reads the benchmark times bare are those of the page's own view."""
    for page in ("overview", "staffing", "activity", "impact"):
        for granularity, start, end in (("month", "2022-04", "2023-03"),
                                        ("quarter", "2022-07", "2022-09"),
                                        ("year", "2021-04", "2022-03")):
            view = build_view(bench_db, ANONYMOUS, CONFIG, page, parse_state(
                {"service": "DEMO001", "from": start, "to": end, "granularity": granularity}))
            period = view.state.period
            timed = page_reads_of(page, period, granularity, view.fy_start_month)
            assert timed == page_reads(
                [item.kpi.code for item in view.kpis],
                [(data.panel, data.granularity) for data in view.panels],
                period, granularity, view.fy_start_month)


def test_bare_aggregate_takes_the_mean_of_rates(empty_db):
    """No stored NHS measure is a rate; made one, the bare aggregate averages it as the page
    does (a database of its own: the change must not leak into other tests)."""
    from dashboard.db.models import Metric

    load_tiny(empty_db)
    with empty_db.session() as session:
        session.query(Metric).filter_by(code="impact_responses").update({"aggregation": "mean"})
        session.query(Metric).filter_by(code="impact_patient_care").update(
            {"aggregation": "mean"})
    state = parse_state({"service": "TINY1", "from": "2022-04", "to": "2023-03",
                         "granularity": "quarter"})
    view = build_view(empty_db, ANONYMOUS, CONFIG, "impact", state)
    reads = page_reads([k.kpi.code for k in view.kpis],
                       [(d.panel, d.granularity) for d in view.panels], view.state.period,
                       "quarter", view.fy_start_month)
    rows = bare(empty_db, "TINY1", reads, view.fy_start_month)
    now = _cells(rows[0], reads[0])[None]
    assert now["impact_responses"] == (10.0, 1.0)  # the mean of twelve 10s, not their sum
    assert now["impact_patient_care"] == (7.0, 1.0)  # the mean of six 8s and six 6s
    shown = {k.kpi.code: k.kpi.value for k in view.kpis}
    assert shown["impact_responses"] == 10.0
    assert shown["impact_patient_care_pct"] == pytest.approx(70.0)  # 7 of 10
