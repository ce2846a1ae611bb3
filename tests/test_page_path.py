"""The page callback's fast paths give what the plain code gives: one formatter per unit,
the shared chart template left untouched, cached period-picker options and the index the
service summary reads."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given, strategies as st

from dashboard.figures import panels, presentation, theme
from dashboard.catalogue import CATALOGUE
from dashboard.db.access import ANONYMOUS
from dashboard.db.services import (_summary_statement, data_extent, first_service_code, get_service,
                                   list_services, reported_metrics, service_summary)
from dashboard.formatting import format_value, format_values, value_formatter
from dashboard.state import month_options, parse_state
from dashboard.templates import PAGE_ORDER
from dashboard.views import build_view
from layouts.components import month_dropdown_options, page_body

# One metric of each way of formatting: 1:N, currency, percent, WTE, hours, counts.
KINDS = {}
for metric in CATALOGUE.all():
    code = metric.code
    key = (getattr(metric, "display", ""), metric.unit, getattr(metric, "currency", None))
    KINDS.setdefault(key, code)

# Around a thousand, where the thousands separator starts (and rounding can reach it).
EDGES = [999.0, 998.99, 999.4, 999.5, 999.94, 999.95, 999.96, 999.994, 999.995, 999.996,
         1000.0, 99.994, 99.995, 99.996, 100.0]
values = st.one_of(st.none(), st.just(math.nan), st.sampled_from(EDGES + [-e for e in EDGES]),
                   st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
                   st.integers(min_value=-10**9, max_value=10**9).map(float))


def _plain_number(value: float) -> str:
    """format_number as it was written before it skipped the separator: the reference."""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        decimals = 0
    elif magnitude >= 10:
        decimals = 1
    else:
        decimals = 2 if magnitude < 1 else 1
    return f"{value:,.{decimals}f}"


def _plain_format(value, metric) -> str:
    """format_value as it was written before the per-unit formatters: the reference."""
    from dashboard.formatting import currency_symbol

    format_number = _plain_number

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "No data"
    if getattr(metric, "display", "") == "one_in_n":
        return f"1:{value:,.0f}"
    if metric.unit == "currency":
        decimals = 2 if abs(value) < 100 else 0
        sign = "-" if value < 0 else ""
        return f"{sign}{currency_symbol(metric)}{abs(value):,.{decimals}f}"
    if metric.unit == "percent":
        return f"{value:,.1f}%"
    if metric.unit == "wte":
        return f"{value:,.1f} WTE"
    if metric.unit == "hours":
        return f"{format_number(value)} hours"
    return format_number(value)


def test_every_kind_of_unit_is_covered():
    units = {unit for _, unit, _ in KINDS}
    assert {"currency", "percent", "wte", "hours", "count"} <= units
    assert any(display == "one_in_n" for display, _, _ in KINDS)


@given(st.lists(values, max_size=12))
def test_formatters_agree_with_the_plain_rule(run):
    for code in KINDS.values():
        metric = CATALOGUE[code]
        expected = [_plain_format(v, metric) for v in run]
        assert [format_value(v, metric) for v in run] == expected
        assert [value_formatter(metric)(v) for v in run] == expected
        assert format_values(run, metric) == expected


@given(values.filter(lambda v: v is not None and v == v))
def test_format_number_agrees_with_the_plain_rule(value):
    from dashboard.formatting import format_number

    assert format_number(value) == _plain_number(value)
    for decimals in (0, 1, 2):
        assert format_number(value, decimals) == f"{value:,.{decimals}f}"


def test_pages_leave_the_shared_template_untouched(demo_ctx):
    before = theme.TEMPLATE.to_plotly_json()
    seen = set()
    for page in PAGE_ORDER:
        view = build_view(demo_ctx.db, ANONYMOUS, demo_ctx.config, page, parse_state({}))
        page_body(view)
        for panel in view.panels:
            if panel.points:
                fig = panels.make_panel_figure(panel)
                seen.add(id(fig["layout"]["template"]))
                presented = presentation.presentation_figure(fig)
                presented["layout"]["template"]["layout"]["font"]["size"] = 99
    assert seen == {id(theme._TEMPLATE_JSON)}  # one template, shared
    assert theme._TEMPLATE_JSON == before  # and never changed, even by a re-themed copy


def test_period_options_are_cached_but_not_shared_lists(demo_ctx):
    view = build_view(demo_ctx.db, ANONYMOUS, demo_ctx.config, "overview",
                      parse_state({}))
    first = month_dropdown_options(view)
    assert [o["value"] for o in first] == [f"{m:%Y-%m}" for m in month_options(view.extent)]
    first.append({"label": "changed", "value": "changed"})
    again = month_dropdown_options(view)
    assert again is not first and again == first[:-1]


def test_chosen_months_outside_the_data_are_offered():
    extent = (dt.date(2024, 4, 1), dt.date(2024, 6, 1))
    assert month_options(extent, (dt.date(2020, 1, 1), None)) == [
        dt.date(2020, 1, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)]


def test_service_summary_reads_coverage_not_figures(demo_db):
    """The summary reads the service's coverage rows by their key, never the figures; the
    refresh that keeps them reads the partial index of figures with a value (SQLite's plans;
    PostgreSQL chooses by its statistics, so there the index's definition is checked)."""
    from dashboard.db.coverage import _FILL

    if demo_db.dialect != "sqlite":
        with demo_db.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_observation_reported'"
            ).scalar()
        assert found is not None and "WHERE (value IS NOT NULL)" in found
        return
    statement = _summary_statement(ANONYMOUS)
    compiled = statement.compile(dialect=demo_db.engine.dialect)
    code = first_service_code(demo_db, ANONYMOUS)
    params = compiled.construct_params({"code": code})
    with demo_db.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params[name] for name in compiled.positiontup)).all()
        details = [row[-1] for row in plan]
        assert not any("observation" in d for d in details), details
        assert any(d.startswith("SEARCH service_coverage") for d in details), details
        refresh = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + _FILL.format(where=" AND service_id IN (1, 2)")).all()
    details = [row[-1] for row in refresh]
    assert any("ix_observation_reported" in d for d in details), details
    assert not any(d.startswith("SCAN observation") for d in details), details


def test_service_summary_gives_what_the_plain_reads_give(tiny_db):
    """The summary runs on the driver's cursor; every service's summary (one with attributes
    and a population, one with no figures, one stored by year) equals the ORM's reads of the
    service, its extent and its reported measures, on SQLite and PostgreSQL."""
    from dashboard.db.models import Service

    with tiny_db.session() as session:
        service = session.query(Service).filter_by(code="TINY1").one()
        service.attributes = {"trust": "Alpha NHS Trust", "beds": 420, "sites": ["A", "B"]}
    codes = [s.code for s in list_services(tiny_db, ANONYMOUS)]
    assert {"TINY1", "TINY2", "PUB1"} <= set(codes)
    for code in codes:
        summary = service_summary(tiny_db, ANONYMOUS, code)
        assert summary.service == get_service(tiny_db, ANONYMOUS, code)
        assert summary.extent == data_extent(tiny_db, ANONYMOUS, code)
        assert summary.reported == reported_metrics(tiny_db, ANONYMOUS, code)
        assert set(summary.metric_ids) == set(summary.reported)
        if summary.extent is not None:
            assert all(type(day) is dt.date for day in summary.extent)
    first = service_summary(tiny_db, ANONYMOUS, "TINY1").service
    assert first.attributes["sites"] == ["A", "B"] and first.synthetic is True
    assert isinstance(first.population, float)
    assert service_summary(tiny_db, ANONYMOUS, "NOPE") is None
