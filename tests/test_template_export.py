"""The import template follows the catalogue; exports use its layouts and are spreadsheet-safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import load_tiny
from dashboard.catalogue import CATALOGUE
from dashboard.db.access import ANONYMOUS
from dashboard.exporting import export_csv, export_data, export_xlsx, format_period
from dashboard.importing.template import (LONG_COLUMNS, neutralise, template_columns, template_csv,
                                          template_format, template_xlsx, unneutralise)
from dashboard.settings import load_config

ROOT = Path(__file__).resolve().parent.parent


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel keeps the pound sign
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_templates_are_generated_from_the_catalogue():
    assert read_csv(template_csv("long")) == [list(LONG_COLUMNS)]
    wide = read_csv(template_csv("wide"))[0]
    assert wide[:2] == ["service", "period"] and wide[-2:] == ["team", "note"]
    assert wide[2:-2] == [m.code for m in CATALOGUE.stored]
    public = template_columns("wide", sector="public")
    assert "pls_circulation" in public and "searches" not in public


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_xlsx_template_lists_every_metric(layout):
    book = load_workbook(io.BytesIO(template_xlsx(layout)))
    assert book.sheetnames == ["Data", "Metrics", "Guide"]
    header = [c.value for c in next(book["Data"].iter_rows(max_row=1))]
    assert header == template_columns(layout)
    rows = list(book["Metrics"].iter_rows(values_only=True))
    assert rows[0][:4] == ("code", "name", "category", "unit")
    listed = {r[0]: r for r in rows[1:] if r and r[0]}
    for metric in CATALOGUE.stored:
        code, name, _category, unit = listed[metric.code][:4]
        assert name == metric.name
        assert unit.startswith(metric.unit)
        assert listed[metric.code][7] == metric.definition
    for derived in CATALOGUE.derived:  # listed, marked as computed
        assert derived.code in listed
        assert "do not import" in listed[derived.code][8]


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "'=already"])
def test_formula_like_text_is_neutralised_and_reversible(text):
    safe = neutralise(text)
    assert safe.startswith("'")
    assert unneutralise(safe) == text
    assert neutralise("plain text") == "plain text"


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "service": ["=HYPERLINK(\"http://x\")", "@SUM(1)"],
        "metric": ["searches", "searches"],
        "period_type": ["month", "month"],
        "period_start": [dt.date(2023, 4, 1), dt.date(2023, 5, 1)],
        "value": [-0.0 + 12.0, 1234.5],
        "team": ["+team", "-team"],
        "note": ["=cmd|' /C calc'!A0", "ok"],
    })


def test_csv_export_neutralises_text_but_keeps_numbers():
    rows = read_csv(export_csv(hostile_frame(), "long", config=load_config()))
    assert rows[0] == list(LONG_COLUMNS)
    first, second = rows[1], rows[2]
    assert first[0] == "'=HYPERLINK(\"http://x\")" and second[0] == "'@SUM(1)"
    assert first[4] == "'+team" and second[4] == "'-team"
    assert first[5].startswith("'=cmd")
    assert first[3] == "12" and second[3] == "1234.5"  # numbers stay numbers
    assert first[2] == "2023-04"


def test_xlsx_export_neutralises_text_cells():
    book = load_workbook(io.BytesIO(export_xlsx(hostile_frame(), "long", config=load_config())))
    data = list(book["Data"].iter_rows(values_only=True))
    assert data[1][0] == "'=HYPERLINK(\"http://x\")"
    assert data[1][3] == 12 and data[2][3] == 1234.5
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in data for v in row)


def test_periods_are_written_as_the_template_reads_them():
    assert format_period("month", dt.date(2023, 4, 1), 4) == "2023-04"
    assert format_period("quarter", dt.date(2023, 7, 1), 4) == "2023/24 Q2"
    assert format_period("year", dt.date(2023, 4, 1), 4) == "2023/24"
    assert format_period("year", dt.date(2016, 7, 1), 7) == "2016/17"


def test_export_of_stored_figures(tiny_db):
    content, name = export_data(tiny_db, ANONYMOUS, "wide", "csv", service_codes=["TINY1"],
                                config=load_config(), today=dt.date(2024, 5, 1))
    assert name == "shelfmark-export-TINY1-wide-20240501.csv"
    rows = read_csv(content)
    header = rows[0]
    by_period = {r[1]: dict(zip(header, r)) for r in rows[1:]}
    assert len(by_period) == 24
    assert by_period["2023-06"]["searches"] == ""  # missing stays blank, never zero
    assert by_period["2023-07"]["searches"] == "7"
    assert by_period["2023-01"]["staff_qualified_wte"] == "3"
    public, _ = export_data(tiny_db, ANONYMOUS, "long", "csv", service_codes=["PUB1"],
                            config=load_config())
    assert ["PUB1", "visits", "2022/23", "1000", "", ""] in read_csv(public)


def test_download_routes(tiny_db):
    from app import create_app

    app = create_app({"DATABASE_URL": tiny_db.url, "CACHE_TYPE": "NullCache"})
    try:
        client = app.server.test_client()
        response = client.get("/download/template?layout=wide&format=xlsx")
        assert response.status_code == 200
        assert "shelfmark-template-wide.xlsx" in response.headers["Content-Disposition"]
        assert load_workbook(io.BytesIO(response.data)).sheetnames == ["Data", "Metrics", "Guide"]
        csv_response = client.get("/download/template?layout=long&format=csv")
        assert read_csv(csv_response.data) == [list(LONG_COLUMNS)]
        for bad in ("layout=tall", "format=exe", "sector=<script>", "layout=long&format=../x"):
            refused = client.get(f"/download/template?{bad}")
            assert refused.status_code == 400
            assert b"Traceback" not in refused.data
        export = client.get("/download/export?service=TINY1&layout=long&format=csv")
        assert export.status_code == 200
        assert ["TINY1", "searches", "2023-07", "7", "", ""] in read_csv(export.data)
        assert client.get("/download/export?service=NOPE").status_code == 404
        assert client.get("/download/export?service=" + "x" * 500).status_code == 400
    finally:
        app.server.extensions["shelfmark"].db.dispose()  # no connection left to the collector


def run_cli(*args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)


def test_cli_template_and_export(sqlite_db, tmp_path):
    load_tiny(sqlite_db)
    url = sqlite_db.url
    out = tmp_path / "t.xlsx"
    made = run_cli("template", "--layout", "wide", "--format", "xlsx", "-o", str(out),
                   database_url=url)
    assert made.returncode == 0, made.stderr
    assert load_workbook(out).sheetnames == ["Data", "Metrics", "Guide"]
    printed = run_cli("template", "--format", "csv", database_url=url)
    assert read_csv(printed.stdout) == [list(LONG_COLUMNS)]
    exported = run_cli("export", "--service", "TINY1", "--from", "2023-07", "--to", "2023-07",
                       database_url=url)
    assert exported.returncode == 0, exported.stderr
    rows = read_csv(exported.stdout)
    assert ["TINY1", "searches", "2023-07", "7", "", ""] in rows
    assert {r[2] for r in rows[1:]} == {"2023-07"}
    unknown = run_cli("export", "--service", "NOPE", database_url=url)
    assert unknown.returncode == 1 and b"no service 'NOPE'" in unknown.stderr
    bad_month = run_cli("export", "--from", "July", database_url=url)
    assert bad_month.returncode == 2 and b"YYYY-MM" in bad_month.stderr


@pytest.mark.parametrize("requested, output, expected", [
    (None, None, "csv"), (None, "-", "csv"), (None, "t.csv", "csv"), (None, "T.XLSX", "xlsx"),
    (None, "dir.v2/t.xlsx", "xlsx"), ("xlsx", None, "xlsx"), ("csv", "t.csv", "csv"),
    ("xlsx", "t.xls", "xlsx"), ("csv", "template", "csv"),
])
def test_template_format_follows_the_file_name_unless_given(requested, output, expected):
    assert template_format(requested, output) == expected


@pytest.mark.parametrize("requested, output, message", [
    ("csv", "t.xlsx", "--format csv does not match the file name 't.xlsx', which is XLSX"),
    ("xlsx", "t.csv", "--format xlsx does not match the file name 't.csv', which is CSV"),
    (None, "t.xls", "cannot tell the format from the file name 't.xls'"),
])
def test_template_format_refuses_a_mismatch(requested, output, message):
    with pytest.raises(ValueError, match=message):
        template_format(requested, output)


def test_cli_template_format_from_the_output_name(sqlite_db, tmp_path):
    url = sqlite_db.url
    printed = run_cli("template", database_url=url)  # no -o: CSV on standard output
    assert printed.returncode == 0 and read_csv(printed.stdout) == [list(LONG_COLUMNS)]
    xlsx = tmp_path / "t.xlsx"
    assert run_cli("template", "-o", str(xlsx), database_url=url).returncode == 0
    assert load_workbook(xlsx).sheetnames == ["Data", "Metrics", "Guide"]
    text = tmp_path / "t.csv"
    assert run_cli("template", "--layout", "wide", "-o", str(text), database_url=url) \
        .returncode == 0
    assert read_csv(text.read_bytes())[0][:2] == ["service", "period"]
    wrong = tmp_path / "x.xlsx"
    refused = run_cli("template", "--format", "csv", "-o", str(wrong), database_url=url)
    assert refused.returncode == 2 and not wrong.exists()
    assert b"No template written: --format csv does not match the file name" in refused.stderr
