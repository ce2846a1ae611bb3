"""The snapshot toolbar and the executive view through Dash's callback endpoint and Flask's test
client, including payloads no browser would send."""

from __future__ import annotations

import base64
import json
import time

import pytest

from dashboard.snapshot.build import view_state
from layouts import ids
from conftest import app_client, make_demo_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return make_demo_app(tmp_path_factory, "snap-app", 8, years=2)


@pytest.fixture(scope="module")
def client(demo_app):
    return app_client(demo_app)


def _key(app, output: str, input_id: str | None = None) -> str:
    """Return the callback-map key of the callback writing `output` (and reading input_id)."""
    return next(k for k, c in app.callback_map.items() if output in k and (
        input_id is None or any(i["id"] == input_id for i in c["inputs"])))


def _outputs(key: str) -> list[dict]:
    outputs = []
    for part in key.strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]
        outputs.append({"id": json.loads(component) if component.startswith("{") else component,
                        "property": prop})
    return outputs


def call(client, app, key: str, inputs: list, state: list | None = None,
         changed: list[str] | None = None):
    outputs = _outputs(key)
    if not key.startswith(".."):  # a single output is sent as one object, not a list
        outputs = outputs[0]
    payload = {"output": key, "outputs": outputs, "inputs": inputs,
               "state": state or [], "changedPropIds": changed or []}
    return client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type="application/json")


def start(client, app, fmt, page="finance", search="?service=DEMO001&from=2024-04&to=2025-03"):
    key = _key(app, f"{ids.SNAP_JOB}.data")
    trigger = {"format": fmt, "type": ids.SNAP_FORMAT}
    inputs = [[{"id": trigger, "property": "n_clicks", "value": 1}]]
    state = [{"id": ids.SNAP_PAGE, "property": "data", "value": page},
             {"id": ids.URL_SEARCH, "property": "data", "value": search}]
    return call(client, app, key, inputs, state,
                [json.dumps(trigger, separators=(",", ":"), sort_keys=True) + ".n_clicks"])


def poll(client, app, job):
    key = _key(app, f"{ids.SNAP_FILE}.data")
    return call(client, app, key,
                [{"id": ids.SNAP_POLL, "property": "n_intervals", "value": 1}],
                [{"id": ids.SNAP_JOB, "property": "data", "value": job}],
                [f"{ids.SNAP_POLL}.n_intervals"])


def upload(client, app, content: bytes, filename="view.json"):
    key = _key(app, f"{ids.VIEW_MESSAGE}.children")
    contents = "data:application/json;base64," + base64.b64encode(content).decode()
    return call(client, app, key,
                [{"id": ids.VIEW_UPLOAD, "property": "contents", "value": contents}],
                [{"id": ids.VIEW_UPLOAD, "property": "filename", "value": filename}],
                [f"{ids.VIEW_UPLOAD}.contents"])


def test_a_saved_view_opens_the_same_address(client, demo_app):
    state = view_state("finance", {"service": "DEMO002", "from": "2024-04", "to": "2024-06",
                                   "granularity": "quarter"})
    response = upload(client, demo_app, json.dumps(state).encode())
    body = response.get_json()["response"]
    assert body[ids.PAGES_LOCATION]["href"] == state["url"]


@pytest.mark.parametrize("content, reason", [
    (b"%PDF-1.7 not a view", "not JSON"),
    (b"{" * 150_000, "too big"),
    (b'{"a":' * 15_000 + b"1" + b"}" * 15_000, "not JSON"),  # nested too deep
    (b'{"shelfmark_view": 1, "page": "../admin"}', "names no page"),
    (b'{"hello": "world"}', "no 'shelfmark_view'"),
])
def test_a_file_that_is_not_a_view_is_refused_with_the_reason(client, demo_app, content,
                                                               reason):
    response = upload(client, demo_app, content, filename="<b>evil</b>.json")
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert ids.PAGES_LOCATION not in body
    text = json.dumps(body[ids.VIEW_MESSAGE]["children"])
    assert reason in text and "Traceback" not in text


def test_a_forged_format_or_page_is_refused(client, demo_app):
    for fmt, page in (("exe", "finance"), ("pdf", "../../etc/passwd"), ("pdf", None)):
        response = start(client, demo_app, fmt, page=page)
        assert response.status_code == 200
        body = response.get_json()["response"]
        assert body[ids.SNAP_JOB]["data"] is None
        assert "could not be made" in json.dumps(body[ids.SNAP_STATUS]["children"])


@pytest.mark.parametrize("job", [None, "x", {"id": "../../etc"}, {"id": "A" * 30},
                                 {"id": ["list"]}, {"id": "B" * 30, "format": "<script>"}])
def test_forged_job_references_never_crash(client, demo_app, job):
    response = poll(client, demo_app, job)
    assert response.status_code in (200, 204)
    if response.status_code == 200:
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "<script>" not in text


@pytest.mark.parametrize("token", ["nothing", "A" * 40, "%3Cscript%3E"])
def test_unknown_file_tokens_get_a_plain_404(client, token):
    response = client.get(f"/download/snapshot/{token}")
    assert response.status_code == 404
    assert "no longer available" in response.get_data(as_text=True)
    assert response.mimetype == "text/plain"


def test_a_path_through_the_file_route_serves_no_file(client):
    response = client.get("/download/snapshot/..%2F..%2Fapp.py")
    assert "def create_app" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query, status, words", [
    ("url=/admin&format=pdf", 400, "not a page"),
    ("url=/finance%3Fservice%3DNOPE&format=csv", 404, "no service 'NOPE'"),
    ("url=/finance&format=exe", 400, "Unknown format"),
    ("format=pdf", 400, "address"),
])
def test_the_direct_route_refuses_bad_requests(client, query, status, words):
    response = client.get(f"/download/snapshot?{query}")
    assert response.status_code == status
    assert words in response.get_data(as_text=True)


def test_executive_filters_become_an_address(client, demo_app):
    key = _key(demo_app, f"{ids.PAGES_LOCATION}.href", ids.EXEC_SERVICE)
    inputs = [{"id": ids.EXEC_SERVICE, "property": "value", "value": "DEMO002"},
              {"id": ids.EXEC_FROM, "property": "value", "value": "2024-04"},
              {"id": ids.EXEC_TO, "property": "value", "value": "2025-03"},
              {"id": ids.EXEC_PEERS, "property": "value", "value": "sector:=;source:=;nn:10"}]
    shown = {"id": ids.URL_SEARCH, "property": "data",
             "value": "?service=DEMO001&from=2024-04&to=2025-03"}
    body = call(client, demo_app, key, inputs, [shown],
                changed=[f"{ids.EXEC_PEERS}.value"]).get_json()
    href = body["response"][ids.PAGES_LOCATION]["href"]
    assert href.startswith("/executive?service=DEMO002&from=2024-04&to=2025-03&peers=")
    junk = [{"id": i["id"], "property": "value", "value": v} for i, v in
            zip(inputs, [{"$ne": 1}, ["2024-04"], "x" * 50_000, "sector:<script>"])]
    response = call(client, demo_app, key, junk, [shown],
                    changed=[f"{ids.EXEC_SERVICE}.value"])
    assert response.status_code in (200, 204)
    if response.status_code == 200:
        href = response.get_json()["response"][ids.PAGES_LOCATION]["href"]
        assert href.startswith("/executive") and "<script>" not in href


def test_executive_page_shows_figures_targets_and_provenance(demo_app):
    from layouts.executive import layout

    with demo_app.server.test_request_context("/executive"):
        tree = layout(service="DEMO001", peers="sector:=;source:=",
                      **{"from": "2024-04", "to": "2025-03"})
    text = json.dumps(tree.to_plotly_json(), default=lambda o: o.to_plotly_json())
    assert "Executive summary: 2024/25" in text
    assert "Data as of" in text and "Demo data (synthetic)" in text
    assert "Target " in text and "Peer median" in text
    assert "exec-searches" in text and "Show data" in text and "aria-label" in text


def wait_for_job(client, app, job, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = poll(client, app, job).get_json()["response"]
        if ids.SNAP_FILE in body and body[ids.SNAP_FILE]["data"] is not None:
            return body[ids.SNAP_FILE]["data"], body
        if ids.SNAP_FILE in body:  # finished without a file: failed
            return None, body
        time.sleep(0.3)
    raise AssertionError("the snapshot job did not finish")


def test_download_menu_makes_a_pdf_in_the_background(client, demo_app):
    import io

    from pypdf import PdfReader

    body = start(client, demo_app, "pdf").get_json()["response"]
    job = body[ids.SNAP_JOB]["data"]
    assert body[ids.SNAP_POLL]["disabled"] is False
    assert "Preparing the PDF" in json.dumps(body[ids.SNAP_STATUS]["children"])
    href, final = wait_for_job(client, demo_app, job)
    assert href and href.startswith("/download/snapshot/"), final
    assert "is ready" in json.dumps(final[ids.SNAP_STATUS]["children"])
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Finance: 2024/25" in text and "Apr 2024 to Mar 2025" in text
    # the link that re-opens the view is whole: the address this request came to
    assert "http://localhost/finance?service=DEMO001" in text.replace("\n", "")


@pytest.mark.parametrize("fmt, media, magic", [
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ("csv", "text/csv", b"\xef\xbb\xbf"),
    ("html", "text/html", b"<!DOCTYPE html>"),
])
def test_the_direct_route_gives_the_same_files(client, fmt, media, magic):
    from urllib.parse import quote

    response = client.get(f"/download/snapshot?format={fmt}&url="
                          + quote("/executive?service=DEMO002&from=2024-04&to=2025-03"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media and response.data.startswith(magic)
    assert response.headers["Content-Type"].count("charset") <= 1
    assert "DEMO002" in response.headers["Content-Disposition"]


def test_zip_bundle_reopens_the_same_view(client, demo_app):
    import io
    import zipfile

    search = "?service=DEMO003&from=2024-04&to=2024-09&granularity=quarter"
    body = start(client, demo_app, "zip", page="activity", search=search).get_json()
    href, final = wait_for_job(client, demo_app, body["response"][ids.SNAP_JOB]["data"], 240)
    assert href, final
    bundle = zipfile.ZipFile(io.BytesIO(client.get(href).data))
    names = bundle.namelist()
    for suffix in (".pdf", ".pptx", ".png", ".html", ".xlsx", ".csv"):
        assert any(n.endswith(suffix) and "/" not in n for n in names), suffix
    state = json.loads(bundle.read("view.json"))
    assert state["url"] == "/activity" + search
    reopened = upload(client, demo_app, bundle.read("view.json")).get_json()["response"]
    assert reopened[ids.PAGES_LOCATION]["href"] == "/activity" + search


def test_the_view_already_shown_is_not_reloaded(client, demo_app):
    """The page's controls fire when they are drawn: that must not reload the page (which
    would lose its notes about a link's ignored values)."""
    key = _key(demo_app, f"{ids.PAGES_LOCATION}.href", ids.EXEC_SERVICE)
    values = {ids.EXEC_SERVICE: "DEMO002", ids.EXEC_FROM: "2024-04", ids.EXEC_TO: "2025-03",
              ids.EXEC_PEERS: "sector:=;source:=;size:q5"}
    inputs = [{"id": k, "property": "value", "value": v} for k, v in values.items()]
    shown = {"id": ids.URL_SEARCH, "property": "data",
             "value": "?service=DEMO002&from=2024-04&to=2025-03"}
    response = call(client, demo_app, key, inputs, [shown],
                    changed=[f"{ids.EXEC_SERVICE}.value"])
    assert response.status_code in (200, 204)
    if response.status_code == 200:  # Dash answers no_update with an empty response
        assert response.get_json()["response"] == {}


def test_a_peer_group_link_with_nothing_usable_falls_back_to_similar_services(demo_ctx):
    from dashboard.benchmarking.view import DEFAULT_PEERS
    from dashboard.executive import parse_executive_state

    state = parse_executive_state({"service": "DEMO001", "peers": "junk"})
    assert state.peers == DEFAULT_PEERS
    assert any("Nothing usable" in p for p in state.view.problems)


def test_snapshot_command_refuses_what_it_cannot_show(tmp_path):
    from test_docs_and_cli import run_cli

    url = f"sqlite:///{tmp_path}/cli.db"
    assert run_cli("seed-demo", "--services", "3", "--years", "2",
                   database_url=url).returncode == 0
    unknown = run_cli("snapshot", "--url", "/finance?service=NOPE", "-o",
                      str(tmp_path / "x.csv"), database_url=url)
    assert unknown.returncode == 1 and "no service 'NOPE'" in unknown.stderr
    assert not (tmp_path / "x.csv").exists()
    page = run_cli("snapshot", "--url", "/admin", "--format", "csv", database_url=url)
    assert page.returncode == 2 and "not a page" in page.stderr
    clash = run_cli("snapshot", "--url", "/finance", "--format", "pdf", "-o", "x.png",
                    database_url=url)
    assert clash.returncode == 2 and "does not match" in clash.stderr
    state = tmp_path / "view.json"
    state.write_text(json.dumps(view_state("executive", {"service": "DEMO002"})))
    made = run_cli("snapshot", "--state", str(state), "-o", str(tmp_path / "summary.xlsx"),
                   database_url=url)
    assert made.returncode == 0, made.stderr
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "summary.xlsx")
    about = " ".join(str(c.value) for row in book["About"].iter_rows() for c in row)
    assert "DEMO002" in about and "Executive summary" in about
