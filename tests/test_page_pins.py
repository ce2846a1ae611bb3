"""Pin what the dashboard pages show, so that speeding up the page callback changes nothing.

The pinned outputs (tests/pins/pages.json.gz) are the callback's JSON response and the view's
data (KPIs, sparkline and panel frames with their dtypes) for a set of states on fixed demo
data, as the page code drew them before the callback was rewritten for speed (the views,
compute, figures and components of main just before the faster callback was merged, with
every chart's alt text and "Show data" table). They are a regression pin, not a statement
of correctness: the figures themselves are checked against hand-worked totals in
test_queries.py and against independent SQL in test_bare_aggregate.py.

Regenerate only for an intended change of what the pages show:
    .venv/bin/python -m tests.test_page_pins --write
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from callbacks.filters import query_from_inputs
from dashboard import demo
from dashboard.db.access import ANONYMOUS
from dashboard.settings import load_config
from dashboard.state import parse_state
from dashboard.templates import PAGE_ORDER
from dashboard.views import build_view
from tests.conftest import load_tiny
from tests.test_app import post_update

PINS = Path(__file__).resolve().parent / "pins" / "pages.json.gz"
ALL = ["staffing", "finance", "activity", "impact"]

# service, from, to, granularity, categories: each drawn on every page.
STATES = [
    # DEMO009 did not return document supply for FY2021, one month of impact (Apr 2022) and
    # three of enquiries (Jan-Mar 2021): incomplete periods and missing comparisons.
    ("DEMO009", "2021-04", "2022-03", "month", ALL),
    ("DEMO009", "2022-04", "2023-03", "quarter", ALL),
    ("DEMO009", "2021-01", "2021-03", "month", ALL),
    # DEMO015 has no finance figures for May-Oct 2022.
    ("DEMO015", "2022-04", "2023-03", "year", ALL),
    ("DEMO015", "2022-07", "2022-09", "quarter", ALL),
    # DEMO018 has no searches for Aug-Oct 2021; ranges not starting on a bucket boundary.
    ("DEMO018", "2021-05", "2022-02", "quarter", ALL),
    ("DEMO018", "2021-05", "2023-08", "year", ALL),
    ("DEMO018", "2022-11", "2023-01", "month", ALL),
    # The default period, the whole extent, a period after the data.
    ("DEMO001", None, None, "month", ALL),
    ("DEMO001", "2020-04", "2025-03", "quarter", ALL),
    ("DEMO001", "2025-06", "2026-03", "month", ALL),
    ("DEMO002", "2023-04", "2024-03", "quarter", ["finance"]),
    ("DEMO002", "2023-04", "2024-03", "month", []),
    # Hand-made data: a missing month, yearly figures of a public library, no figures at all.
    ("TINY1", "2022-04", "2024-03", "year", ALL),
    ("TINY1", "2023-06", "2023-06", "month", ALL),
    ("PUB1", "2022-07", "2023-06", "month", ALL),
    ("PUB1", None, None, "quarter", ALL),
    ("TINY2", None, None, "month", ALL),
    # Links that name no service, or carry junk.
    ("NOPE", "2023-04", "2024-03", "quarter", ALL),
    ("DEMO003", "2023-99", "2024-03", "decade", ALL),
]


def load_pin_data(db) -> None:
    """Load the data every pinned state is drawn from."""
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=20)
    load_tiny(db)


def _plain(value):
    """Turn a frame cell into JSON: dates as ISO text, NaN as None."""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _frame(frame: pd.DataFrame, index: bool = True) -> dict:
    pinned = {"columns": [str(c) for c in frame.columns],
              "dtypes": [str(t) for t in frame.dtypes],
              "rows": [[_plain(v) for v in row] for row in frame.itertuples(index=False)]}
    if index:
        pinned["index"] = [_plain(i) for i in frame.index]
    return pinned


def view_data(view) -> dict:
    """Return everything a view holds that layouts and exports read, as JSON."""
    return {
        "state": view.state.to_query(),
        "service": view.service.code if view.service else None,
        "extent": [d.isoformat() for d in view.extent] if view.extent else None,
        "period_label": view.period_label,
        "comparison_label": view.comparison_label,
        "messages": list(view.messages),
        "empty_message": view.empty_message,
        "kpis": [{
            "code": item.kpi.code, "label": item.kpi.label, "value": item.kpi.value,
            "previous": item.kpi.previous, "coverage": item.kpi.coverage,
            "previous_coverage": item.kpi.previous_coverage, "is_total": item.kpi.is_total,
            "higher_is_better": item.kpi.higher_is_better, "metric": item.metric.code,
            "spark": _frame(item.spark, index=False),  # rows of a longer history
        } for item in view.kpis],
        "panels": [{
            "key": data.panel.key, "metrics": list(data.panel.metrics), "title": data.title,
            "granularity": data.granularity, "empty_message": data.empty_message,
            "notes": list(data.notes), "periods": list(data.periods),
            "frame": _frame(data.frame),
        } for data in view.panels],
    }


def _post(client, app, page_key, service, start, end, granularity, categories):
    response = post_update(client, app, service, start, end, granularity, categories, page_key)
    assert response.status_code == 200
    return response.get_json()


def pin_outputs(db) -> dict:
    """Draw every pinned state on every page: the callback's response and the view's data."""
    from app import create_app

    app = create_app({"DATABASE_URL": db.url, "CACHE_TYPE": "NullCache"})
    client = app.server.test_client()
    config = load_config()
    result = {}
    try:
        for state in STATES:
            query = query_from_inputs(*state)
            for page in PAGE_ORDER:
                name = f"{page} {json.dumps(state)}"
                view = build_view(db, ANONYMOUS, config, page, parse_state(query))
                result[name] = {"callback": _post(client, app, page, *state),
                                "view": view_data(view)}
    finally:
        app.server.extensions["shelfmark"].db.dispose()
    return result


def _differences(pinned, got, path="", found=None) -> list[str]:
    """List where two JSON trees differ; floats may differ in summation order only."""
    found = [] if found is None else found
    if len(found) >= 20:
        return found
    if isinstance(pinned, dict) and isinstance(got, dict):
        if list(pinned) != list(got):
            found.append(f"{path}: keys {list(pinned)} != {list(got)}")
        for key in pinned:
            if key in got:
                _differences(pinned[key], got[key], f"{path}/{key}", found)
    elif isinstance(pinned, list) and isinstance(got, list):
        if len(pinned) != len(got):
            found.append(f"{path}: {len(pinned)} items != {len(got)}")
        for i, (a, b) in enumerate(zip(pinned, got)):
            _differences(a, b, f"{path}[{i}]", found)
    elif isinstance(pinned, float) and isinstance(got, (int, float)) \
            and not isinstance(got, bool):
        if not math.isclose(pinned, got, rel_tol=1e-12, abs_tol=1e-12):
            found.append(f"{path}: {pinned!r} != {got!r}")
    elif type(pinned) is not type(got) or pinned != got:
        found.append(f"{path}: {pinned!r} != {got!r}")
    return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def pinned_db(request, tmp_path_factory):
    from tests.conftest import _backend_database

    db, cleanup = _backend_database(request.param, tmp_path_factory)
    load_pin_data(db)
    yield db
    cleanup()


@pytest.fixture(scope="module")
def pinned():
    with gzip.open(PINS, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def drawn(pinned_db):
    return pin_outputs(pinned_db)


def test_every_pinned_state_is_drawn(pinned, drawn):
    assert list(drawn) == list(pinned)
    assert len(pinned) == len(STATES) * len(PAGE_ORDER)


TYPED = {"metric": "str", "bucket": "object", "value": "float64", "coverage": "float64",
         "period": "str", "label": "str"}


def _typed_when_empty(pinned_view: dict, drawn_view: dict) -> dict:
    """Return the pinned view with the dtypes of its empty frames set to those the view
    gives now, after checking that they are a full frame's.

    Before the rewrite an empty frame's dtypes depended on how it was cut (text columns came
    out as object or even float64); every frame now has the dtypes of a full one.
    """
    frames = [(k["spark"], d["spark"]) for k, d in zip(pinned_view["kpis"], drawn_view["kpis"])]
    frames += [(p["frame"], d["frame"])
               for p, d in zip(pinned_view["panels"], drawn_view["panels"])]
    for old, new in frames:
        if not old["rows"] and not new["rows"]:
            assert new["dtypes"] == [TYPED[c] for c in new["columns"]]
            old["dtypes"] = new["dtypes"]
    return pinned_view


@pytest.mark.parametrize("page", PAGE_ORDER)
@pytest.mark.parametrize("state", STATES, ids=[json.dumps(s) for s in STATES])
def test_page_shows_what_it_showed(pinned, drawn, page, state):
    name = f"{page} {json.dumps(state)}"
    expected = {"callback": pinned[name]["callback"],
                "view": _typed_when_empty(json.loads(json.dumps(pinned[name]["view"])),
                                          drawn[name]["view"])}
    problems = _differences(expected, drawn[name])
    assert not problems, "\n".join(problems)


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    from dashboard.db import Database

    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/pins.db")
        database.upgrade()
        load_pin_data(database)
        outputs = pin_outputs(database)
        database.dispose()
    PINS.parent.mkdir(exist_ok=True)
    with gzip.open(PINS, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(outputs, handle, sort_keys=False, separators=(",", ":"))
    print(f"wrote {len(outputs)} pinned states to {PINS}")
