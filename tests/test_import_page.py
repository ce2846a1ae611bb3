"""The Import and Data quality pages' callbacks, called as Dash calls them, with hostile input."""

from __future__ import annotations

import base64
import json
import time

import pytest

from callbacks import importing as cb, quality as qcb
from dashboard import demo
from dashboard.db import ANONYMOUS, Database


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from app import create_app

    path = tmp_path_factory.mktemp("import-app") / "demo.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    demo.seed_demo(db, ANONYMOUS, seed=20240401, n_services=3)
    db.dispose()
    return create_app({"DATABASE_URL": f"sqlite:///{path}", "CACHE_TYPE": "NullCache",
                       "IMPORT_MAX_MB": 1})


@pytest.fixture
def request_ctx(demo_app):
    with demo_app.server.test_request_context("/_dash-update-component", method="POST"):
        yield demo_app


def data_url(content: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(content).decode()


def text_of(component) -> str:
    return json.dumps(component.to_plotly_json() if hasattr(component, "to_plotly_json")
                      else component,
                      default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json")
                      else str(o))


def run_job(job_ref):
    for _ in range(400):
        result = cb.poll(1, job_ref)
        if result[1] is True:  # polling stopped: finished
            return result
        time.sleep(0.025)
    raise AssertionError("job did not finish")


GOOD = b"service,metric,period,value\nDEMO001,searches,2031-04,10\nDEMO001,searches,2031-05,11\n"


def test_upload_check_confirm(request_ctx):
    info, status, described, sheet_options, sheet, style = cb.receive_upload(
        {"contents": data_url(GOOD), "filename": "C:\\Users\\me\\figures.csv"})
    assert info["filename"] == "figures.csv" and info["size"] == len(GOOD)
    assert style == {"display": "none"} and sheet_options == []
    job, poll_disabled, _, confirm_disabled, _ = cb.start_check(info, "auto", None, False)
    assert poll_disabled is False and confirm_disabled is True
    view, stopped, confirm_disabled, label, _ = run_job(job)
    assert "no problems found" in text_of(view)
    assert confirm_disabled is False and label == "Import: add 2 figures"
    job, *_ = cb.start_import(1, info, "auto", None, False)
    view, stopped, confirm_disabled, label, recent = run_job(job)
    assert "Imported as batch" in text_of(view)
    assert "figures.csv" in text_of(recent)
    # The same file again changes nothing, and the page says so.
    job, *_ = cb.start_check(info, "auto", None, False)
    view, _, confirm_disabled, _, _ = run_job(job)
    assert "would change nothing" in text_of(view) and confirm_disabled is True


def test_problems_are_listed_and_block_the_import(request_ctx):
    bad = b"service,metric,period,value\nDEMO001,searches,2031-04,lots\nDEMO009,searches,2031-04,1\n"
    info = cb.receive_upload({"contents": data_url(bad), "filename": "bad.csv"})[0]
    job = cb.start_check(info, "auto", None, False)[0]
    view, stopped, confirm_disabled, label, _ = run_job(job)
    shown = text_of(view)
    assert "Nothing was imported" in shown
    assert "lots" in shown and "not a number" in shown
    assert "DEMO009" in shown
    assert confirm_disabled is True


@pytest.mark.parametrize("payload", [
    None, "x", 3, [], {"contents": 5, "filename": "a.csv"},
    {"contents": "not a data url", "filename": "a.csv"},
    {"contents": "data:text/csv;base64,@@@@", "filename": "a.csv"},
    {"contents": data_url(GOOD), "filename": None},
    {"contents": data_url(GOOD), "filename": "x" * 1000},
])
def test_hostile_upload_payloads_get_a_message_not_a_crash(request_ctx, payload):
    result = cb.receive_upload(payload)
    info = result[0]
    assert info is None or info is cb.no_update
    if info is None:
        assert "Alert" in text_of(result[1])


def test_oversized_upload_is_refused_before_decoding(request_ctx):
    big = data_url(b"a" * (2 * 1024 * 1024))
    info, alert, *_ = cb.receive_upload({"contents": big, "filename": "big.csv"})
    assert info is None
    assert "over the 1 MB limit" in text_of(alert)


@pytest.mark.parametrize("forged", [
    {"token": "../../../etc/passwd"}, {"token": "A" * 32}, {"token": None}, "token", 7,
])
def test_forged_tokens_and_job_ids_reveal_nothing(request_ctx, forged):
    result = cb.start_check(forged, "auto", None, False)
    assert result[0] in (None, cb.no_update)
    result = cb.start_import(1, forged, "auto", None, False)
    assert result[0] in (None, cb.no_update)
    view = cb.poll(1, {"id": "A" * 24})[0]
    assert "no longer known" in text_of(view)
    assert cb.poll(1, "nonsense")[1] is True


def test_options_are_validated(request_ctx):
    info = cb.receive_upload({"contents": data_url(GOOD), "filename": "g.csv"})[0]
    job = cb.start_check(info, "../../evil", {"sheet": 1}, "yes")[0]
    view = run_job(job)[0]
    assert "no problems found" in text_of(view)  # unknown format: auto; junk flags: off


def test_undo_callbacks_refuse_junk(request_ctx):
    assert qcb.confirm_undo(1, "1; DROP TABLE observation", "DEMO001")[0] is qcb.no_update
    assert qcb.confirm_undo(1, True, "DEMO001")[0] is qcb.no_update
    message = qcb.confirm_undo(1, 99999, "DEMO001")[0]
    assert "there is no import batch 99999" in text_of(message)
    assert qcb.show_service({"$ne": 1}) == (qcb.no_update, qcb.no_update)
    body, search = qcb.show_service("NOPE")
    assert "Choose a library service" in text_of(body) and search == "?service=NOPE"


def test_pages_render(demo_app):
    client = demo_app.server.test_client()
    for path in ("/import", "/data-quality", "/data-quality?service=DEMO002",
                 "/data-quality?service=%3Cscript%3E", "/definitions"):
        response = client.get(path)
        assert response.status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200


def test_confirm_label_and_preview_wording_agree_in_number():
    from layouts.importing import confirm_label, preview_view

    assert confirm_label({"added": 1, "replaced": 1}) == "Import: add 1 figure and replace 1 figure"
    assert confirm_label({"added": 0, "replaced": 3}) == "Import: replace 3 figures"
    assert confirm_label({"added": 0, "replaced": 0}) == "Import"
    result = {"format": "ace", "rows": 1, "added": 1, "replaced": 0, "unchanged": 0,
              "services_created": ["E1"], "neighbours": 1, "batch_id": None}
    assert "Will create 1 new service: E1." in text_of(preview_view(result))
    assert "Will store 1 nearest-neighbour link." in text_of(preview_view(result))
    assert "1 new service: E1." in text_of(preview_view(result, committed=True))


def test_future_periods_are_a_warning_in_the_preview(request_ctx):
    info = cb.receive_upload({"contents": data_url(GOOD), "filename": "later.csv"})[0]
    view = run_job(cb.start_check(info, "auto", None, False)[0])[0]
    assert "2 figures are for periods after this month (first: service DEMO001, metric " \
        "searches, 2031-04); check the dates" in text_of(view)


@pytest.mark.parametrize("link, note", [
    ("BAD", "No service with code 'BAD' is available; showing the first service instead."),
    ("<script>", "The service code in the link is not valid and was ignored."),
])
def test_quality_page_says_a_link_code_was_ignored(request_ctx, link, note):
    from layouts.pages import quality_page

    page = text_of(quality_page(service=link))
    assert note in page
    assert "synthetic-banner" in page  # the first service, shown instead, is demo data


def test_quality_page_shows_the_demo_data_banner(request_ctx):
    from layouts.pages import quality_page

    page = text_of(quality_page(service="DEMO002"))
    assert "synthetic-banner" in page and "Demo data (synthetic). " in page
    assert "is available" not in page
    body, _ = qcb.show_service("DEMO003")  # choosing another service keeps the banner
    assert "synthetic-banner" in text_of(body)


def test_the_banner_is_for_synthetic_data_only():
    from types import SimpleNamespace

    from layouts.components import service_banner

    assert service_banner(None) is None
    assert service_banner(SimpleNamespace(synthetic=False)) is None
    assert "Demo data (synthetic)" in text_of(service_banner(SimpleNamespace(synthetic=True)))


def stored_counts(app) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from dashboard.context import EXTENSION_KEY
    from dashboard.db.models import ImportBatch, Observation, Service

    with app.server.extensions[EXTENSION_KEY].db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (Observation, Service, ImportBatch))


def _imls_cut_short() -> bytes:
    """The FY2015 IMLS fixture with its file ending 55 fields into its last row (row 7)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / "fixtures" / "imls" / "pls_fy2015_pupld15a.csv"
    lines = path.read_bytes().split(b"\r\n")
    assert lines[-1] == b"" and len(lines[0].split(b",")) == 154
    return b"\r\n".join(lines[:-2] + [b",".join(lines[-2].split(b",")[:55])])


@pytest.mark.parametrize("filename, content, row, said", [
    ("pls_fy2015_pupld15a.csv", _imls_cut_short(), 7,
     "this row has 55 fields but the header (row 1) has 154: the row is cut short, and its "
     "last 99 cells would be read as blank; the file ends in it"),
    ("figures.csv", GOOD.replace(b"2031-05,11\n", b"2031-05\n"), 3,
     "this row has 3 fields but the header (row 1) has 4: the row is cut short"),
    ("figures.csv", GOOD.replace(b"2031-04,10\n", b"2031-04,1,000\n"), 2,
     "this row has 5 fields but the header (row 1) has 4: column E (the 5th) is beyond the "
     "header"),
], ids=["imls last row cut short", "template middle row cut short", "template field too many"])
def test_an_upload_with_a_row_cut_short_or_too_long_is_refused_and_stores_nothing(
        request_ctx, filename, content, row, said):
    before = stored_counts(request_ctx)
    info = cb.receive_upload({"contents": data_url(content), "filename": filename})[0]
    view, stopped, confirm_disabled, label, _ = run_job(cb.start_check(info, "auto", None,
                                                                       False)[0])
    shown = text_of(view)
    assert "Nothing was imported: 1 problem to fix in the file." in shown
    assert said in shown and f'"row": {row}, "column": ""' in shown
    assert stopped is True and confirm_disabled is True and label == "Import"
    # Confirming anyway (the button is disabled; a forged click) imports nothing either.
    view = run_job(cb.start_import(1, info, "auto", None, False)[0])[0]
    assert "Nothing was imported" in text_of(view) and said in text_of(view)
    assert stored_counts(request_ctx) == before
