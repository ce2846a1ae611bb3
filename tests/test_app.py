"""The app through Flask's test client: pages, Dash's callback endpoint and untrusted payloads."""

from __future__ import annotations

import json
import re

import pytest

from dashboard import demo
from dashboard.db import ANONYMOUS, Database
from layouts import ids

ALL_CATEGORIES = ["staffing", "finance", "activity", "impact"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from app import create_app

    path = tmp_path_factory.mktemp("app") / "demo.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=6)
    db.dispose()
    return create_app({"DATABASE_URL": f"sqlite:///{path}", "CACHE_TYPE": "NullCache"})


@pytest.fixture
def client(demo_app):
    return demo_app.server.test_client()


def callback_key(app) -> str:
    return next(k for k in app.callback_map if f"{ids.CONTENT}.children" in k)


def post_update(client, app, service, start, end, granularity, categories, page_key):
    key = callback_key(app)
    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
               for part in key.strip(".").split("...")]
    inputs = [
        {"id": ids.SERVICE, "property": "value", "value": service},
        {"id": ids.PERIOD_FROM, "property": "value", "value": start},
        {"id": ids.PERIOD_TO, "property": "value", "value": end},
        {"id": ids.GRANULARITY, "property": "value", "value": granularity},
        {"id": ids.CATEGORIES, "property": "value", "value": categories},
    ]
    payload = {"output": key, "outputs": outputs, "inputs": inputs,
               "state": [{"id": ids.PAGE_KEY, "property": "data", "value": page_key}],
               "changedPropIds": [f"{ids.GRANULARITY}.value"]}
    return client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type="application/json")


@pytest.mark.parametrize("path", ["/", "/staffing", "/finance", "/activity", "/impact"])
def test_pages_are_served_without_external_urls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "bootstrap.min.css" in html


def test_layout_endpoint(client):
    response = client.get("/_dash-layout")
    assert response.status_code == 200


def test_callback_returns_page_and_url(client, demo_app):
    response = post_update(client, demo_app, "DEMO002", "2023-04", "2024-03", "quarter",
                           ALL_CATEGORIES, "finance")
    assert response.status_code == 200
    body = response.get_json()["response"]
    search = body[ids.URL_SEARCH]["data"]
    assert search == "?service=DEMO002&from=2023-04&to=2024-03&granularity=quarter"
    assert body[ids.nav("activity")]["href"] == "/activity" + search
    text = json.dumps(body[ids.CONTENT]["children"])
    assert "Expenditure by category by quarter, 2023/24" in text
    assert "kpi-exp-total" in text


@pytest.mark.parametrize("junk", [
    {"service": {"$ne": 1}, "start": ["2023-04"], "end": 12, "granularity": None,
     "categories": "staffing", "page_key": "../../etc/passwd"},
    {"service": "DEMO001' OR 1=1 --", "start": "2023-99", "end": "x" * 10000,
     "granularity": "decade", "categories": [{"a": 1}, 3], "page_key": None},
    {"service": None, "start": None, "end": None, "granularity": None, "categories": None,
     "page_key": "overview"},
])
def test_untrusted_callback_payloads_never_crash(client, demo_app, junk):
    response = post_update(client, demo_app, junk["service"], junk["start"], junk["end"],
                           junk["granularity"], junk["categories"], junk["page_key"])
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    body = response.get_json()["response"]
    assert body[ids.URL_SEARCH]["data"].startswith("?service=DEMO")


def test_sql_injection_attempt_is_just_an_unknown_service(client, demo_app):
    response = post_update(client, demo_app, "DEMO001' OR '1'='1", None, None, "month",
                           ALL_CATEGORIES, "overview")
    body = response.get_json()["response"]
    # The code fails validation and the first service is shown instead, with a message.
    assert "not valid" in json.dumps(body[ids.CONTENT]["children"])


def test_small_sample_trend_is_grouped_by_quarter_at_least(client, demo_app):
    response = post_update(client, demo_app, "DEMO001", "2023-04", "2024-03", "month",
                           ALL_CATEGORIES, "impact")
    text = json.dumps(response.get_json()["response"][ids.CONTENT]["children"])
    assert "Reported impact over time by quarter, 2023/24" in text
    assert "Questionnaire responses by month, 2023/24" in text
    assert "monthly samples are too small" in text
