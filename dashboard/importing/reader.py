"""Read an uploaded CSV or XLSX file into a table of text cells, refusing what is not one.

`read_table` gives a `Table`: every cell as stripped text ("" when blank), the header names, and
for each data row the row number a spreadsheet shows (the header is row 1 unless blank rows
above it were skipped), so every later problem can say where it is. It accepts what real
spreadsheets hold (UTF-8 with or without a byte-order mark, Windows-1252, UTF-16; comma,
semicolon or tab delimiters; trailing empty rows and columns; workbooks with several sheets,
formulas, dates and booleans) and refuses, with a reason a person can act on, files that are
empty, too large, not a spreadsheet at all, or damaged. Nothing is half-read: a CSV row with
fewer fields than the header (a file cut short) or more (a delimiter too many) is refused, by
row, with both counts, rather than read with blank or shifted cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterator
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from . import ImportFailed, Problem
from .template import DATA_SHEET, GUIDE_SHEET, METRICS_SHEET

MB = 1024 * 1024
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_LINES = 50
SAMPLE_CHARS = 65536
# A workbook may expand to this many times the upload limit once unzipped (XLSX is XML
# compressed, typically 5-10 times); more is refused as a likely zip bomb.
MAX_EXPANSION = 40
FORMULA_CELLS_SHOWN = 50
UNEVEN_ROWS_SHOWN = 50  # rows with more or fewer fields than the header, listed one by one
MAX_TITLE_ROWS = 5  # rows of a single cell above the header, skipped as titles
REFERENCE_SHEETS = (METRICS_SHEET, GUIDE_SHEET)  # a template's sheets that are not data

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEADING_BLANK = re.compile(r"\A(?:[ \t]*(?:\r\n|\n|\r))+")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_UTF8_BOM = b"\xef\xbb\xbf"
_BLANK_BYTES = re.compile(rb"(?:\xef\xbb\xbf)?\s*\Z")
_SAVE_AS = "save it from its program as .xlsx or CSV (UTF-8) and import that"

# Magic bytes of files people upload by mistake.
_NOT_SPREADSHEETS = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Table:
    """A sheet of text cells read from a file, with where each row sits in the file.

    `frame` has one column per named header (names stripped, unique) and one row per non-blank
    data row; every cell is text stripped of surrounding spaces, "" when blank. `rows[i]` is the
    1-based spreadsheet row of frame row i.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    warnings: list[Problem] = field(default_factory=list)
    kind: str = "csv"                   # "csv" | "xlsx"
    sheet: str | None = None            # the sheet read (XLSX)
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook (XLSX)
    encoding: str | None = None         # the text encoding used (CSV)
    delimiter: str | None = None        # the delimiter found (CSV)
    header_row: int = 1                 # the spreadsheet row of the header


def _fail(reason: str, **where: Any) -> ImportFailed:
    return ImportFailed([Problem(reason, **where)])


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB // 10 else f"{n:,} bytes"


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str, *, sheet: str | None = None,
               max_bytes: int) -> Table:
    """Read a CSV or XLSX file's cells, or raise ImportFailed saying why it cannot be read."""
    if len(data) > max_bytes:
        raise _fail(f"the file is {_size(len(data))}, over the {_size(max_bytes)} limit for "
                    "imports (the IMPORT_MAX_MB setting sets it): split the file, or ask the "
                    "administrator to raise the limit")
    if _BLANK_BYTES.match(data):
        raise _fail("the file is empty: it holds no header row and no figures")
    kind = _kind(data, filename)
    if kind == "xlsx":
        return _read_xlsx(data, sheet, max_bytes)
    table = _read_csv(data)
    if sheet:
        table.warnings.append(Problem(f"sheet {sheet!r} was chosen, but a CSV file has no "
                                      "sheets: the whole file was read", severity="warning"))
    return table


def list_sheets(data: bytes) -> list[str]:
    """Return the sheet names of an XLSX workbook, in order, or raise ImportFailed."""
    archive = _open_zip(data)
    try:
        workbook_path = _workbook_path(archive)
        root = ElementTree.fromstring(archive.read(workbook_path))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError,
            RuntimeError, ValueError) as exc:
        raise _fail(f"the workbook is damaged and cannot be read ({exc}): open it in Excel, "
                    "save it again and import that") from None
    finally:
        archive.close()
    return [element.get("name", "") for element in root.iter()
            if _local(element.tag) == "sheet"]


# ---------------------------------------------------------------------------------------------
# What kind of file is it?
# ---------------------------------------------------------------------------------------------


def _kind(data: bytes, filename: str) -> str:
    """Return "xlsx" or "csv" from the file's first bytes, or raise for anything else."""
    head = data[:16]
    if head.startswith(_OLE2):
        raise _fail("this is an old-style Excel (.xls) or other Office 97-2003 file, which "
                    "Shelfmark does not read: open it in Excel and save it as .xlsx "
                    "(Excel Workbook) or CSV UTF-8, then import that")
    for magic, what in _NOT_SPREADSHEETS:
        if head.startswith(magic):
            raise _fail(f"this is {what}, not a spreadsheet: Shelfmark imports CSV and .xlsx "
                        "files only")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        archive = _open_zip(data)
        archive.close()
        return "xlsx"
    text_start = (data[3:67] if data.startswith(_UTF8_BOM) else data[:64]).lstrip().lower()
    if text_start.startswith((b"<!doctype html", b"<html")):
        raise _fail("this is a web page (HTML), not a spreadsheet, even if its name ends in "
                    f"{_extension(filename) or 'something else'}: open it in Excel and save it "
                    "as .xlsx or CSV")
    if text_start.startswith(b"<?xml"):
        raise _fail("this is an XML file (perhaps an Excel 2003 XML spreadsheet), not CSV or "
                    ".xlsx: open it in Excel and save it as .xlsx or CSV")
    return "csv"


def _extension(filename: str) -> str:
    name = (filename or "").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """Open a ZIP that must be an XLSX workbook, or raise saying what it is instead."""
    if not data.startswith(b"PK"):
        raise _fail("this is not an .xlsx workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise _fail(f"the workbook is damaged (not a complete .xlsx/ZIP file: {exc}): it may "
                    "have been cut short while copying; open it in Excel, save it again and "
                    "import that") from None
    if any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names) or \
            any(n.endswith(".xml") and n.startswith("xl/worksheets/") for n in names):
        return archive
    archive.close()
    if any(n.endswith("workbook.bin") for n in names):
        raise _fail("this is an Excel binary workbook (.xlsb), which Shelfmark does not read: "
                    "save it as .xlsx (Excel Workbook) or CSV and import that")
    if "mimetype" in names and "content.xml" in names:
        raise _fail("this is an OpenDocument file (.ods/.odt), not .xlsx: " + _SAVE_AS)
    if any(n.startswith("word/") for n in names):
        raise _fail("this is a Word document, not a spreadsheet: Shelfmark imports CSV and "
                    ".xlsx files only")
    if any(n.startswith("ppt/") for n in names):
        raise _fail("this is a PowerPoint file, not a spreadsheet: Shelfmark imports CSV and "
                    ".xlsx files only")
    raise _fail("this is a ZIP archive, not an .xlsx workbook: unzip it and import the CSV or "
                ".xlsx file inside")


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str, list[Problem]]:
    """Decode text: UTF-16 (by BOM or shape), UTF-8, then Windows-1252, then Latin-1."""
    warnings: list[Problem] = []
    sample = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif len(sample) >= 4 and sample[1::2].count(0) > 0.9 * len(sample[1::2]) \
            and sample[0::2].count(0) < 0.1 * len(sample[0::2]):
        encodings = ["utf-16-le"]
    elif len(sample) >= 4 and sample[0::2].count(0) > 0.9 * len(sample[0::2]) \
            and sample[1::2].count(0) < 0.1 * len(sample[1::2]):
        encodings = ["utf-16-be"]
    else:
        encodings = ["utf-8-sig", "cp1252", "latin-1"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding in ("cp1252", "latin-1"):
            name = "Windows-1252" if encoding == "cp1252" else "Latin-1"
            warnings.append(Problem(
                f"the file is not UTF-8; it was read as {name}: check that £ signs and "
                "accented letters look right (saving as 'CSV UTF-8' avoids this)",
                severity="warning"))
        return text.lstrip("\ufeff"), encoding, warnings
    raise _fail("the file's text cannot be read (it is not UTF-16 text): " + _SAVE_AS)


def _check_text(text: str) -> None:
    """Refuse text that is really binary data (NUL bytes, many control characters)."""
    sample = text[:SAMPLE_CHARS]
    controls = _CONTROL.findall(sample)
    if "\x00" in sample or len(controls) > max(8, len(sample) // 100):
        raise _fail("this is not a CSV or .xlsx file: it holds binary data (NUL bytes or "
                    "control characters), like a program's own file format; " + _SAVE_AS)


def _sniff_delimiter(text: str) -> str:
    """Pick comma, semicolon or tab: the one that splits the header and the next rows alike."""
    lines = text[:SAMPLE_CHARS].splitlines()[:SNIFF_LINES]
    sample = "\n".join(lines)
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        rest = rows[1:-1] if len(rows) > 2 else rows[1:]  # the last may be cut short
        alike = sum(1 for r in rest if len(r) == width or
                    (len(r) > width and not any(c.strip() for c in r[width:])))
        score = (alike / len(rest) if rest else 1.0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes) -> Table:
    text, encoding, warnings = _decode(data)
    text = text.rstrip("\x1a")  # a DOS end-of-file mark
    _check_text(text)
    leading = _LEADING_BLANK.match(text)
    skipped = 0
    if leading:
        skipped = len(re.findall(r"\r\n|\n|\r", leading.group(0)))
        text = text[leading.end():]
    if re.match(r"\s*\Z", text):
        raise _fail("the file is empty: it holds no header row and no figures")
    delimiter = _sniff_delimiter(text)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                          keep_default_na=False, na_filter=False, engine="c",
                          skip_blank_lines=False, quotechar='"', doublequote=True)
    except pd.errors.EmptyDataError:
        raise _fail("the file is empty: it holds no header row and no figures") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if unclosed:
            row = skipped + 1 + int(unclosed.group(1))
            raise _fail("a quoted cell is never closed: a cell beginning with a double quote "
                        "(\") must end with one, or the rest of the file is read into that cell",
                        row=row) from None
        raw, shape = _read_csv_slowly(text, delimiter)
    else:  # pandas pads short rows with blanks: count each record's fields apart
        shape = _record_shape(text, delimiter)
        if shape is None or len(shape.fields) != len(raw):
            raw, shape = _read_csv_slowly(text, delimiter)
    rows = np.arange(skipped + 1, skipped + 1 + len(raw), dtype=np.int64)
    shape.lines += skipped
    table = _finish(raw, rows, kind="csv", shape=shape)
    table.warnings[:0] = warnings
    table.encoding, table.delimiter = encoding, delimiter
    return table


@dataclass
class _Shape:
    """How many fields each CSV record has, and the line of the file it starts on (1-based)."""

    fields: np.ndarray
    lines: np.ndarray


def _read_csv_slowly(text: str, delimiter: str) -> tuple[pd.DataFrame, _Shape]:
    """Read the records with the csv module, counting each one's fields.

    For what pandas refuses (a row longer than the first) or `_record_shape` cannot count (a
    quote inside an unquoted cell).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=False)
    records, lines, read = [], [], 0
    try:
        for record in reader:
            records.append(record)
            lines.append(read + 1)
            read = reader.line_num  # lines read so far: a quoted cell may hold line breaks
    except csv.Error as exc:
        raise _fail(f"the file cannot be read as CSV ({exc}): check for a cell with an opening "
                    "quote (\") and no closing one, or " + _SAVE_AS) from None
    width = max((len(r) for r in records), default=0)
    columns = [[""] * len(records) for _ in range(width)]
    for i, record in enumerate(records):
        for j, cell in enumerate(record):
            columns[j][i] = cell
    shape = _Shape(np.array([len(r) for r in records], dtype=np.int64),
                   np.array(lines, dtype=np.int64))
    return pd.DataFrame({j: pd.Series(col, dtype=str) for j, col in enumerate(columns)}), shape


def _record_shape(text: str, delimiter: str) -> _Shape | None:
    """Count each record's fields, as pandas' reader splits them, without reading the cells.

    Delimiters and line ends inside quoted cells do not count; quote characters pair up in
    order, which holds when every quote opens or closes a cell (or is doubled inside one). If
    one does not (a quote inside an unquoted cell), return None for the csv module to read.
    """
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    size = len(data)
    ends = np.flatnonzero(data == 10)  # a line ends at \n, \r\n (its \n) or a lone \r
    returns = np.flatnonzero(data == 13)
    lone = returns[data[np.minimum(returns + 1, size - 1)] != 10]
    if len(lone):
        ends = np.sort(np.concatenate((ends, lone)))
    separator = ord(delimiter)
    separators = np.flatnonzero(data == separator)
    quotes = np.flatnonzero(data == 34)
    record_ends = ends

    def bound(byte: np.ndarray) -> np.ndarray:
        return (byte == separator) | (byte == 10) | (byte == 13)

    if len(quotes):
        if len(quotes) % 2:
            return None
        opens, closes = quotes[0::2], quotes[1::2]
        doubled_before = np.concatenate(([-2], closes[:-1])) == opens - 1
        doubled_after = np.concatenate((opens[1:], [-2])) == closes + 1
        opened_well = (opens == 0) | bound(data[opens - 1]) | doubled_before
        closed_well = (closes == size - 1) | bound(data[np.minimum(closes + 1, size - 1)]) | \
            doubled_after
        if not (opened_well.all() and closed_well.all()):
            return None
        separators = separators[np.searchsorted(quotes, separators) % 2 == 0]
        record_ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    count = len(record_ends) + int(not len(record_ends) or record_ends[-1] < size - 1)
    fields = np.bincount(np.searchsorted(record_ends, separators), minlength=count) + 1
    if len(record_ends) == len(ends):  # no line breaks inside cells: record i is on line i + 1
        return _Shape(fields[:count], np.arange(1, count + 1))
    starts = np.concatenate(([0], record_ends[: count - 1] + 1))
    return _Shape(fields[:count], np.searchsorted(ends, starts) + 1)


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _workbook_path(archive: zipfile.ZipFile) -> str:
    """Return the workbook part's path (xl/workbook.xml unless the package says otherwise)."""
    try:
        rels = ElementTree.fromstring(archive.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for element in rels.iter():
        if _local(element.tag) == "Relationship" and \
                element.get("Type", "").endswith("/officeDocument"):
            return element.get("Target", "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def _check_expansion(data: bytes, max_bytes: int) -> None:
    archive = _open_zip(data)
    try:
        expanded = sum(info.file_size for info in archive.infolist())
    finally:
        archive.close()
    limit = max(max_bytes, 10 * MB) * MAX_EXPANSION
    if expanded > limit:
        raise _fail(f"the workbook unpacks to {_size(expanded)}, more than Shelfmark reads "
                    f"({_size(limit)}): save the data sheet alone as CSV and import that")


def _cell_text(value: Any) -> str:
    """Return a cell's value as text that reads back exactly."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2 ** 53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _sheet_rows(worksheet) -> list[list[str]]:
    """Return a worksheet's rows as text, row i being spreadsheet row i + 1."""
    if not hasattr(worksheet, "iter_rows"):
        raise _fail(f"sheet {worksheet.title!r} is a chart, not a table of figures: choose the "
                    "sheet holding the data")
    worksheet.reset_dimensions()  # some writers record a wrong size; read every cell there is
    empty: list[str] = []
    rows: list[list[str]] = []
    for values in worksheet.iter_rows(values_only=True):
        if not values or all(v is None for v in values):
            rows.append(empty)
        else:
            rows.append([_cell_text(v) for v in values])
    return rows


def _has_data(rows: list[list[str]], at_least: int = 1) -> bool:
    """Say whether at least `at_least` rows hold something (2: a header and a row below)."""
    filled = 0
    for row in rows:
        if any(cell for cell in row):
            filled += 1
            if filled >= at_least:
                return True
    return False


def _formula_cells(archive: zipfile.ZipFile, path: str) -> Iterator[str]:
    """Yield the references of formula cells saved without a value (never calculated)."""
    try:
        with archive.open(path) as stream:
            tail = b""
            found = False
            while chunk := stream.read(4 * MB):
                if _FORMULA_TAG.search(tail + chunk):
                    found = True
                    break
                tail = chunk[-16:]
        if not found:
            return
        with archive.open(path) as stream:
            for _, element in ElementTree.iterparse(stream, events=("end",)):
                tag = _local(element.tag)
                if tag == "c":
                    formula = value = None
                    for child in element:
                        name = _local(child.tag)
                        if name == "f":
                            formula = child
                        elif name == "v":
                            value = child
                    if formula is not None and element.get("t") != "str" and \
                            (value is None or not (value.text or "").strip()):
                        yield element.get("r", "?")
                elif tag == "row":
                    element.clear()
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError):
        return


def _read_xlsx(data: bytes, sheet: str | None, max_bytes: int) -> Table:
    _check_expansion(data, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFailed:
        raise
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise _fail(f"the workbook is damaged and cannot be read ({type(exc).__name__}: "
                    f"{exc}): open it in Excel, save it again and import that") from None
    warnings: list[Problem] = []
    try:
        sheets = list(workbook.sheetnames)
        if not sheets:
            raise _fail("the workbook has no sheets")
        if sheet:
            chosen = _match_sheet(sheet, sheets)
            worksheet = workbook[chosen]
            rows = _sheet_rows(worksheet)
        else:
            chosen, worksheet, rows = _choose_sheet(workbook, sheets)
            others = [s for s in sheets if s != chosen]
            if chosen == DATA_SHEET:
                others = [s for s in others if s not in REFERENCE_SHEETS]
            if others:
                warnings.append(Problem(
                    f"read sheet {chosen!r}; the workbook also has "
                    f"{'sheet' if len(others) == 1 else 'sheets'} "
                    f"{', '.join(repr(s) for s in others)}: to import another, choose it with "
                    "--sheet or the sheet chooser", severity="warning"))
        path = getattr(worksheet, "_worksheet_path", None)
        formulas = []
        if path:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for ref in _formula_cells(archive, path):
                    formulas.append(ref)
                    if len(formulas) > FORMULA_CELLS_SHOWN:
                        break
    except ImportFailed:
        raise
    except Exception as exc:
        raise _fail(f"the workbook is damaged and cannot be read ({type(exc).__name__}: "
                    f"{exc}): open it in Excel, save it again and import that") from None
    finally:
        workbook.close()
    if formulas:
        raise ImportFailed([
            Problem(f"cell {ref} holds a formula that was never calculated, so it has no value "
                    "to import: open and save the workbook in Excel so its formulas have "
                    "values", row=_row_of(ref))
            for ref in formulas[:FORMULA_CELLS_SHOWN]
        ] + ([Problem("more formulas without values follow")] if len(formulas) >
             FORMULA_CELLS_SHOWN else []))
    if not _has_data(rows):
        raise _fail(f"sheet {chosen!r} is empty: it holds no header row and no figures")
    width = max(len(r) for r in rows)
    columns = {j: pd.Series([r[j] if j < len(r) else "" for r in rows], dtype=str)
               for j in range(width)}
    raw = pd.DataFrame(columns)
    table = _finish(raw, np.arange(1, len(rows) + 1, dtype=np.int64), kind="xlsx")
    table.warnings[:0] = warnings
    table.sheet, table.sheets = chosen, sheets
    return table


def _row_of(ref: str) -> int | None:
    digits = re.search(r"(\d+)$", ref or "")
    return int(digits.group(1)) if digits else None


def _match_sheet(wanted: str, sheets: list[str]) -> str:
    if wanted in sheets:
        return wanted
    folded = [s for s in sheets if s.strip().lower() == wanted.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    raise _fail(f"the workbook has no sheet {wanted!r}; its sheets are "
                f"{', '.join(repr(s) for s in sheets)}")


def _choose_sheet(workbook, sheets: list[str]) -> tuple[str, Any, list[list[str]]]:
    """Take the sheet named Data if there is one, else the first sheet holding figures."""
    named = [s for s in sheets if s == DATA_SHEET] or \
        [s for s in sheets if s.strip().lower() == DATA_SHEET.lower()]
    if named:
        worksheet = workbook[named[0]]
        return named[0], worksheet, _sheet_rows(worksheet)
    first: tuple[str, Any, list[list[str]]] | None = None
    for name in sheets:
        worksheet = workbook[name]
        if not hasattr(worksheet, "iter_rows"):
            continue
        rows = _sheet_rows(worksheet)
        if _has_data(rows, 2):
            return name, worksheet, rows
        if first is None or (not _has_data(first[2]) and _has_data(rows)):
            first = (name, worksheet, rows)
    if first is None:
        raise _fail("the workbook has no sheet of figures (only charts)")
    return first


# ---------------------------------------------------------------------------------------------
# Header and rows, for both kinds
# ---------------------------------------------------------------------------------------------


def _finish(raw: pd.DataFrame, rows: np.ndarray, *, kind: str,
            shape: _Shape | None = None) -> Table:
    """Find the header, drop blank rows and columns, and check the header's names.

    `shape` (CSV) gives each record's number of fields: a row with fewer than the header has,
    or with cells beyond it, is refused.
    """
    cells = {j: _stripped(raw[j]) for j in raw.columns}
    filled = {j: values != "" for j, values in cells.items()}
    any_filled = np.zeros(len(raw), dtype=bool)
    for mask in filled.values():
        any_filled |= mask
    if not any_filled.any():
        raise _fail("the file is empty: it holds no header row and no figures")
    first = int(np.argmax(any_filled))
    warnings: list[Problem] = []
    # Titles above the header: rows holding only their first cell, before a row of several.
    width = np.zeros(len(raw), dtype=np.int64)
    for mask in filled.values():
        width += mask[: len(width)]
    in_first = next(iter(filled.values()))
    candidates = np.flatnonzero(any_filled[: first + MAX_TITLE_ROWS + 1])
    wide = [i for i in candidates if width[i] >= 3]
    if wide and wide[0] > first and all(width[i] == 1 and in_first[i]
                                        for i in candidates if i < wide[0]):
        titles = [i for i in candidates if i < wide[0]]
        shown = next(v[titles[0]] for v in cells.values() if v[titles[0]])
        warnings.append(Problem(
            f"{'row' if len(titles) == 1 else 'rows'} "
            f"{', '.join(str(int(rows[i])) for i in titles)} above the header "
            f"{'looks' if len(titles) == 1 else 'look'} like a title and "
            f"{'was' if len(titles) == 1 else 'were'} skipped", row=int(rows[titles[0]]),
            value=_short(shown), severity="warning"))
        first = wide[0]
    header_row = int(rows[first])
    keep = any_filled.copy()
    keep[: first + 1] = False
    data_rows = rows[keep]
    if not len(data_rows):
        raise _fail("the file has a header row but no rows of figures below it",
                    row=header_row)
    problems: list[Problem] = []
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    header = [cells[j][first].replace("\ufeff", "").strip() for j in cells]
    width = max((position + 1 for position, name in enumerate(header) if name), default=0)
    for position, j in enumerate(cells):
        name = header[position]
        letter = get_column_letter(position + 1)
        has_data = bool(filled[j][keep].any())
        if not name:
            if has_data and (shape is None or position < width):  # CSV: beyond, by row below
                index = int(np.argmax(filled[j] & keep))
                problems.append(Problem(
                    f"column {letter} (the {_ordinal(position + 1)}) holds figures but has no "
                    "name in the header row: name it or delete the column",
                    row=int(rows[index]), value=_short(cells[j][index])))
            continue
        if name in seen:
            problems.append(Problem(
                f"the header names {name!r} twice (columns {get_column_letter(seen[name] + 1)} "
                f"and {letter}): each column needs its own name", row=header_row, column=name))
            continue
        seen[name] = position
        names[j] = name
    if shape is not None:
        problems += _uneven_rows(shape, rows, keep, first, width, list(cells.values()))
    if problems:
        raise ImportFailed(problems)
    frame = pd.DataFrame({names[j]: cells[j][keep] for j in names})
    return Table(frame=frame, rows=data_rows, warnings=warnings, kind=kind,
                 header_row=header_row)


def _uneven_rows(shape: _Shape, rows: np.ndarray, keep: np.ndarray, first: int, width: int,
                 cells: list[np.ndarray]) -> list[Problem]:
    """Refuse CSV rows with fewer fields than the header's `width`, or with cells beyond it."""
    beyond = np.zeros(len(rows), dtype=bool)
    for column in cells[width:]:
        beyond |= column != ""
    short = keep & (shape.fields < width)
    bad = np.flatnonzero(short | (keep & beyond))
    if not len(bad):
        return []
    header = (f"the header (row {int(rows[first])}) has {width}" if shape.fields[first] == width
              else f"the header (row {int(rows[first])}) names {width} columns")
    last = np.flatnonzero(keep)[-1]
    problems = []
    for i in bad[:UNEVEN_ROWS_SHOWN]:
        row, line, fields = int(rows[i]), int(shape.lines[i]), int(shape.fields[i])
        where = f" (line {line} of the file)" if line != row else ""
        said = f"this row{where} has {fields} {'field' if fields == 1 else 'fields'} but {header}"
        if short[i]:
            lost = "cell" if width - fields == 1 else f"{width - fields:,} cells"
            hint = ("the file ends in it: the file was probably not copied, downloaded or saved "
                    "completely" if i == last else "check the row in the file and complete it")
            problems.append(Problem(f"{said}: the row is cut short, and its last {lost} would "
                                    f"be read as blank; {hint}", row=row))
        else:
            j = width + int(np.argmax([column[i] != "" for column in cells[width:]]))
            problems.append(Problem(
                f"{said}: column {get_column_letter(j + 1)} (the {_ordinal(j + 1)}) is beyond "
                "the header; a delimiter too many (such as an unquoted comma inside a cell) "
                "shifts every cell after it", row=row, value=_short(cells[j][i])))
    if len(bad) > UNEVEN_ROWS_SHOWN:
        problems.append(Problem(f"{len(bad) - UNEVEN_ROWS_SHOWN:,} more rows have more or fewer "
                                "fields than the header"))
    return problems


def _stripped(column: pd.Series) -> np.ndarray:
    """Return a column's cells as an object array of stripped text (each distinct text once)."""
    codes, uniques = pd.factorize(column)
    if not len(uniques):
        return np.full(len(column), "", dtype=object)
    stripped = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return stripped[codes]  # code -1 (none expected) reads as blank


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
