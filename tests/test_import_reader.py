"""Reading uploads: what real spreadsheets hold is accepted, anything else refused clearly."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import numpy as np
import pytest
from openpyxl import Workbook

from dashboard.catalogue import CATALOGUE
from dashboard.importing import ImportFailed
from dashboard.importing.detect import detect_format
from dashboard.importing.reader import list_sheets, read_table
from dashboard.importing.shelfmark import parse_shelfmark
from dashboard.importing.template import template_xlsx
from dashboard.settings import load_config

MAX = 10 * 1024 * 1024


def read(data: bytes, filename: str = "figures.csv", **kwargs):
    kwargs.setdefault("max_bytes", MAX)
    return read_table(data, filename, **kwargs)


def refused(data: bytes, filename: str = "figures.csv", **kwargs) -> str:
    """Return the reasons an input is refused, joined, asserting it is refused."""
    with pytest.raises(ImportFailed) as failed:
        read(data, filename, **kwargs)
    return " | ".join(str(p) for p in failed.value.problems)


def cells(table) -> list[list[str]]:
    return table.frame.to_numpy(dtype=object).tolist()


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_zip(data: bytes, path: str, change) -> bytes:
    """Rewrite one part of an XLSX package (to add what openpyxl cannot write)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == path else content)
    return out.getvalue()


# --- files that are not figures at all ----------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_empty_file(data):
    assert "the file is empty" in refused(data)


@pytest.mark.parametrize("data", [b"service,metric,period,value\r\n",
                                  b"service,metric,period,value\n,,,\n\n"])
def test_header_only(data):
    message = refused(data)
    assert "row 1" in message and "header row but no rows of figures" in message


def test_over_the_size_limit_says_size_limit_and_setting():
    message = refused(b"service,value\n" + b"A,1\n" * 400_000, max_bytes=1024 * 1024)
    assert "1.5 MB" in message and "1.0 MB limit" in message and "IMPORT_MAX_MB" in message


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
    (b"GIF89a\x01\x00\x01\x00", "GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "save it as .xlsx"),
    (b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>", "web page"),
])
def test_not_a_spreadsheet(data, words):
    message = refused(data, "figures.xls")
    assert words in message
    assert "CSV" in message or ".xlsx" in message


def test_old_excel_says_save_as_xlsx_or_csv():
    message = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), "return.xls")
    assert ".xls" in message and "save it as .xlsx" in message and "CSV" in message


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("figures.csv", "service,value\nA,1\n")
    assert "ZIP archive, not an .xlsx" in refused(buffer.getvalue(), "figures.zip")


def test_word_document_is_named():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word document" in refused(buffer.getvalue(), "report.docx")


@pytest.mark.parametrize("data", [
    b"service,value\x00\x00\x01\x02\x03" * 50,         # NUL bytes
    bytes(range(1, 32)) * 200,                           # control characters
    np.random.default_rng(4).bytes(5000),                # random binary
])
def test_binary_junk(data):
    assert "binary data" in refused(data) or "not a spreadsheet" in refused(data)


def test_damaged_xlsx():
    good = workbook({"Data": [["service", "value"], ["A", 1]]})
    assert "damaged" in refused(good[: len(good) // 2], "figures.xlsx")
    broken = patch_zip(good, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    message = refused(broken, "figures.xlsx")
    assert "damaged" in message and "save it again" in message


def test_missing_sheet_lists_the_sheets():
    data = workbook({"Notes": [["x"]], "Figures": [["service", "value"], ["A", 1]]})
    message = refused(data, "figures.xlsx", sheet="Fgures")
    assert "no sheet 'Fgures'" in message and "'Notes', 'Figures'" in message


def test_duplicate_header_names():
    message = refused(b"service,value,Value,value\nA,1,2,3\n")
    assert "names 'value' twice" in message and "columns B and D" in message


def test_data_under_a_blank_header_names_the_column_letter():
    message = refused(b"service,,value\nA,,1\nB,7,2\n")
    assert "column B (the 2nd)" in message and "row 3" in message and "'7'" in message
    # more cells than the header has: the column beyond it is named too
    message = refused(b"service,value\nA,1\nB,2,oops\n")
    assert "column C (the 3rd)" in message and "row 3" in message


def problems(data: bytes, filename: str = "figures.csv") -> list:
    with pytest.raises(ImportFailed) as failed:
        read(data, filename)
    return failed.value.problems


def test_a_last_row_cut_short_is_refused_not_padded_with_blanks():
    header = ",".join(f"c{i}" for i in range(159))
    full = ",".join(str(i) for i in range(159))
    cut = ",".join(str(i) for i in range(55))  # the file ends in the middle of its last row
    [problem] = problems(f"{header}\r\n{full}\r\n{full}\r\n{cut}".encode())
    assert problem.row == 4 and problem.column is None
    assert problem.reason == (
        "this row has 55 fields but the header (row 1) has 159: the row is cut short, and its "
        "last 104 cells would be read as blank; the file ends in it: the file was probably not "
        "copied, downloaded or saved completely")
    assert str(problem).startswith("row 4: this row has 55 fields")


def test_a_middle_row_cut_short_and_a_row_with_a_field_too_many_are_refused():
    found = problems(b"service,metric,period,value\nA,searches,2023-04,1\nA,searches\n"
                     b"A,searches,2023-06,3\nA,searches,2023-07,1,234\n\nA,searches,2023-08\n")
    assert [(p.row, p.value) for p in found] == [(3, None), (5, "234"), (7, None)]
    assert found[0].reason == (
        "this row has 2 fields but the header (row 1) has 4: the row is cut short, and its last "
        "2 cells would be read as blank; check the row in the file and complete it")
    assert found[1].reason == (
        "this row has 5 fields but the header (row 1) has 4: column E (the 5th) is beyond the "
        "header; a delimiter too many (such as an unquoted comma inside a cell) shifts every "
        "cell after it")
    assert "its last cell would be read as blank; the file ends in it" in found[2].reason


def test_rows_are_counted_as_the_file_splits_them():
    # Quoted cells hold delimiters, quotes and line breaks; a row is named by its spreadsheet
    # row, and by its line in the file when a cell above it spans lines.
    data = (b'service,note,value\r\nA,"a, ""b""\r\nand c",1\r\nB,"x,y",2\r\nC,"z"\r\n'
            b'D,5" screen,4\r\nE,"q"\r\n')
    found = problems(data)
    assert [p.row for p in found] == [4, 6]
    assert found[0].reason.startswith(
        "this row (line 5 of the file) has 2 fields but the header (row 1) has 3")
    assert found[1].reason.startswith("this row (line 7 of the file) has 2 fields")
    # Leading blank lines and a title above the header shift the numbers; any delimiter.
    found = problems(b"\n\nPublic libraries\nservice,metric,value\nA,visits,1\nB,visits\n")
    assert [p.row for p in found] == [6]
    assert "but the header (row 4) has 3" in found[0].reason
    assert problems(b"service;metric;value\nA;visits\n")[0].row == 2
    assert problems(b"service\tvalue\tnote\nA\t1\tx\nB\t1\n")[0].row == 3


def test_blank_cells_at_the_end_of_a_row_are_not_a_field_too_many():
    table = read(b"service,value\r\nA,1,\r\nB,2, ,\r\n")
    assert cells(table) == [["A", "1"], ["B", "2"]]
    # a header with empty cells at its end names fewer columns than it has fields
    found = problems(b"service,value,,\r\nA,1,,\r\nB\r\nC,3,,x\r\n")
    assert [p.row for p in found] == [3, 4]
    assert "has 1 field but the header (row 1) names 2 columns" in found[0].reason
    assert "column D (the 4th) is beyond the header" in found[1].reason


def test_many_uneven_rows_are_listed_up_to_a_limit():
    data = b"service,metric,value\n" + b"A,searches\n" * 60 + b"A,searches,1\n"
    found = problems(data)
    assert len(found) == 51 and [p.row for p in found[:3]] == [2, 3, 4]
    assert found[-1].reason == "10 more rows have more or fewer fields than the header"


def test_unclosed_quote():
    message = refused(b'service,note\nA,"never closed\nB,x\n')
    assert "never closed" in message and "row 2" in message


# --- what real spreadsheets contain ----------------------------------------------------------


def test_utf8_with_and_without_bom():
    for data in ("\ufeffservice,value\r\nA,£1\r\n".encode(), "service,value\nA,£1\n".encode()):
        table = read(data)
        assert list(table.frame.columns) == ["service", "value"]
        assert cells(table) == [["A", "£1"]]
        assert table.encoding == "utf-8-sig" and not table.warnings


def test_windows_1252_keeps_the_pound_sign():
    table = read("service,note,value\r\nA,Café £,£1,234\r\n".encode("cp1252").replace(
        b"\xa31,234", b'"\xa31,234"'))
    assert cells(table) == [["A", "Café £", "£1,234"]]
    assert table.encoding == "cp1252"
    assert any("Windows-1252" in w.reason for w in table.warnings)


def test_latin1_when_not_windows_1252():
    table = read(b"service,note\nA,\x81caf\xe9\n")  # 0x81 is undefined in Windows-1252
    assert table.encoding == "latin-1" and cells(table) == [["A", "\x81café"]]


def test_utf16_from_excel_unicode_text():
    table = read("service\tvalue\r\nA\t£5\r\n".encode("utf-16"))
    assert table.delimiter == "\t" and cells(table) == [["A", "£5"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter):
    d = delimiter
    text = (f"service{d}metric{d}period{d}value{d}note\r\n"
            f'A{d}searches{d}2023-04{d}"1,5"{d}"a {d} b"\r\n'
            f'B{d}loans{d}2023-05{d}2{d}"two\r\nlines"\r\n')
    table = read(text.encode())
    assert table.delimiter == delimiter
    assert list(table.frame.columns) == ["service", "metric", "period", "value", "note"]
    assert cells(table) == [["A", "searches", "2023-04", "1,5", f"a {d} b"],
                            ["B", "loans", "2023-05", "2", "two\r\nlines"]]
    assert list(table.rows) == [2, 3]  # a cell over two lines is still one spreadsheet row


def test_semicolon_file_with_decimal_commas():
    table = read(b"service;period;value\nA;2023-04;1,5\nB;2023-05;2,25\n")
    assert table.delimiter == ";" and cells(table)[1] == ["B", "2023-05", "2,25"]


def test_lf_and_crlf_read_alike():
    lf = read(b"service,value\nA,1\nB,2\n")
    crlf = read(b"service,value\r\nA,1\r\nB,2\r\n")
    assert cells(lf) == cells(crlf) == [["A", "1"], ["B", "2"]]


def test_trailing_empty_rows_and_columns_are_dropped():
    table = read(b"service,value,,\r\nA,1,,\r\nB,2,,,\r\n,,,\r\n\r\n,,\r\n")
    assert list(table.frame.columns) == ["service", "value"]
    assert cells(table) == [["A", "1"], ["B", "2"]] and list(table.rows) == [2, 3]


def test_leading_blank_lines_and_blank_rows_keep_row_numbers():
    table = read(b"\n\n  \nservice,value\nA,1\n\n,\nB,2\n")
    assert table.header_row == 4
    assert list(table.rows) == [5, 8]
    assert cells(table) == [["A", "1"], ["B", "2"]]


def test_cells_and_headers_are_stripped():
    table = read(b" service , value \n  A  , 1 \n")
    assert list(table.frame.columns) == ["service", "value"] and cells(table) == [["A", "1"]]


def test_csv_with_a_sheet_chosen_warns():
    table = read(b"service,value\nA,1\n", sheet="Data")
    assert any("CSV file has no sheets" in w.reason for w in table.warnings)


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_takes_the_data_sheet_without_a_warning_for_the_template_sheets():
    data = workbook({"Guide": [["how to"]], "Data": [["service", "value"], ["A", 1]],
                     "Metrics": [["code"], ["searches"]]})
    assert list_sheets(data) == ["Guide", "Data", "Metrics"]
    table = read(data, "figures.xlsx")
    assert (table.kind, table.sheet, table.sheets) == ("xlsx", "Data", ["Guide", "Data",
                                                                        "Metrics"])
    assert cells(table) == [["A", "1"]] and not table.warnings


def test_xlsx_without_a_data_sheet_takes_the_first_with_figures_and_names_the_others():
    data = workbook({"Cover": [["Annual return"]], "Empty": [],
                     "Figures": [["service", "value"], ["A", 1]], "Other": [["x"], [1]]})
    table = read(data, "figures.xlsx")
    assert table.sheet == "Figures" and cells(table) == [["A", "1"]]
    (warning,) = table.warnings
    assert warning.severity == "warning"
    assert "'Cover', 'Empty', 'Other'" in warning.reason and "--sheet" in warning.reason
    assert "sheet chooser" in warning.reason


def test_xlsx_sheet_chosen_by_name():
    data = workbook({"Data": [["service", "value"], ["A", 1]],
                     "April": [["service", "value"], ["B", 2]]})
    table = read(data, "figures.xlsx", sheet="April")
    assert table.sheet == "April" and cells(table) == [["B", "2"]] and not table.warnings
    assert read(data, "figures.xlsx", sheet="april").sheet == "April"


def test_xlsx_cell_types_become_text_that_reads_back():
    data = workbook({"Data": [
        ["service", "period", "count", "share", "flag", "when"],
        ["A", dt.datetime(2023, 4, 1), 123, 0.1, True, dt.datetime(2023, 4, 1, 13, 5)],
        [None],
        ["B", dt.date(2023, 5, 1), 1e20, 1 / 3, False, None],
        ["C", "2023-06", 7.0, -2.5, None, None],
    ]})
    table = read(data, "figures.xlsx")
    assert cells(table) == [
        ["A", "2023-04-01", "123", "0.1", "TRUE", "2023-04-01 13:05:00"],
        ["B", "2023-05-01", "1e+20", repr(1 / 3), "FALSE", ""],
        ["C", "2023-06", "7", "-2.5", "", ""],
    ]
    assert list(table.rows) == [2, 4, 5]
    assert float(cells(table)[1][3]) == 1 / 3


def test_xlsx_leading_blank_rows_and_a_title_above_the_header():
    data = workbook({"Data": [[None], [None], ["service", "period", "value"],
                              ["A", "2023-04", 1]]})
    table = read(data, "figures.xlsx")
    assert table.header_row == 3 and list(table.rows) == [4] and not table.warnings
    data = workbook({"Data": [["Library figures 2023"], [None], ["service", "period", "value"],
                              ["A", "2023-04", 1]]})
    table = read(data, "figures.xlsx")
    assert table.header_row == 3 and cells(table) == [["A", "2023-04", "1"]]
    (warning,) = table.warnings
    assert "row 1 above the header looks like a title" in warning.reason
    # one name over two columns of figures is not a title: the unnamed column is reported
    assert "column B" in refused(b"service\nA,1\n")


def test_xlsx_formulas_use_their_saved_values():
    data = workbook({"Data": [["service", "value"], ["A", "=2+3"], ["B", 4]]})
    cached = patch_zip(data, "xl/worksheets/sheet1.xml",
                       lambda xml: xml.replace(b"<f>2+3</f><v></v>", b"<f>2+3</f><v>5</v>"))
    assert cells(read(cached, "figures.xlsx")) == [["A", "5"], ["B", "4"]]


def test_xlsx_formula_never_calculated_names_the_cell():
    data = workbook({"Data": [["service", "value"], ["A", 1], ["B", "=B2*2"]]})
    message = refused(data, "figures.xlsx")
    assert "cell B3" in message and "row 3" in message
    assert "open and save the workbook in Excel so its formulas have values" in message


def test_shelfmark_template_reads_as_header_only():
    message = refused(template_xlsx("long"), "template.xlsx")
    assert "no rows of figures" in message


def test_list_sheets_refuses_what_is_not_a_workbook():
    with pytest.raises(ImportFailed):
        list_sheets(b"service,value\nA,1\n")
    with pytest.raises(ImportFailed, match="damaged"):
        list_sheets(workbook({"Data": [["a"]]})[:200])


# --- format detection -------------------------------------------------------------------------


@pytest.mark.parametrize("columns, expected", [
    (["FSCSKEY", "LIBNAME", "STABR", "POPU_LSA"], "imls-pls"),
    (["fscskey", "libname", "stabr"], "imls-pls"),
    (["Authority", "Period", "Count"], "ace"),
    (["Authority code", "Authority name", "Visits"], "ace"),
    (["Upper tier local authority code", "Month", "Loans"], "ace"),
    (["service", "metric", "period", "value"], "shelfmark"),
    (["Service", "Metric", "Period", "Value", "Team", "Note"], "shelfmark"),
    (["service", "period", "searches", "loans"], "shelfmark"),
    (["Service", "Period", "Literature/evidence searches"], "shelfmark"),
    (["servce", "metric", "period", "value"], "shelfmark"),  # misspelt: its reader says so
    (["service", "period"], None),
    (["name", "address"], None),
    ([], None),
])
def test_detect_format(columns, expected):
    assert detect_format(columns, "x.csv") == expected


# --- speed --------------------------------------------------------------------------------------


def test_a_large_long_csv_reads_and_parses_quickly():
    metrics = [m.code for m in CATALOGUE.stored if "nhs" in m.sectors][:20]
    lines = ["service,metric,period,value"]
    for s in range(50):
        for year in range(2018, 2024):
            for month in range(1, 13):
                lines += [f"S{s:03d},{m},{year}-{month:02d},{(s * month) % 977}" for m in metrics]
    data = ("\n".join(lines) + "\n").encode()
    services = {f"S{s:03d}": "nhs" for s in range(50)}
    started = time.perf_counter()
    table = read(data, max_bytes=100 * 1024 * 1024)
    result = parse_shelfmark(table, catalogue=CATALOGUE, services=services,
                             config=load_config(environ={}), create_services=False)
    elapsed = time.perf_counter() - started
    assert len(result.observations) == 50 * 6 * 12 * 20 == 72_000
    assert elapsed < 5, f"{len(lines):,} rows took {elapsed:.1f} s"
