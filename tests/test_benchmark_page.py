"""The Benchmark page through Dash's callback endpoint, its downloads and the command line.

The sensitivity rules are tried the way a hostile client would: posting to
/_dash-update-component directly, with forged peer groups and parameters, and reading what
comes back. Figures are checked against the data layer and, on the real IMLS data, against an
independent computation from the source file.
"""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
from openpyxl import load_workbook

from conftest import app_client, make_demo_app
from dashboard import cli
from dashboard.benchmarking.compare import QUARTILE_METHOD
from dashboard.benchmarking.export import BENCHMARK_COLUMNS, CONTEXT_COLUMNS
from dashboard.benchmarking.view import DEFAULT_PEERS, parse_benchmark_state
from dashboard.db import Database
from dashboard.db.access import ANONYMOUS
from dashboard.db.peers import aggregate_services
from dashboard.db.services import list_services
from dashboard.periods import PeriodRange
from layouts import ids

HEADER = [h for _, h in BENCHMARK_COLUMNS] + list(CONTEXT_COLUMNS)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return make_demo_app(tmp_path_factory, "benchmark-app", 12, years=2, BENCHMARK_MIN_PEERS=5)


@pytest.fixture(scope="module")
def client(demo_app):
    return app_client(demo_app)


@pytest.fixture(scope="module")
def services(demo_app):
    with demo_app.server.app_context():
        from dashboard import context

        return list_services(context.current().db, ANONYMOUS)


def route(client, search: str) -> dict:
    """Ask the pages router for /benchmark with a query string; return the layout JSON."""
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/benchmark"},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.search"], "state": [],
    }
    response = client.post("/_dash-update-component", data=json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["_pages_content"]["children"]


def find(tree, component_id: str):
    """Return the component with an id in a layout's JSON, or None."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        for value in tree.get("props", {}).values():
            found = find(value, component_id)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for item in tree:
            found = find(item, component_id)
            if found is not None:
                return found
    return None


def ranked_labels(tree) -> dict[str, float]:
    """Return the ranked chart's bar labels and values (the own service included)."""
    figure = find(tree, "benchmark-ranked")["props"]["figure"]
    labels, values = {}, {}
    for trace in figure["data"]:
        for label, value in zip(trace.get("y") or [], trace.get("x") or []):
            labels[label] = value
        for label, value in zip(trace.get("x") or [], trace.get("y") or []):
            values[label] = value
    # The chart is vertical or horizontal; keep the orientation whose keys are text labels.
    pairs = labels if any(isinstance(k, str) for k in labels) else values
    return {k: v for k, v in pairs.items() if isinstance(k, str)}


def text_of(tree) -> str:
    return json.dumps(tree)


def test_anonymised_peers_are_never_named_in_figures_or_lists(client, services):
    own = services[0]
    tree = route(client, f"?service={own.code}&peers=sector:%3D")
    others = [s.name for s in services if s.code != own.code]
    assert find(tree, "benchmark-distribution") is not None
    for component in ("benchmark-distribution", "benchmark-ranked", "benchmark-summary",
                      "benchmark-members", ids.BENCHMARK_LEAGUE, "benchmark-group"):
        shown = text_of(find(tree, component))
        assert not [name for name in others if name in shown], component
    labels = ranked_labels(tree)
    peer_labels = [k for k in labels if k.startswith("Peer ")]
    assert len(peer_labels) == len(services) - 1
    assert all(re.fullmatch(r"Peer [A-Z]{1,2}", k) for k in peer_labels)
    members = text_of(find(tree, "benchmark-members"))
    assert f"{len(services) - 1} services in the group are not named" in members


def _letters_to_codes(db, labels: dict[str, float], metric: str, period: PeriodRange,
                      codes: list[str]) -> dict[str, str]:
    frame = aggregate_services(db, ANONYMOUS, [metric], period, codes)
    holders: dict[float, list[str]] = {}
    for c, v in zip(frame["service"], frame["value"]):
        holders.setdefault(round(float(v), 6), []).append(c)
    # A value two services share cannot tell them apart: such letters are left out.
    mapped = {k: holders[round(float(v), 6)][0] for k, v in labels.items()
              if k.startswith("Peer") and len(holders[round(float(v), 6)]) == 1}
    assert len(mapped) >= 8, "the test needs mostly distinct values to match letters"
    return mapped


def test_letters_are_dealt_afresh_per_measure_and_per_group(client, demo_app, services):
    """Combining views must not tie a letter to a service: the same peer gets unrelated
    letters for two measures, and for the same measure in two different groups."""
    from dashboard import context
    from dashboard.periods import financial_year_range

    own = services[0].code
    codes = [s.code for s in services]
    with demo_app.server.app_context():
        db = context.current().db
        fy_start = context.current().config.fy_start_for(services[0])
        views = {}
        for metric, peers in (("searches", "sector:%3D"), ("eresource_sessions", "sector:%3D"),
                              ("searches", "sector:%3D;size:..1000000000")):
            tree = route(client, f"?service={own}&fy=2023&metric={metric}&peers={peers}")
            assert "Peer figures withheld" not in text_of(tree)
            views[(metric, peers)] = _letters_to_codes(
                db, ranked_labels(tree), metric, financial_year_range(2023, fy_start), codes)
    first, other_metric, other_group = views.values()

    def same_letters(a: dict[str, str], b: dict[str, str]) -> int:
        return sum(1 for letter, code in a.items() if b.get(letter) == code)

    # Dealt independently, a few letters may coincide by chance; all of them cannot.
    assert same_letters(first, other_metric) < min(len(first), len(other_metric)) - 2
    assert same_letters(first, other_group) < min(len(first), len(other_group)) - 2


def test_forged_small_group_gets_no_peer_figures(client, services):
    own = services[0].code
    few = ",".join(s.code for s in services[1:4])  # three peers: below the minimum of five
    tree = route(client, f"?service={own}&peers=manual:{few}")
    shown = text_of(tree)
    assert find(tree, "benchmark-withheld") is not None
    assert find(tree, "benchmark-distribution") is None and find(tree, "benchmark-ranked") is None
    assert "Peer A" not in shown
    rows = find(tree, ids.BENCHMARK_LEAGUE)["props"]["rowData"]
    assert rows and all(r["median"] == "withheld" and r["spine"] is None and
                        r["rank"] == "withheld" for r in rows)
    # The three services' names appear nowhere but in the pickers (which list every service).
    for component in ("benchmark-members", "benchmark-group", "benchmark-summary",
                      ids.BENCHMARK_LEAGUE):
        assert not [s.name for s in services[1:4] if s.name in text_of(find(tree, component))]


@pytest.mark.parametrize("search", [
    "?service=%3Cscript%3E&fy=99999&per=evil&metric=..%2F..%2Fetc&peers=%25%25%25",
    "?service=" + "A" * 5000 + "&peers=" + "x:" * 3000,
    "?peers=manual:" + ",".join(f"X{i}" for i in range(500)),
    "?fy=2023&fy=2022&per=population&per=raw",
    "?peers=nn:0;nnby:population,population;size:5..1",
])
def test_hostile_links_are_explained_not_crashed(client, search):
    tree = route(client, search)
    shown = text_of(tree)
    assert "Traceback" not in shown and "<script>" not in shown
    assert find(tree, ids.BENCHMARK_CONTENT) is not None


def test_parse_benchmark_state_reports_every_problem():
    state, problems = parse_benchmark_state({"service": "bad code!", "fy": "20x4", "per": "x",
                                             "metric": "nope", "peers": "size:q99;foo"})
    assert state.service is None and state.fy is None and state.per == "raw"
    assert state.metric is None and len(problems) == 7
    # nothing of the link's group was usable: the default group, not every service
    assert state.peers == DEFAULT_PEERS and "Nothing usable" in problems[-1]
    state, problems = parse_benchmark_state({"service": ["A"], "fy": 2023, "peers": {"a": 1}})
    assert state.service is None and state.fy is None and state.peers == DEFAULT_PEERS
    state, problems = parse_benchmark_state({"service": "DEMO001", "fy": "2023",
                                             "per": "population", "metric": "searches",
                                             "peers": "sector:=;org_type:="})
    assert problems == [] and state.to_query() == (
        "?service=DEMO001&fy=2023&peers=sector%3A%3D%3Borg_type%3A%3D&per=population"
        "&metric=searches")


def _navigate(client, **values):
    inputs = [(ids.BENCHMARK_SERVICE, "value"), (ids.BENCHMARK_FY, "value"),
              (ids.BENCHMARK_METRIC, "value"), (ids.BENCHMARK_PER, "value"),
              (ids.BENCHMARK_SAME, "value"), (ids.BENCHMARK_SIZE, "value"),
              (ids.BENCHMARK_NEIGHBOURS, "value"), (ids.BENCHMARK_NEIGHBOUR_SOURCE, "value"),
              (ids.BENCHMARK_MANUAL, "value"), (ids.BENCHMARK_SAVED, "value")]
    payload = {
        "output": f"{ids.PAGES_LOCATION}.href",
        "outputs": {"id": ids.PAGES_LOCATION, "property": "href"},
        "inputs": [{"id": i, "property": p, "value": values.get(i)} for i, p in inputs],
        "state": [{"id": ids.BENCHMARK_PEERS, "property": "data", "value": values.get("peers")},
                  {"id": ids.URL_SEARCH, "property": "data", "value": values.get("shown")}],
        "changedPropIds": [f"{values['changed']}.value"],
    }
    return client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type="application/json")


@pytest.mark.parametrize("forged", [
    {ids.BENCHMARK_NEIGHBOURS: 1e9}, {ids.BENCHMARK_NEIGHBOURS: "ten"},
    {ids.BENCHMARK_NEIGHBOURS: True},
    {ids.BENCHMARK_MANUAL: [{"code": "X"}, "bad code!", 7]}, {ids.BENCHMARK_SAME: "org_type"},
    {ids.BENCHMARK_SAME: ["org_type", "__class__", None]}, {ids.BENCHMARK_SIZE: ["q5"]},
])
def test_forged_control_values_never_reach_the_address(client, forged):
    changed = next(iter(forged))
    response = _navigate(client, changed=changed, **{ids.BENCHMARK_SERVICE: "DEMO001"}, **forged)
    assert response.status_code in (200, 204)
    body = response.get_json()["response"] if response.status_code == 200 else {}
    if changed == ids.BENCHMARK_NEIGHBOURS:  # not a whole number from 1 to 500: nothing happens
        assert body == {}
    if body:
        href = body[ids.PAGES_LOCATION]["href"]
        state, problems = parse_benchmark_state(
            {k: v[0] for k, v in __import__("urllib.parse").parse.parse_qs(
                href.split("?", 1)[1]).items()})
        assert problems == [] and "__class__" not in href and "bad" not in href


def test_controls_build_the_group_into_the_address(client):
    response = _navigate(client, changed=ids.BENCHMARK_SAME, **{
        ids.BENCHMARK_SERVICE: "DEMO001", ids.BENCHMARK_SAME: ["org_type"],
        ids.BENCHMARK_SIZE: "q3", ids.BENCHMARK_PER: "population", ids.BENCHMARK_NEIGHBOURS: 4})
    href = response.get_json()["response"][ids.PAGES_LOCATION]["href"]
    assert href.startswith("/benchmark?service=DEMO001")
    assert "peers=sector%3A%3D%3Borg_type%3A%3D%3Bsize%3Aq3%3Bnn%3A4" in href
    assert "per=population" in href


def _save(client, name, peers):
    payload = {
        "output": f"..{ids.BENCHMARK_SAVE_MESSAGE}.children...{ids.BENCHMARK_SAVED}.options..",
        "outputs": [{"id": ids.BENCHMARK_SAVE_MESSAGE, "property": "children"},
                    {"id": ids.BENCHMARK_SAVED, "property": "options"}],
        "inputs": [{"id": ids.BENCHMARK_SAVE, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.BENCHMARK_SAVE_NAME, "property": "value", "value": name},
                  {"id": ids.BENCHMARK_PEERS, "property": "data", "value": peers}],
        "changedPropIds": [f"{ids.BENCHMARK_SAVE}.n_clicks"],
    }
    response = client.post("/_dash-update-component", data=json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 200
    return response.get_json()["response"]


def test_saving_groups_checks_name_and_definition(client, demo_app):
    saved = _save(client, "Acute trusts like us", "sector:=;org_type:=")
    assert "Saved as" in saved[ids.BENCHMARK_SAVE_MESSAGE]["children"]
    assert {"label": "Acute trusts like us", "value": "Acute trusts like us"} in \
        saved[ids.BENCHMARK_SAVED]["options"]
    again = _save(client, "Acute trusts like us", "sector:=")
    assert "already exists" in again[ids.BENCHMARK_SAVE_MESSAGE]["children"]
    for name, peers in (("<script>alert(1)</script>" * 10, "sector:="), ("", "sector:="),
                        ("Bad group", "size:q99"), ("Not text", {"sector": "nhs"})):
        answer = _save(client, name, peers)
        message = answer[ids.BENCHMARK_SAVE_MESSAGE]["children"]
        assert "Saved" not in message and "Traceback" not in message
    tree = route(client, "?service=DEMO001")
    options = find(tree, ids.BENCHMARK_SAVED)["props"]["options"]
    assert [o["value"] for o in options] == ["Acute trusts like us"]


# ---------------------------------------------------------------------------------------------
# Downloads: the league table as CSV and XLSX, with the page's columns
# ---------------------------------------------------------------------------------------------


def test_table_downloads_as_csv_and_xlsx_with_the_same_columns(client, services):
    own = services[0]
    tree = route(client, f"?service={own.code}&peers=sector:%3D&per=population")
    links = re.findall(r'/download/benchmark\?[^"]+', text_of(tree))
    assert len(links) == 2
    csv_link = next(link for link in links if link.endswith("format=csv"))
    response = client.get(csv_link.replace("\\u0026", "&"))
    assert response.status_code == 200
    assert re.search(r'filename="shelfmark-benchmark-DEMO\d+-\d{4}-\d{2}\.csv"',
                     response.headers["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == HEADER
    league = find(tree, ids.BENCHMARK_LEAGUE)["props"]["rowData"]
    assert [r[1] for r in rows[1:]] == [r["metric"] for r in league]
    column = {h: i for i, h in enumerate(HEADER)}
    assert all(r[column["Quartile method"]] == QUARTILE_METHOD for r in rows[1:])
    assert all(r[column["Service code"]] == own.code for r in rows[1:])
    assert any(r[column["Per"]].startswith("per 1,000") for r in rows[1:])
    for row, shown in zip(rows[1:], league):  # the page's percentile, rounded, is the file's
        if shown["percentile"] is not None:  # the file has one decimal, the page none
            assert abs(float(row[column["Percentile"]]) - shown["percentile"]) <= 0.5
    xlsx = client.get(csv_link.replace("\\u0026", "&").replace("format=csv", "format=xlsx"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book["Benchmark"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == len(rows)
    assert any("QUARTILE.INC" in str(c.value) for c in book["About"]["B"])


@pytest.mark.parametrize("query, status", [
    ("service=DEMO001&format=pdf", 400),
    ("service=DEMO001&per=evil&format=csv", 400),
    ("service=DEMO001&peers=size:q99&format=csv", 400),
    ("service=NOPE01&format=csv", 404),
    ("service=DEMO001&fy=1999&format=csv", 404),
])
def test_bad_download_links_get_a_plain_message(client, query, status):
    response = client.get(f"/download/benchmark?{query}")
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert "Nothing was downloaded" in response.get_data(as_text=True) or status == 400
    assert "Traceback" not in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# The command line on the real IMLS FY2017 data
# ---------------------------------------------------------------------------------------------


def run_cli(monkeypatch, capsys, db, *args) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    code = cli.main(["benchmark", *args])
    out, err = capsys.readouterr()
    return code, out, err


def source_value(row: dict, column: str) -> float | None:
    text = row[column].strip()
    return None if not text or float(text) < 0 else float(text)


def test_cli_prints_the_figures_of_an_independent_computation(imls_db, imls_source,
                                                               monkeypatch, capsys):
    db, _ = imls_db
    own = "VT0056"
    code, out, err = run_cli(monkeypatch, capsys, db, "--service", own, "--metric", "visits",
                             "--metric", "pls_circulation", "--period", "2016/17",
                             "--peers", "sector=same,state=same", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["period"] == "2016/17" and report["quartile_method"] == QUARTILE_METHOD
    peers = [c for c, row in imls_source.items() if row["STABR"] == "VT" and c != own]
    for row, column in zip(report["comparisons"], ("VISITS", "TOTCIR")):
        values = np.array([v for v in (source_value(imls_source[p], column) for p in peers)
                           if v is not None])
        own_value = source_value(imls_source[own], column)
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        assert row["n_group"] == len(peers) and row["n_reporting"] == len(values)
        assert row["own_value"] == own_value
        assert (row["q1"], row["median"], row["q3"]) == pytest.approx((q1, median, q3))
        assert (row["min"], row["max"]) == (values.min(), values.max())
        assert row["rank"] == int((values > own_value).sum()) + 1
        assert row["rank_of"] == len(values) + 1
    # The CSV has the download's columns; the table names the rank in words.
    code, out, _ = run_cli(monkeypatch, capsys, db, "--service", own, "--metric", "visits",
                           "--peers", "sector=same,state=same", "--format", "csv")
    assert not out.startswith("\ufeff")  # piped text carries no byte-order mark
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == HEADER and rows[1][1] == "visits"
    code, out, _ = run_cli(monkeypatch, capsys, db, "--service", own, "--metric", "visits",
                           "--peers", "sector:=;state:=")  # the page's link form works too
    assert code == 0 and re.search(r"\d+(st|nd|rd|th) of \d+, higher is better", out)
    assert "QUARTILE.INC" in out


def test_cli_metric_names_and_file_formats(imls_db, monkeypatch, capsys, tmp_path):
    db, _ = imls_db
    target = tmp_path / "visits.json"
    code, _, err = run_cli(monkeypatch, capsys, db, "--service", "CA0063", "--metric",
                           "total CIRCULATION", "--metric", "visits", "-o", str(target))
    assert code == 0, err
    report = json.loads(target.read_text())  # the format follows the file's suffix
    assert [c["metric"] for c in report["comparisons"]] == ["pls_circulation", "visits"]
    book = tmp_path / "t.xlsx"
    code, _, err = run_cli(monkeypatch, capsys, db, "--service", "CA0063", "--metric",
                           "visits", "-o", str(book))
    assert code == 0 and [c.value for c in load_workbook(book)["Benchmark"][1]] == HEADER


def test_cli_neighbours_and_normalisation(imls_db, monkeypatch, capsys):
    db, _ = imls_db
    code, out, err = run_cli(monkeypatch, capsys, db, "--service", "CA0063", "--metric",
                             "visits", "--neighbours", "10", "--per", "population",
                             "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert "10 public services in the same national return as yours" in report["peer_group"]
    [row] = report["comparisons"]
    assert row["n_group"] == 10 and row["denominator"] == "per 1,000 people served"


@pytest.mark.parametrize("args, status, message", [
    (["--service", "XX9999"], 1, "there is no service"),
    (["--service", "ca0063"], 1, "did you mean 'CA0063'?"),
    (["--service", "CA0063", "--metric", "nonsense"], 2, "unknown measure"),
    (["--service", "CA0063", "--metric", "circulation"], 2,
     "did you mean 'pls_circulation'"),
    (["--service", "CA0063", "--peers", "state"], 2, "'state' is not key=value"),
    (["--service", "CA0063", "--format", "csv", "-o", "out.xlsx"], 2, "does not match"),
    (["--service", "CA0063", "--format", "xlsx"], 2, "give -o FILE.xlsx"),
    (["--service", "CA0063", "-o", "/nonexistent/folder/x.csv"], 2, "cannot write"),
    (["--service", "CA0063", "--peers", "sector=same,state=ZZ"], 1,
     "no service matches the peer group"),
    (["--service", "CA0063", "--period", "2016/18"], 2, "second year must follow"),
    (["--service", "CA0063", "--period", "2010"], 1, "no complete figures for 2010/11"),
    (["--service", "CA0063", "--peer-group", "missing"], 1, "no saved peer group"),
])
def test_cli_refuses_bad_arguments_with_a_reason(imls_db, monkeypatch, capsys, args, status,
                                                 message):
    db, _ = imls_db
    code, out, err = run_cli(monkeypatch, capsys, db, *args)
    assert code == status and message in err and out == ""


def test_controls_keep_what_they_do_not_show(client):
    """A link's group may hold population bounds, explicit filter values and neighbour
    settings the controls cannot show: ticking a box changes only what the box owns."""
    current = "sector:=;region:London,Midlands;size:4000..6000;nnby:population,visits"
    tree = route(client, f"?service=DEMO001&peers={current.replace('=', '%3D')}")
    size = find(tree, ids.BENCHMARK_SIZE)["props"]
    assert size["value"] == "custom"
    assert {"label": "Population 4,000–6,000", "value": "custom"} in size["options"]

    def peers_after(**controls) -> str:
        response = _navigate(client, peers=current, **{ids.BENCHMARK_SERVICE: "DEMO001"},
                             **controls)
        href = response.get_json()["response"][ids.PAGES_LOCATION]["href"]
        query = __import__("urllib.parse").parse.parse_qs(href.split("?", 1)[1])
        return query["peers"][0]

    assert peers_after(changed=ids.BENCHMARK_SAME, **{ids.BENCHMARK_SAME: ["source"],
                                                  ids.BENCHMARK_SIZE: "custom"}) == \
        "sector:=;region:London,Midlands;source:=;size:4000..6000;nnby:population,visits"
    assert peers_after(changed=ids.BENCHMARK_SIZE, **{ids.BENCHMARK_SIZE: "q3"}) == \
        "sector:=;region:London,Midlands;size:q3;nnby:population,visits"
    assert peers_after(changed=ids.BENCHMARK_SIZE, **{ids.BENCHMARK_SIZE: ""}) == \
        "sector:=;region:London,Midlands;nnby:population,visits"


def test_same_as_mine_offers_only_attributes_the_service_has(tmp_path):
    """A US library may match on state and locale; an English authority has neither."""
    from app import create_app
    from dashboard.db.models import DataSource, Service

    url = f"sqlite:///{tmp_path}/public.db"
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        source = DataSource(code="returns", name="Published returns", public=True)
        session.add(source)
        session.flush()
        session.add_all([
            Service(code="US1", name="Springfield Library", sector="public", source_id=source.id,
                    attributes={"state": "IL", "locale": "21"}),
            Service(code="EN1", name="Middlemarch Libraries", sector="public",
                    source_id=source.id, region="North East", attributes={"nation": "England"}),
        ])
        session.commit()
    db.dispose()
    client = create_app({"DATABASE_URL": url, "CACHE_TYPE": "NullCache"}).server.test_client()
    client.get("/")
    offered = {}
    for code in ("US1", "EN1"):
        tree = route(client, f"?service={code}")
        offered[code] = [o["value"] for o in find(tree, ids.BENCHMARK_SAME)["props"]["options"]]
    assert offered["US1"] == ["source", "state", "locale"]
    assert offered["EN1"] == ["source", "region"]


def test_percentiles_never_round_to_the_ends():
    from dashboard.benchmarking.view import percentile_text

    assert [percentile_text(v) for v in (None, 0.0, 0.2, 37.4, 62.5, 99.8, 100.0)] == \
        ["–", "0", "0.2", "37", "62", "99.8", "100"]
