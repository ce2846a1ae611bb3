"""A view's data as pages draw it (plain points) and as exports read it (DataFrames, on demand)."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pandas as pd
import pytest

from dashboard import demo
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS
from dashboard.figures.panels import make_panel_figure, make_sparkline
from dashboard.settings import load_config
from dashboard.state import parse_state
from dashboard.templates import PAGE_ORDER
from dashboard.views import KpiView, PanelData, Point, build_view
from layouts.components import page_body
from tests.test_app import ALL_CATEGORIES, post_update

TYPED = {"metric": "str", "bucket": "object", "value": "float64", "coverage": "float64",
         "period": "str", "label": "str"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('views') / 'demo.db'}")
    db.upgrade()
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=4)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def demo_app(demo_db):
    from app import create_app

    return create_app({"DATABASE_URL": demo_db.url, "CACHE_TYPE": "NullCache"})


def _views(db):
    config = load_config()
    for page in PAGE_ORDER:
        for granularity in ("month", "quarter", "year"):
            state = parse_state({"service": "DEMO002", "from": "2023-07", "to": "2024-03",
                                 "granularity": granularity})
            yield build_view(db, ANONYMOUS, config, page, state)


def test_the_callback_builds_no_dataframe(demo_app, monkeypatch):
    """The page's path draws from plain points: not one DataFrame is made."""
    def refuse(*args, **kwargs):
        raise AssertionError("a DataFrame was built on the page's path")

    monkeypatch.setattr(pd.DataFrame, "__init__", refuse)
    client = demo_app.server.test_client()
    for page in PAGE_ORDER:
        for granularity in ("month", "quarter", "year"):
            response = post_update(client, demo_app, "DEMO001", "2023-04", "2024-03",
                                   granularity, ALL_CATEGORIES, page)
            body = response.get_data(as_text=True)
            assert response.status_code == 200 and "could not be drawn" not in body
            assert "kpi-" in body


def test_frames_are_built_on_demand_with_every_dtype(demo_db):
    for view in _views(demo_db):
        for item in view.kpis:
            assert item._spark is None
            spark = item.spark
            assert list(spark.columns) == ["metric", "bucket", "value", "coverage", "period",
                                           "label"]
            assert {c: str(t) for c, t in spark.dtypes.items()} == TYPED
            assert list(spark.itertuples(index=False, name=None)) == [
                (p.metric, p.bucket, p.value, p.coverage, p.period, p.label)
                for p in item.points]
            assert item.spark is spark  # built once
        for data in view.panels:
            assert data._frame is None
            frame = data.frame
            totals = data.panel.kind in ("breakdown", "shares")
            assert list(frame.columns) == (
                ["metric", "bucket", "value", "coverage", "label", "period"] if totals
                else ["metric", "bucket", "value", "coverage", "period", "label"])
            assert {c: str(t) for c, t in frame.dtypes.items()} == TYPED
            assert list(frame.index) == list(range(len(data.points)))
            assert [tuple(r) for r in frame[["metric", "value", "coverage"]].itertuples(
                index=False, name=None)] == [(p.metric, p.value, p.coverage)
                                             for p in data.points]


def test_an_empty_frame_has_the_same_columns_and_dtypes(demo_db):
    view = next(v for v in _views(demo_db))
    data = view.panels[0]
    empty = PanelData(data.panel, data.title, None, data.granularity, points=[])
    assert list(empty.frame.columns) == list(data.frame.columns)
    assert {c: str(t) for c, t in empty.frame.dtypes.items()} == TYPED
    assert KpiView(view.kpis[0].kpi, view.kpis[0].metric).spark.empty


def test_data_made_from_frames_draws_as_from_points(demo_db):
    """Code that builds KpiView and PanelData from DataFrames, or sets their frames, as
    before, still works."""
    for view in _views(demo_db):
        for data in view.panels:
            again = PanelData(data.panel, data.title, data.frame.copy(), data.granularity,
                              data.empty_message, data.notes, data.periods)
            assert again.points == data.points
            assert make_panel_figure(again) == make_panel_figure(data)
        for item in view.kpis:
            again = KpiView(item.kpi, item.metric, item.spark.copy())
            assert again.points == item.points
            assert make_sparkline(again.spark, again.metric) == \
                make_sparkline(item.points, item.metric)
    data = next(d for d in view.panels if len(d.points) > 1)
    first = data.points[0]
    data.frame = data.frame.iloc[:1]  # a new frame: the chart draws just its row
    assert data.points == [first] and len(data.frame) == 1
    assert make_panel_figure(data) == make_panel_figure(
        PanelData(data.panel, data.title, None, data.granularity, None, data.notes,
                  data.periods, points=[first]))


def test_views_survive_the_shared_cache(demo_db):
    """Views are pickled into the shared cache, whether or not their frames were built."""
    for view in list(_views(demo_db))[:6]:
        before = json.dumps(page_body(view), default=lambda c: c.to_plotly_json())
        if view.panels:
            view.panels[0].frame  # one frame built, the others not
        copy = pickle.loads(pickle.dumps(view))
        assert json.dumps(page_body(copy), default=lambda c: c.to_plotly_json()) == before
        assert [p.points for p in copy.panels] == [p.points for p in view.panels]
        assert [k.points for k in copy.kpis] == [k.points for k in view.kpis]


def test_points_are_ordered_by_metric_then_bucket(demo_db):
    for view in _views(demo_db):
        for data in view.panels:
            if data.panel.kind in ("breakdown", "shares"):
                assert [p.metric for p in data.points] == [
                    m for m in data.panel.metrics if m in {p.metric for p in data.points}]
                assert all(p.bucket is None for p in data.points)
                continue
            keys = [(data.panel.metrics.index(p.metric), p.bucket) for p in data.points]
            assert keys == sorted(keys)
            assert all(isinstance(p.bucket, dt.date) and isinstance(p, Point)
                       for p in data.points)


def test_page_body_is_what_dash_constructors_build(demo_db, monkeypatch):
    """The page body built with layouts.fast serialises as one built by Dash's own
    constructors (the namespaces swapped for dash's and dash_bootstrap_components')."""
    import dash_bootstrap_components as dbc
    from dash import dcc, html
    from plotly.io.json import to_json_plotly

    from layouts import fast

    views = list(_views(demo_db))
    built = [to_json_plotly(page_body(view)) for view in views]
    assert isinstance(fast.html, fast._Namespace)  # built the fast way above
    for name, module in (("html", html), ("dcc", dcc), ("dbc", dbc)):
        monkeypatch.setattr(fast, name, module)
    normal = [to_json_plotly(page_body(view)) for view in views]
    assert len(normal) == len(views) and all('"type":"Div"' in body for body in normal)
    assert normal == built
