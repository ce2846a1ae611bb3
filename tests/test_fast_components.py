"""layouts.fast builds the same components as Dash's constructors, for every class pages use."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pytest
from dash import dcc, html
from plotly.io.json import to_json_plotly

from layouts import fast

CASES = [
    (html.Div, "text", {"className": "kpi-label", "title": "What it counts"}),
    (html.Div, None, {}),
    (html.Div, ["a", html.Span("b")], {"className": "synthetic-banner", "role": "note"}),
    (html.I, None, {"className": "bi bi-arrow-up-right me-1"}),
    (html.Span, "+12.0%", {}),
    (html.Span, " vs 2023/24 (1,075)", {"className": "kpi-previous"}),
    (html.Strong, "Demo data (synthetic). ", {}),
    (html.P, "A caption", {"className": "panel-description"}),
    (html.H1, "Overview: 2023/24", {"className": "page-title"}),
    (html.H3, "Staff by band", {"className": "panel-title"}),
    (html.Footer, "Source: demo.", {"className": "page-footer"}),
    (dcc.Graph, None, {"figure": {"data": [], "layout": {}}, "className": "kpi-spark",
                       "config": {"displayModeBar": False}, "id": "panel-x"}),
    (dbc.Card, html.Div("x"), {"className": "kpi-tile h-100", "id": "kpi-searches"}),
    (dbc.CardBody, ["x", "y"], {}),
    (dbc.Row, [], {"className": "kpi-row"}),
    (dbc.Col, "x", {"lg": 12, "className": "mb-3"}),
    (dbc.Alert, "A note", {"color": "warning", "className": "py-2"}),
]


@pytest.mark.parametrize("cls, children, props", CASES,
                         ids=[f"{c.__module__}.{c.__name__}-{i}" for i, (c, _, _) in
                              enumerate(CASES)])
def test_made_like_the_constructor(cls, children, props):
    if "children" in cls().__dict__:
        normal = cls(children, **props)
    else:
        normal = cls(**props)
    made = fast.builder(cls)(children, **props)
    assert type(made) is cls
    assert made.to_plotly_json() == normal.to_plotly_json()
    assert to_json_plotly(made) == to_json_plotly(normal)
    assert vars(made) == vars(normal)


def test_namespaces_build_with_builder():
    assert fast.html.Div("x", className="a").to_plotly_json() == \
        html.Div("x", className="a").to_plotly_json()
    assert fast.dbc.Col("x", lg=6).to_plotly_json() == dbc.Col("x", lg=6).to_plotly_json()
    assert fast.dcc.Graph(figure={}).to_plotly_json() == dcc.Graph(figure={}).to_plotly_json()


def test_unknown_props_and_children_are_refused():
    with pytest.raises(TypeError, match="classname"):
        fast.html.Div("x", classname="typo")
    with pytest.raises(TypeError, match="children"):
        fast.dcc.Graph("not a child")


def test_components_share_no_props():
    first = fast.html.Div("a", className="one")
    second = fast.html.Div("b")
    first.title = "changed"
    assert not hasattr(second, "className") and not hasattr(second, "title")
    assert second.to_plotly_json() == html.Div("b").to_plotly_json()
